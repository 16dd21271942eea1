// Package services is the one list of the domain services the JSON API
// (api) and the pages (web) are built on: internal/server builds one Set
// and hands it to both, so a new service is declared here once.
package services

import (
	"log/slog"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/notify"
	"github.com/canyu-gov/canyu/opendata"
	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/supervision"
	"github.com/canyu-gov/canyu/survey"
)

// Set is the domain services. A zero Set is enough to generate the API's
// spec (`canyu openapi`).
type Set struct {
	Identity     *identity.Service
	Consultation *consultation.Service
	Calendar     *workday.Store
	Survey       *survey.Service
	Hearing      *hearing.Service
	// Themes is the theme analysis of comments (issue 19).
	Themes *themes.Service
	// Search is the search service (issue 7).
	Search *search.Service
	// OpenData is the change feed and the bulk exports (issue 20).
	OpenData *opendata.Service
	// Supervision is the rule-of-law office's desk.
	Supervision *supervision.Service
	// Catalogue and Implementation (issue 13).
	Catalogue      *catalogue.Service
	Implementation *implementation.Service
	// Integrations is organisations, API keys and webhooks (issue 20).
	Integrations *integrations.Service
	// Notify is subscriptions, the inbox and notification settings (issue 17).
	Notify *notify.Service
	// SecureCookies marks cookies Secure (when served over https).
	SecureCookies bool
	// Logger is where the pages log what they refuse or fail at.
	Logger *slog.Logger
}
