package browsertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestAxeFindsViolations: the axe check is not a check that cannot fail: an
// image without alternative text and a button without a name are found,
// and a plain page passes.
func TestAxeFindsViolations(t *testing.T) {
	pages := map[string]string{
		"/bad":  `<!doctype html><html lang="zh-CN"><head><title>坏</title></head><body><main><h1>标题</h1><img src="/x.png"><button></button></main></body></html>`,
		"/good": `<!doctype html><html lang="zh-CN"><head><title>好</title></head><body><main><h1>标题</h1><p>正文</p></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(pages[r.URL.Path]))
	}))
	defer srv.Close()
	ctx := browsertest.New(t, browsertest.Phone)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, v := range browsertest.AxeViolations(t, ctx, "bad page") {
		found[v.ID] = true
	}
	if !found["image-alt"] || !found["button-name"] {
		t.Errorf("axe found %v, want image-alt and button-name", found)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/good")); err != nil {
		t.Fatal(err)
	}
	browsertest.Axe(t, ctx, "good page")
}
