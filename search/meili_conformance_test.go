package search_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/search/searchtest"
)

// TestMeiliConformance runs the conformance suite against a live
// Meilisearch at CANYU_TEST_MEILI_URL (key CANYU_TEST_MEILI_KEY), each
// subtest in a fresh index that is deleted afterwards.
func TestMeiliConformance(t *testing.T) {
	url := os.Getenv("CANYU_TEST_MEILI_URL")
	if url == "" {
		t.Skip("CANYU_TEST_MEILI_URL not set: the Meilisearch conformance run needs a live server (none can be installed here); the HTTP-level tests against the documented API ran instead")
	}
	key := os.Getenv("CANYU_TEST_MEILI_KEY")
	run := time.Now().UnixNano()
	n := 0
	searchtest.Run(t, func(t *testing.T) search.Index {
		n++
		uid := fmt.Sprintf("canyu_test_%d_%d", run, n)
		m, err := search.NewMeili(url, key, search.WithMeiliIndex(uid))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := m.DropIndex(context.Background()); err != nil {
				t.Logf("deleting test index %s: %v", uid, err)
			}
		})
		return m
	})
}
