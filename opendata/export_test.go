package opendata_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/opendata"
)

type exportJSON struct {
	ID        int64  `json:"id"`
	FeedSeq   int64  `json:"feed_seq"`
	Manifest  string `json:"manifest"`
	Signature string `json:"signature"`
	KeyID     string `json:"key_id"`
	Files     []struct {
		Name   string `json:"name"`
		SHA256 string `json:"sha256"`
		Rows   int64  `json:"rows"`
		URL    string `json:"url"`
	} `json:"files"`
}

// TestOpenDataExport builds the day's export and checks it as an outsider
// would: the manifest's signature verifies with the platform's public key,
// every file matches its checksum, the comments file holds the published
// comment and not the pending one, JSON Lines and CSV agree, and the
// export is listed; a second build the same day changes nothing, and after
// 30 days it is gone.
func TestOpenDataExport(t *testing.T) {
	s := newFeedScene(t)
	ctx := context.Background()
	s.open(t)
	resident, _ := s.Account(identity.RoleResident, "")
	other, _ := s.Account(identity.RoleResident, "")
	pub, _, err := s.Consultation.SubmitComment(ctx, &resident, s.decision.ID, consultation.CommentInput{Body: "建议延长课后服务到18点。"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consultation.ModerateComment(ctx, &s.staff, pub.ID, consultation.ModerationPublish, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Consultation.SubmitComment(ctx, &other, s.decision.ID, consultation.CommentInput{Body: "尚未审核的意见，含手机号13800000000"}); err != nil {
		t.Fatal(err)
	}
	od := opendata.New(s.DB)
	od.Now = s.Clock.Now
	built, err := od.BuildExport(ctx, s.Consultation.Signer)
	if err != nil {
		t.Fatal(err)
	}
	again, err := od.BuildExport(ctx, s.Consultation.Signer)
	if err != nil || again.ID != built.ID {
		t.Fatalf("second build the same day: %d vs %d (%v)", again.ID, built.ID, err)
	}

	var list struct {
		Exports []exportJSON `json:"exports"`
	}
	s.Do("GET", "/open-data/exports", "", nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Exports) != 1 || list.Exports[0].ID != built.ID {
		t.Fatalf("list %+v", list)
	}
	var ex exportJSON
	s.Do("GET", fmt.Sprintf("/open-data/exports/%d", built.ID), "", nil).Expect(t, 200, "").JSON(t, &ex)

	var key struct {
		Base64 string `json:"base64"`
	}
	s.Do("GET", "/record/public-key", "", nil).Expect(t, 200, "").JSON(t, &key)
	pubKey, _ := base64.StdEncoding.DecodeString(key.Base64)
	sig, _ := base64.StdEncoding.DecodeString(ex.Signature)
	if len(pubKey) != ed25519.PublicKeySize || !ed25519.Verify(pubKey, []byte(ex.Manifest), sig) {
		t.Fatalf("manifest signature does not verify (key %q)", key.Base64)
	}
	if ed25519.Verify(pubKey, []byte(strings.Replace(ex.Manifest, `"rows":1`, `"rows":2`, 1)), sig) {
		t.Fatal("a changed manifest verifies")
	}
	var m opendata.Manifest
	if err := json.Unmarshal([]byte(ex.Manifest), &m); err != nil || m.Licence != "CC-BY-4.0" || len(m.Files) != 18 || m.FeedSeq == 0 {
		t.Fatalf("manifest %s (%v)", ex.Manifest, err)
	}
	files := map[string][]byte{}
	for _, f := range m.Files {
		r := s.Do("GET", fmt.Sprintf("/open-data/exports/%d/files/%s", ex.ID, f.Name), "", nil).Expect(t, 200, "")
		sum := sha256.Sum256(r.Body)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("%s: checksum differs", f.Name)
		}
		body := r.Body
		if strings.HasSuffix(f.Name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		files[f.Name] = body
	}
	comments := strings.Split(strings.TrimSpace(string(files["comments.jsonl.gz"])), "\n")
	if len(comments) != 1 || !strings.Contains(comments[0], "建议延长课后服务到18点。") {
		t.Fatalf("comments.jsonl %q", comments)
	}
	for name, body := range files {
		if strings.Contains(string(body), "13800000000") {
			t.Fatalf("%s holds the pending comment", name)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(files["comments.csv.gz"])).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "id" || rows[1][0] != fmt.Sprint(pub.ID) {
		t.Fatalf("comments.csv %q (%v)", rows, err)
	}
	if !strings.Contains(string(files["data-dictionary.json"]), `"author_name"`) || !strings.Contains(string(files["LICENSE.txt"]), "CC BY 4.0") {
		t.Fatal("dictionary or licence missing")
	}
	s.Do("GET", fmt.Sprintf("/open-data/exports/%d/files/secrets.txt", ex.ID), "", nil).Expect(t, 404, "open_data_file_not_found")

	// 31 days later the next build removes it.
	s.Clock.Set(s.Clock.Now().Add(31 * 24 * time.Hour))
	if _, err := od.BuildExport(ctx, s.Consultation.Signer); err != nil {
		t.Fatal(err)
	}
	s.Do("GET", fmt.Sprintf("/open-data/exports/%d", built.ID), "", nil).Expect(t, 404, "open_data_export_not_found")
}
