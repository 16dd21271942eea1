// Package browsertest drives Debian's headless Chromium with chromedp for
// page tests. chromedp v0.23 has a generic API: chromedp.Do(ctx, steps...)
// runs actions without results; v, err := chromedp.Run(ctx, chromedp.Text(
// chromedp.CSS("h1"))) returns one action's value; selectors are typed
// (chromedp.CSS, chromedp.ID, chromedp.Search). `make test` installs Chromium and sets CANYU_REQUIRE_BROWSER,
// so a missing browser fails there instead of skipping.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Phone and Desktop are viewport sizes.
var (
	Phone   = [2]int{390, 844}
	Desktop = [2]int{1280, 900}
)

func chromiumPath() string {
	for _, p := range []string{os.Getenv("CANYU_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// New starts a headless Chromium with the given viewport and returns a
// chromedp context that lives until the test ends.
func New(tb testing.TB, viewport [2]int) context.Context {
	tb.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CANYU_REQUIRE_BROWSER") != "" {
			tb.Fatal("browsertest: Chromium not found (scripts/ensure-test-tools.sh installs Debian's chromium)")
		}
		tb.Skip("browsertest: Chromium not found; run `make test`, which installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(viewport[0], viewport[1]),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	tb.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(viewport[0]), int64(viewport[1]))); err != nil {
		tb.Fatalf("browsertest: start Chromium: %v", err)
	}
	return ctx
}

// Screenshot saves a full-page PNG under CANYU_SCREENSHOT_DIR when set, so
// a person can look at what the test saw.
func Screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	dir := os.Getenv("CANYU_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Logf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}
