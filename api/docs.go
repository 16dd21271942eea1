package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// The API reference page (issue 15, finding 7): huma's docs page loaded
// Stoplight Elements from a public CDN, blank offline and without an
// integrity check. The same viewer (Stoplight Elements 9.0.25, Apache-2.0)
// is embedded and served from here; the page references this origin only.

//go:embed docsui/web-components.min.js docsui/styles.min.css docsui/LICENSE
var docsAssets embed.FS

// DocsCSP is the Content-Security-Policy of the docs page: its own origin
// only. The viewer sets inline styles (style-src 'unsafe-inline') and its
// bundle evaluates code once ('unsafe-eval'); nothing else is loosened.
const DocsCSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// docsPage is the reference page; relative URLs keep it right under any
// mount point (/api/v1/docs).
const docsPage = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>canyu 参与 API 文档</title>
<link rel="stylesheet" href="docs/assets/styles.min.css">
<script src="docs/assets/web-components.min.js"></script>
</head>
<body>
<elements-api apiDescriptionUrl="openapi.yaml" router="hash" layout="sidebar" tryItCredentialsPolicy="same-origin"></elements-api>
</body>
</html>
`

// mountDocs serves the page at /docs and the viewer at /docs/assets/.
func mountDocs(r chi.Router) {
	assets, err := fs.Sub(docsAssets, "docsui")
	if err != nil {
		panic(err)
	}
	r.Get("/docs", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write([]byte(docsPage))
	})
	r.Get("/docs/assets/*", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.ServeFileFS(w, req, assets, chi.URLParam(req, "*"))
	})
}
