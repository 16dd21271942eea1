package api_test

import (
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/api"
)

// TestBuildInParallel builds the API four times at once, as parallel tests do:
// under -race it fails when two servers share something registration
// writes to (an operation's Responses map shared between operations did).
func TestBuildInParallel(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if spec := api.New(chi.NewRouter(), api.Services{}).OpenAPI(); len(spec.Paths) == 0 {
				t.Error("no paths")
			}
		}()
	}
	wg.Wait()
}
