// Package server assembles the HTTP handler: the JSON API under /api/v1, the
// pages at /, health, readiness and metrics, with the shared middleware
// (request id and logs, metrics, cross-origin protection). cmd/canyu and the
// tests build the same handler through New.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/canyu-gov/canyu/api"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/survey"
	"github.com/canyu-gov/canyu/web"
)

// Deps are what the handler needs.
type Deps struct {
	DB            *pgxpool.Pool
	Identity      *identity.Service
	Consultation  *consultation.Service
	Calendar      *workday.Store
	Survey        *survey.Service
	Logger        *slog.Logger
	Metrics       *obs.Metrics
	SecureCookies bool
}

// New returns the service's root handler.
func New(d Deps) http.Handler {
	if d.Metrics == nil {
		d.Metrics = obs.NewMetrics()
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	r := chi.NewRouter()
	r.Use(obs.Middleware(d.Logger, d.Metrics))
	// Cross-origin form posts (and cookie-authenticated API writes from
	// another site) are refused: DESIGN.md, "Authentication".
	cop := http.NewCrossOriginProtection()
	r.Use(cop.Handler)
	r.Use(securityHeaders)

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
		w.Write([]byte(`{"status":"ok","database":"ok"}`))
	})
	r.Handle("/metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{}))

	r.Route("/api/v1", func(r chi.Router) {
		api.New(r, api.Services{Identity: d.Identity, Consultation: d.Consultation, Calendar: d.Calendar, Survey: d.Survey, SecureCookies: d.SecureCookies})
	})
	web.Mount(r, web.Services{Identity: d.Identity, Consultation: d.Consultation, Survey: d.Survey, Calendar: d.Calendar, SecureCookies: d.SecureCookies, Logger: d.Logger})
	return r
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
