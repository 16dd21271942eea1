package catalogue_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestCatalogueArchive: the catalogue record of a decision body exports as
// one archive that verifies offline, its chain, signatures, bound rows and
// the signed tree head's inclusion proof; a changed row in it is named;
// the README's program recomputes the chain. Only the body's staff, the
// rule-of-law office and admins export it (the proposals' rows name their
// proposers). The catalogue record had no archive (outside check).
func TestCatalogueArchive(t *testing.T) {
	s := newCatalogueScene(t)
	ctx := context.Background()
	if signed, err := s.e.Consultation.LogRecordHeads(ctx); err != nil || !signed {
		t.Fatalf("log heads: %v %v", signed, err)
	}
	staff, _ := s.e.Account(identity.RoleAgencyStaff, "pdsszf")
	resident, _ := s.e.Account(identity.RoleResident, "")
	if err := s.e.Catalogue.ExportCatalogueArchive(ctx, &resident, s.cat.ID, io.Discard); !errs.HasCode(err, "archive_forbidden") {
		t.Fatalf("a resident exported the catalogue archive: %v", err)
	}
	var buf bytes.Buffer
	if err := s.e.Catalogue.ExportCatalogueArchive(ctx, &staff, s.cat.ID, &buf); err != nil {
		t.Fatal(err)
	}
	chain, err := record.ChainEntries(ctx, s.e.DB, catalogue.ChainOf(s.bodyID))
	if err != nil {
		t.Fatal(err)
	}
	res, err := record.VerifyArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || !res.OK || res.Chain != catalogue.ChainOf(s.bodyID) || res.Entries != len(chain) || res.Evidence == 0 ||
		res.Anchored != 1 || res.LastHash != chain[len(chain)-1].EntryHash {
		t.Fatalf("the catalogue archive: %+v, %v", res, err)
	}
	if len(res.OnlineOnly) != 1 || !strings.Contains(res.OnlineOnly[0], "决策事项目录") {
		t.Errorf("online-only checks of the catalogue archive: %v", res.OnlineOnly)
	}

	// A proposal's row changed in the archive is named.
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	var changed, oldSum, newSum string
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f.Name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if changed == "" && strings.HasPrefix(f.Name, "evidence/decision_proposals/") && bytes.Contains(data, []byte("取消寒假作业")) {
			changed, oldSum = f.Name, record.SHA256Hex(data)
			data = bytes.Replace(data, []byte("取消寒假作业"), []byte("取消暑假作业"), 1)
			newSum = record.SHA256Hex(data)
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	if changed == "" || oldSum == newSum {
		t.Fatal("no proposal's row in the archive to change")
	}
	res, err = record.VerifyArchive(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil || res.OK || !strings.Contains(res.Problem, changed) {
		t.Errorf("an archive with %s changed verifies: %+v, %v", changed, res, err)
	}

	// The README's program recomputes the chain (where Python is).
	if py, err := exec.LookPath("python3"); err == nil {
		readme, _ := os.ReadFile(filepath.Join(dir, "README.txt"))
		_, prog, _ := strings.Cut(string(readme), "Python 3 示例：\n")
		var lines []string
		for _, l := range strings.Split(prog, "\n") {
			if strings.HasPrefix(l, "    ") {
				lines = append(lines, strings.TrimPrefix(l, "    "))
			}
		}
		cmd := exec.Command(py, "-c", strings.Join(lines, "\n"))
		cmd.Dir = dir
		got, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(got), "哈希链完整") {
			t.Errorf("the README's program: %s %v", got, err)
		}
	}
}
