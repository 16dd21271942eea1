package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the axe-core release scripts/ensure-test-tools.sh installs
// from npm (pinned: a new release can add rules).
const AxeVersion = "4.14.1"

// axeTags are the rule sets run: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeScript is axe.min.js: CANYU_AXE names it, else the cache directory
// scripts/ensure-test-tools.sh installs it under.
func axeScript() string {
	if p := os.Getenv("CANYU_AXE"); p != "" {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "canyu-tools", "axe-core-"+AxeVersion, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// AxeViolation is one failed axe rule with the elements that fail it.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// Axe runs axe-core's WCAG 2.2 A and AA rules on the page ctx shows and
// fails the test for each violation, naming where. `make test` installs
// axe-core and sets CANYU_REQUIRE_AXE, so a missing axe fails there
// instead of skipping.
func Axe(tb testing.TB, ctx context.Context, what string) {
	tb.Helper()
	for _, v := range AxeViolations(tb, ctx, what) {
		tb.Errorf("axe on %s: %s", what, v)
	}
}

// AxeViolations runs axe-core's WCAG 2.2 A and AA rules on the page ctx
// shows and returns what fails.
func AxeViolations(tb testing.TB, ctx context.Context, what string) []AxeViolation {
	tb.Helper()
	path := axeScript()
	if path == "" {
		if os.Getenv("CANYU_REQUIRE_AXE") != "" {
			tb.Fatal("axe-core not found: scripts/ensure-test-tools.sh installs axe-core " + AxeVersion)
		}
		if _, err := exec.LookPath("npm"); err != nil {
			tb.Skip("npm not found, so no axe-core: install Node.js and run scripts/ensure-test-tools.sh")
		}
		tb.Skip("axe-core not installed: run scripts/ensure-test-tools.sh")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		tb.Fatalf("axe: loading axe-core: %v", err)
	}
	tags := `["` + strings.Join(axeTags, `","`) + `"]`
	run := `axe.run(document, {runOnly: {type: "tag", values: ` + tags + `}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			targets: v.nodes.map(n => n.target.join(" "))})))`
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("axe on %s: %v", what, err)
	}
	return violations
}
