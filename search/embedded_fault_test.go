package search_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/search"
)

// mountSmallDisk mounts a tmpfs of size bytes at a new directory, or
// returns "" when this process may not mount (not root): the caller then
// injects the write errors instead.
func mountSmallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Logf("cannot mount a tmpfs (%v): injecting write errors instead", err)
		return ""
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

func setReadOnly(t *testing.T, dir string, ro bool) {
	t.Helper()
	flags := uintptr(syscall.MS_REMOUNT)
	if ro {
		flags |= syscall.MS_RDONLY
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, ""); err != nil {
		t.Fatalf("remount read-only=%v: %v", ro, err)
	}
}

func bulky(from, n int) []search.Document {
	var docs []search.Document
	for i := from; i < from+n; i++ {
		docs = append(docs, comment(i, fmt.Sprintf("公交站台太少，第%d条意见。%s", i, strings.Repeat("夜间施工噪音扰民，路灯不亮。", 20))))
	}
	return docs
}

func expectUnavailable(t *testing.T, idx *search.Embedded, when string) {
	t.Helper()
	if _, err := idx.Search(context.Background(), search.Query{Text: "站台"}); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("%s: Search = %v, want ErrUnavailable", when, err)
	}
	if h := idx.Health(context.Background()); h.OK {
		t.Errorf("%s: Health = %+v, want not OK", when, h)
	}
}

// TestEmbeddedDiskFull fills the index's disk while comments arrive. On the
// old code the batch failed with "no space left on device" and the next
// search panicked ("assignment to entry in nil map" in zapx), killing the
// process. Now the index goes out of service (Search and Health say so, no
// panic) and comes back by itself once there is space again.
func TestEmbeddedDiskFull(t *testing.T) {
	disk := mountSmallDisk(t, "3m")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	var filler string
	if disk != "" {
		dir = filepath.Join(disk, "search")
		filler = filepath.Join(disk, "filler")
		if err := os.WriteFile(filler, make([]byte, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := search.NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if disk == "" {
		n := 0
		idx.InjectWriteFault(func() error {
			if n++; n > 20 {
				return fmt.Errorf("write %s/000049.zap: %w", dir, syscall.ENOSPC)
			}
			return nil
		})
	}
	var failed error
	next := 0
	for i := 0; i < 400 && failed == nil; i++ {
		failed = idx.Upsert(ctx, bulky(next, 50))
		if failed == nil {
			next += 50
		}
	}
	if !errors.Is(failed, search.ErrUnavailable) {
		t.Fatalf("filling the disk: last Upsert = %v, want an ErrUnavailable", failed)
	}
	t.Logf("disk full after %d documents: %v", next, failed)
	for range 3 {
		expectUnavailable(t, idx, "disk full")
	}
	if err := idx.Upsert(ctx, bulky(next, 1)); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("Upsert while out of service = %v", err)
	}

	// Space again: the index recovers with what it had persisted.
	if disk != "" {
		os.Remove(filler)
	} else {
		idx.InjectWriteFault(nil)
	}
	idx.RetryNow()
	if h := idx.Health(ctx); !h.OK {
		t.Fatalf("after freeing space: Health = %+v", h)
	}
	if err := idx.Upsert(ctx, bulky(next, 50)); err != nil {
		t.Fatalf("Upsert after recovery: %v", err)
	}
	res, err := idx.Search(ctx, search.Query{Text: "站台", Limit: 1})
	if err != nil || res.Total < next+50 {
		t.Fatalf("after recovery: %d hits, %v; want at least %d", res.Total, err, next+50)
	}
}

// TestEmbeddedReadOnly makes the index directory read-only while the
// service runs and then restarts it: writes fail without a panic, a
// restart on the read-only directory does not fail (it used to exit, a
// crash loop), and once the directory is writable again the index opens
// itself with its documents.
func TestEmbeddedReadOnly(t *testing.T) {
	disk := mountSmallDisk(t, "64m")
	if disk == "" {
		t.Skip("needs a mountable tmpfs to make the directory read-only (chmod does not stop root)")
	}
	ctx := context.Background()
	dir := filepath.Join(disk, "search")
	idx, err := search.NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.Upsert(ctx, bulky(0, 10)); err != nil {
		t.Fatal(err)
	}
	// While the index is open its files are open for writing and the
	// kernel refuses a read-only remount (EBUSY), so the running index
	// sees the errors a read-only file system gives.
	idx.InjectWriteFault(func() error { return fmt.Errorf("open %s/store/000000000012.zap: %w", dir, syscall.EROFS) })
	if err := idx.Upsert(ctx, bulky(10, 10)); !errors.Is(err, search.ErrUnavailable) {
		t.Fatalf("Upsert on a read-only directory = %v", err)
	}
	expectUnavailable(t, idx, "read-only")
	idx.Close()
	setReadOnly(t, disk, true)
	defer setReadOnly(t, disk, false)
	if _, err := search.NewEmbedded(dir); err == nil {
		t.Fatal("NewEmbedded opened an index on a read-only file system; the test proves nothing")
	}

	// Restart on the read-only directory.
	idx = search.OpenEmbedded(dir, nil)
	defer idx.Close()
	expectUnavailable(t, idx, "restarted read-only")
	idx.RetryNow()
	expectUnavailable(t, idx, "restarted read-only, retried")

	setReadOnly(t, disk, false)
	idx.RetryNow()
	res, err := idx.Search(ctx, search.Query{Text: "站台"})
	if err != nil || res.Total != 10 {
		t.Fatalf("after the directory is writable: %d hits, %v; want 10", res.Total, err)
	}
	if err := idx.Upsert(ctx, bulky(10, 10)); err != nil {
		t.Fatal(err)
	}
}

// TestIndexerIndexFault runs the service while the index refuses writes,
// first read-only, then full: comments are accepted, public search answers
// 503 search_unavailable,
// /readyz says search is unavailable, and once the disk is back the
// indexer catches up and search finds the comments.
func TestIndexerIndexFault(t *testing.T) {
	s := newSearchScene(t, 2)
	ctx := context.Background()
	s.DrainSearch()
	public := s.Index.Index.(*search.Embedded)
	staff := s.StaffIndex.Index.(*search.Embedded)
	// First the directory turns read-only, then (after an operator's
	// remount) the disk fills, while comments keep arriving.
	readOnly := func() error { return syscall.EROFS }
	public.InjectWriteFault(readOnly)
	staff.InjectWriteFault(readOnly)
	c0 := s.comment(t, 1, "", "建议在小区出入口设置临时停车泊位")
	s.moderate(t, c0.ID, consultation.ModerationPublish)
	if res, err := s.Indexer.DrainOnce(ctx); err != nil || res.Failed == 0 {
		t.Fatalf("batch on a read-only directory: %+v, %v", res, err)
	}
	if resp, err := http.Get(s.URL + "/api/v1/search?q=" + "%E6%B3%8A%E4%BD%8D"); err != nil {
		t.Fatal(err)
	} else if body := readAll(t, resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"search_unavailable"`) {
		t.Fatalf("search while the directory is read-only: %d %s", resp.StatusCode, body)
	}
	full := func() error { return syscall.ENOSPC }
	public.InjectWriteFault(full)
	staff.InjectWriteFault(full)
	public.RetryNow()
	staff.RetryNow()

	c := s.comment(t, 0, "", "建议夜间开放学校操场停车，缓解停车难")
	s.moderate(t, c.ID, consultation.ModerationPublish)
	if res, err := s.Indexer.DrainOnce(ctx); err != nil || res.Failed == 0 {
		t.Fatalf("batch on a full disk: %+v, %v", res, err)
	}
	c2 := s.comment(t, 1, "", "建议增加公交夜班线路")
	s.moderate(t, c2.ID, consultation.ModerationPublish)
	resp, err := http.Get(s.URL + "/api/v1/search?q=" + "%E6%93%8D%E5%9C%BA")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"search_unavailable"`) {
		t.Fatalf("search while the index is out of service: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"search":"unavailable"`) {
		t.Fatalf("readyz while the index is out of service: %d %s", resp.StatusCode, body)
	}

	public.InjectWriteFault(nil)
	staff.InjectWriteFault(nil)
	public.RetryNow()
	staff.RetryNow()
	// c2's rows are due now; the first batch that succeeds makes the
	// backed-off rows of c due as well (Indexer.afterOutage).
	s.DrainSearch()
	for _, want := range []struct {
		q  string
		id int64
	}{{"泊位", c0.ID}, {"操场", c.ID}, {"夜班", c2.ID}} {
		if _, ok := find(t, s.Index, search.Query{Text: want.q})[commentID(want.id)]; !ok {
			t.Errorf("%s: comment %d not indexed after recovery", want.q, want.id)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
