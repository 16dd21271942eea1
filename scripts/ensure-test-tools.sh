#!/usr/bin/env bash
# Installs what the tests need beyond Go on a fresh Debian machine: a C
# compiler for `go test -race`, Debian's Chromium for page tests (driven by
# chromedp), a Chinese font so pages and screenshots render 汉字, and
# poppler-utils (pdftotext) to read generated PDFs back.
set -euo pipefail
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# pdftotext reads the supervision office's printed reports back in a test.
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then need+=(fonts-noto-cjk fontconfig); fi
if ((${#need[@]})); then
  echo "ensure-test-tools: installing ${need[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The OpenAPI linter TestRedoclyLint runs (`redocly lint`, recommended rules),
# pinned, under the user's cache directory (not a global npm install). Without
# npm it is left out and the test skips, unless CANYU_REQUIRE_REDOCLY is set.
redocly_version=2.77.0
redocly_dir="${XDG_CACHE_HOME:-$HOME/.cache}/canyu-tools/redocly-$redocly_version"
if [[ ! -x "$redocly_dir/node_modules/.bin/redocly" ]]; then
  if command -v npm >/dev/null 2>&1; then
    echo "ensure-test-tools: installing @redocly/cli@$redocly_version under $redocly_dir" >&2
    mkdir -p "$redocly_dir"
    npm install --silent --no-audit --no-fund --prefix "$redocly_dir" "@redocly/cli@$redocly_version" >/dev/null
  else
    echo "ensure-test-tools: npm not found; TestRedoclyLint will skip (install Node.js for it)" >&2
  fi
fi
# axe-core, whose WCAG 2.2 A/AA rules the page tests run in Chromium
# (internal/browsertest/axe.go), pinned, beside redocly.
axe_version=4.14.1
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/canyu-tools/axe-core-$axe_version"
if [[ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]] && command -v npm >/dev/null 2>&1; then
  echo "ensure-test-tools: installing axe-core@$axe_version under $axe_dir" >&2
  mkdir -p "$axe_dir"
  npm install --silent --no-audit --no-fund --prefix "$axe_dir" "axe-core@$axe_version" >/dev/null
fi
