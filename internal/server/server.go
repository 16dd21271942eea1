// Package server assembles the HTTP handler: the JSON API under /api/v1, the
// pages at /, health, readiness and metrics, with the shared middleware
// (request id and logs, metrics, cross-origin protection). cmd/canyu and the
// tests build the same handler through New.
package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/canyu-gov/canyu/api"
	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/services"
	"github.com/canyu-gov/canyu/notify"
	"github.com/canyu-gov/canyu/opendata"
	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/supervision"
	"github.com/canyu-gov/canyu/web"
)

// Deps are what the handler needs: the domain services and what only the
// server uses. New fills what is nil from DB and Consultation: Calendar
// (the consultation service's), Supervision (NewSupervision), Catalogue and
// Implementation (issue 13), Integrations (issue 20), OpenData (the change
// feed and exports) and Notify (issue 17: the inbox only); Logger defaults
// to slog.Default().
type Deps struct {
	services.Set
	DB      *pgxpool.Pool
	Metrics *obs.Metrics
	// Indexer, when set, exports the search outbox backlog and lag on
	// /metrics.
	Indexer *search.Indexer
	// MetricsToken, when set (CANYU_METRICS_TOKEN), is the bearer token
	// /metrics requires; unset, /metrics answers loopback peers only.
	MetricsToken string
}

// New returns the service's root handler.
func New(d Deps) http.Handler {
	if d.Metrics == nil {
		d.Metrics = obs.NewMetrics()
	}
	if d.Calendar == nil && d.Consultation != nil {
		d.Calendar = d.Consultation.Calendar
	}
	if d.Catalogue == nil && d.Consultation != nil {
		d.Catalogue = catalogue.NewService(d.DB, d.Consultation)
	}
	if d.Implementation == nil && d.Consultation != nil {
		d.Implementation = implementation.NewService(d.DB, d.Consultation)
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Notify == nil && d.DB != nil {
		d.Notify = notify.NewService(d.DB)
	}
	if d.OpenData == nil && d.DB != nil {
		d.OpenData = opendata.New(d.DB)
	}
	if d.Integrations == nil && d.DB != nil {
		d.Integrations = integrations.New(d.DB, d.Consultation, d.Identity)
	}
	if d.Catalogue != nil && d.Catalogue.OrganisationNamed == nil && d.Integrations != nil {
		// A proposal in a verified organisation's name only by its account.
		d.Catalogue.OrganisationNamed = d.Integrations.VerifiedOrganisationNamed
	}
	r := chi.NewRouter()
	r.Use(obs.Middleware(d.Logger, d.Metrics))
	// Cross-origin form posts (and cookie-authenticated API writes from
	// another site) are refused: DESIGN.md, "Authentication".
	cop := http.NewCrossOriginProtection()
	r.Use(cop.Handler)
	r.Use(securityHeaders(d.SecureCookies))

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := d.DB.Ping(ctx); err != nil {
			d.Logger.WarnContext(r.Context(), "readiness: database unreachable", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unavailable","database":"unreachable"}`))
			return
		}
		// Search down is not ready either (DESIGN.md: /readyz means database
		// and search reachable): the body names the backend and why, and
		// writes keep working meanwhile (they only fill the outbox).
		if d.Search != nil {
			if h := d.Search.Health(ctx); !h.OK {
				d.Logger.WarnContext(r.Context(), "readiness: search unavailable", "backend", h.Backend, "detail", h.Detail)
				w.WriteHeader(http.StatusServiceUnavailable)
				json.NewEncoder(w).Encode(map[string]any{"status": "unavailable", "database": "ok", "search": "unavailable", "search_backend": h.Backend})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"status": "ok", "database": "ok", "search": "ok"})
			return
		}
		w.Write([]byte(`{"status":"ok","database":"ok"}`))
	})
	if d.Indexer != nil {
		for _, c := range d.Indexer.Collectors() {
			// A second New on the same Metrics (tests) must not panic.
			if err := d.Metrics.Registry.Register(c); err != nil {
				d.Logger.Warn("metrics: search collector not registered", "error", err)
			}
		}
	}
	r.Handle("/metrics", metricsGuard(d.MetricsToken, promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{})))

	if d.Supervision == nil {
		d.Supervision = NewSupervision(d.DB, d.Consultation)
	}
	r.Route("/api/v1", func(r chi.Router) {
		api.New(r, d.Set)
	})
	web.Mount(r, d.Set)
	return r
}

// pageCSP allows only the service's own scripts, styles and images (the
// pages have no inline script or style); the API docs page, whose viewer
// is embedded, has its own (api.DocsCSP).
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries; with https (the
// public URL is https) also HSTS for a year.
func securityHeaders(https bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			if strings.HasPrefix(r.URL.Path, "/api/v1/docs") {
				h.Set("Content-Security-Policy", api.DocsCSP)
			} else {
				h.Set("Content-Security-Policy", pageCSP)
			}
			if https {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// metricsGuard keeps /metrics from the public (issue 15, finding 7): with
// a token, only requests bearing it; without, only loopback peers (a
// Prometheus on the same host, or a sidecar).
func metricsGuard(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip, perr := netip.ParseAddr(host); err != nil || perr != nil || !ip.Unmap().IsLoopback() {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// NewSupervision builds the supervision service on the consultation
// service's clock and record-signing key.
func NewSupervision(db *pgxpool.Pool, cs *consultation.Service) *supervision.Service {
	sup := supervision.NewService(db, nil)
	if cs != nil {
		sup.Now = cs.Now
		sup.Signer = cs.Signer
		sup.Record = cs
	}
	return sup
}
