package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// redoclyVersion is the @redocly/cli release scripts/ensure-test-tools.sh
// installs (pinned: a new release can add rules).
const redoclyVersion = "2.77.0"

// redoclyPath finds the redocly binary: CANYU_REDOCLY, else the cache
// directory scripts/ensure-test-tools.sh installs it under.
func redoclyPath() string {
	if p := os.Getenv("CANYU_REDOCLY"); p != "" {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "canyu-tools", "redocly-"+redoclyVersion, "node_modules", ".bin", "redocly")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// TestRedoclyLint runs an outside linter, `redocly lint` with its
// recommended rules, on the committed openapi.yaml and fails on any error or
// warning (operations without a security declaration or without a 4XX
// answer, no licence in info, ...). `make test` installs the linter and sets
// CANYU_REQUIRE_REDOCLY, so a missing linter fails there instead of skipping.
func TestRedoclyLint(t *testing.T) {
	bin := redoclyPath()
	if bin == "" {
		if os.Getenv("CANYU_REQUIRE_REDOCLY") != "" {
			t.Fatal("redocly not found: scripts/ensure-test-tools.sh installs @redocly/cli " + redoclyVersion)
		}
		if _, err := exec.LookPath("npm"); err != nil {
			t.Skip("npm not found, so no redocly: install Node.js and run scripts/ensure-test-tools.sh")
		}
		t.Skip("redocly not installed: run scripts/ensure-test-tools.sh (installs @redocly/cli " + redoclyVersion + ")")
	}
	spec, err := filepath.Abs("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "lint", "--extends=recommended", "--format=json", spec)
	cmd.Dir = t.TempDir() // no stray redocly.yaml changes the rules
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, runErr := cmd.Output()
	var report struct {
		Totals struct {
			Errors   int `json:"errors"`
			Warnings int `json:"warnings"`
		} `json:"totals"`
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Location []struct {
				Pointer string `json:"pointer"`
			} `json:"location"`
		} `json:"problems"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("redocly output is not its JSON report (%v, run error %v): %s", err, runErr, out)
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("%s %s at %s: %s", p.Severity, p.RuleID, where, p.Message)
	}
	if report.Totals.Errors+report.Totals.Warnings > 0 {
		t.Fatalf("redocly lint: %d errors, %d warnings", report.Totals.Errors, report.Totals.Warnings)
	}
}
