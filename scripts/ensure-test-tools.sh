#!/usr/bin/env bash
# Installs what the tests need beyond Go on a fresh Debian machine: a C
# compiler for `go test -race`, Debian's Chromium for page tests (driven by
# chromedp) and a Chinese font so pages and screenshots render 汉字.
set -euo pipefail
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then need+=(fonts-noto-cjk fontconfig); fi
if ((${#need[@]})); then
  echo "ensure-test-tools: installing ${need[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
