// Package mirror is an example integration (issue 20): it keeps a copy of
// everything canyu publishes, starting from a signed daily bulk export or
// from nothing, and follows the change feed. It uses only the public HTTP
// API and the standard library, as an outside integrator would; the program
// in cmd/canyu-mirror runs it.
//
// The protocol it shows:
//
//  1. Optionally, load an export: GET /api/v1/open-data/exports/{id}, check
//     the Ed25519 signature over the exact bytes of "manifest" with the
//     platform key (pinned, or GET /api/v1/record/public-key), download each
//     file and check its SHA-256 against the manifest, load the *.jsonl.gz
//     files, and continue from since = feed_seq.
//  2. GET /api/v1/open-data/changes?since=N: apply each item (removed: drop
//     the copy; otherwise store data), keep next, repeat while more is true.
//     Send the last page's ETag in If-None-Match to poll cheaply.
package mirror

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Key names one object: its collection (the feed's kind) and id.
type Key struct {
	Kind string
	ID   int64
}

// Mirror is a local copy of canyu's public data.
type Mirror struct {
	// Base is the service's URL, e.g. https://canyu.example.gov.cn.
	Base   string
	Client *http.Client
	// PublicKey, when set, is the pinned platform key; otherwise it is
	// fetched from the service.
	PublicKey ed25519.PublicKey
	// Objects is the copy: the public JSON of each object.
	Objects map[Key]json.RawMessage
	// Since is the feed position the copy includes.
	Since int64
	etag  string
}

// New returns an empty mirror of the service at base.
func New(base string) *Mirror {
	return &Mirror{Base: strings.TrimRight(base, "/"), Client: http.DefaultClient, Objects: map[Key]json.RawMessage{}}
}

// fileKinds maps export files to the feed's kinds.
var fileKinds = map[string]string{
	"decisions.jsonl.gz": "decision", "versions.jsonl.gz": "version", "comments.jsonl.gz": "comment",
	"dispositions.jsonl.gz": "disposition", "adoption_reports.jsonl.gz": "adoption_report", "surveys.jsonl.gz": "survey",
	"survey_results.jsonl.gz": "survey_results", "record_heads.jsonl.gz": "record_head",
}

type export struct {
	ID        int64  `json:"id"`
	Manifest  string `json:"manifest"`
	Signature string `json:"signature"`
}

type manifest struct {
	FeedSeq int64 `json:"feed_seq"`
	Files   []struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
	} `json:"files"`
}

// ErrBadSignature says the export's manifest is not signed by the platform key.
var ErrBadSignature = errors.New("mirror: the export manifest's signature does not verify")

// LoadExport replaces the copy with the export's content, after checking
// the manifest's signature and every file's checksum.
func (m *Mirror) LoadExport(ctx context.Context, exportID int64) error {
	var ex export
	if err := m.getJSON(ctx, fmt.Sprintf("/api/v1/open-data/exports/%d", exportID), &ex); err != nil {
		return err
	}
	if err := m.verify(ctx, ex); err != nil {
		return err
	}
	var man manifest
	if err := json.Unmarshal([]byte(ex.Manifest), &man); err != nil {
		return err
	}
	objects := map[Key]json.RawMessage{}
	for _, f := range man.Files {
		kind, ok := fileKinds[f.Name]
		if !ok {
			continue
		}
		if err := m.loadFile(ctx, ex.ID, f.Name, f.SHA256, kind, objects); err != nil {
			return err
		}
	}
	m.Objects, m.Since, m.etag = objects, man.FeedSeq, ""
	return nil
}

func (m *Mirror) verify(ctx context.Context, ex export) error {
	key := m.PublicKey
	if key == nil {
		var k struct {
			Base64 string `json:"base64"`
		}
		if err := m.getJSON(ctx, "/api/v1/record/public-key", &k); err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(k.Base64)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return fmt.Errorf("mirror: bad public key: %v", err)
		}
		key = raw
	}
	sig, err := base64.StdEncoding.DecodeString(ex.Signature)
	if err != nil || !ed25519.Verify(key, []byte(ex.Manifest), sig) {
		return ErrBadSignature
	}
	return nil
}

func (m *Mirror) loadFile(ctx context.Context, exportID int64, name, want, kind string, into map[Key]json.RawMessage) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/open-data/exports/%d/files/%s", m.Base, exportID, name), nil)
	res, err := m.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("mirror: %s: %s", name, res.Status)
	}
	// Hash while decompressing: the file is streamed, never held whole.
	sum := sha256.New()
	zr, err := gzip.NewReader(io.TeeReader(res.Body, sum))
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var head struct {
			ID int64 `json:"id"`
		}
		line := bytes.Clone(sc.Bytes())
		if err := json.Unmarshal(line, &head); err != nil {
			return err
		}
		into[Key{kind, head.ID}] = line
	}
	if err := sc.Err(); err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	if got := hex.EncodeToString(sum.Sum(nil)); got != want {
		return fmt.Errorf("mirror: %s: checksum %s, manifest says %s", name, got, want)
	}
	return nil
}

type change struct {
	Seq     int64           `json:"seq"`
	Kind    string          `json:"kind"`
	ID      int64           `json:"id"`
	Removed bool            `json:"removed"`
	Data    json.RawMessage `json:"data"`
}

// Sync applies the feed from Since to its end and returns how many items
// it applied (0 when the service answered 304: nothing new).
func (m *Mirror) Sync(ctx context.Context) (int, error) {
	applied := 0
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/open-data/changes?since=%d&limit=1000", m.Base, m.Since), nil)
		if m.etag != "" {
			req.Header.Set("If-None-Match", m.etag)
		}
		res, err := m.Client.Do(req)
		if err != nil {
			return applied, err
		}
		if res.StatusCode == http.StatusNotModified {
			res.Body.Close()
			return applied, nil
		}
		var page struct {
			Items []change `json:"items"`
			Next  int64    `json:"next"`
			More  bool     `json:"more"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || err != nil {
			return applied, fmt.Errorf("mirror: changes since %d: %s %v", m.Since, res.Status, err)
		}
		for _, c := range page.Items {
			if c.Removed {
				delete(m.Objects, Key{c.Kind, c.ID})
			} else {
				m.Objects[Key{c.Kind, c.ID}] = c.Data
			}
			applied++
		}
		m.Since = page.Next
		// An empty last page's ETag lets the next poll cost a 304.
		m.etag = ""
		if len(page.Items) == 0 {
			m.etag = res.Header.Get("ETag")
		}
		if !page.More {
			return applied, nil
		}
	}
}

func (m *Mirror) getJSON(ctx context.Context, path string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.Base+path, nil)
	res, err := m.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("mirror: GET %s: %s", path, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
