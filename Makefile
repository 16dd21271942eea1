# canyu: `make run` serves on http://localhost:8080, `make test` runs every
# check. Both set up what they need on a fresh Debian machine.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

DEV_DATABASE_URL := postgres://postgres@127.0.0.1:5432/canyu?sslmode=disable
export CANYU_DATABASE_URL ?= $(DEV_DATABASE_URL)

.PHONY: run test build openapi fmt fuzz

build:
	$(GO) build -o bin/canyu ./cmd/canyu

run: build
	@if [[ "$$CANYU_DATABASE_URL" == "$(DEV_DATABASE_URL)" ]]; then \
	  scripts/ensure-postgres.sh && \
	  { psql -h 127.0.0.1 -U postgres -Atqc "select 1 from pg_database where datname='canyu'" | grep -q 1 || \
	    psql -h 127.0.0.1 -U postgres -qc 'create database canyu'; }; \
	fi
	bin/canyu migrate
	bin/canyu seed --demo --if-empty
	@# Without CANYU_SMTP_URL, a local mailpit (a Go tool of this module)
	@# receives the e-mail notifications: read them at http://127.0.0.1:8025.
	@if [[ -z "$$CANYU_SMTP_URL" ]]; then \
	  $(GO) build -o bin/mailpit github.com/axllent/mailpit && \
	  { bin/mailpit --smtp 127.0.0.1:1025 --listen 127.0.0.1:8025 --quiet --disable-version-check & mp=$$!; \
	    trap "kill $$mp" EXIT; echo "mailpit: notification e-mail at http://127.0.0.1:8025"; \
	    CANYU_SMTP_URL=smtp://127.0.0.1:1025 CANYU_BASE_URL=$${CANYU_BASE_URL:-http://localhost:8080} bin/canyu serve; }; \
	else bin/canyu serve; fi

test:
	@if [[ -z "$$CANYU_TEST_DATABASE_URL" ]]; then scripts/ensure-postgres.sh; fi
	scripts/ensure-test-tools.sh
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [[ -n "$$unformatted" ]]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	CANYU_REQUIRE_REDOCLY=$$(command -v npm >/dev/null && echo 1) CANYU_REQUIRE_AXE=$$(command -v npm >/dev/null && echo 1) $(GO) test -race -count=1 -timeout 45m ./...
	$(GO) test -run='^$$' -fuzz=FuzzSplitArticles -fuzztime=10s ./consultation/
	$(GO) test -run='^$$' -fuzz=FuzzCommentInput -fuzztime=5s ./consultation/ && $(GO) test -run='^$$' -fuzz=FuzzSurveyAnswers -fuzztime=5s ./survey/

openapi:
	$(GO) run ./cmd/canyu openapi > openapi.yaml

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzSplitArticles -fuzztime=5m ./consultation/
