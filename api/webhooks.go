package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/integrations"
)

// webhookDoc is the delivery scheme, in every webhook operation.
const webhookDoc = "Deliveries are POSTed as JSON `{delivery_id, webhook_id, event: {id, kind, occurred_at, decision_id, agency_id, domain, " +
	"subject_type, subject_ids, payload}}` with the headers `Canyu-Webhook-Id` (the delivery id: the same on every retry, " +
	"use it to ignore a delivery you already handled), `Canyu-Webhook-Event` (the kind), `Canyu-Webhook-Timestamp` (Unix seconds of " +
	"this attempt) and `Canyu-Webhook-Signature: v1=<hex>`, where hex is HMAC-SHA256 keyed with the webhook's secret over " +
	"`<timestamp>.<body>` (the timestamp, a full stop, the raw body). Verify it in constant time and refuse a timestamp more than " +
	"5 minutes away. A 2xx answer within 10 s delivers; anything else is retried after 10 s, 30 s, 1 min, 5 min, 15 min, 30 min, " +
	"1 h, 2 h, 4 h and 8 h; when the last attempt fails the webhook is paused (its organisation's page says so) and later events " +
	"are held until redeliver-webhook. Only public events are sent (the same kinds as notifications)."

// WebhookView is a webhook as listed: never its secret.
type WebhookView struct {
	ID           int64      `json:"id"`
	URL          string     `json:"url"`
	Kinds        []string   `json:"kinds" enum:"consultation_opened,survey_opened,opinion_answered,adoption_report_published,decision_published,implementation_report_submitted"`
	Status       string     `json:"status" enum:"active,paused"`
	PausedAt     *time.Time `json:"paused_at,omitempty"`
	PausedReason string     `json:"paused_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

func webhookView(w integrations.Webhook) WebhookView {
	return WebhookView{ID: w.ID, URL: w.URL, Kinds: w.Kinds, Status: w.Status, PausedAt: w.PausedAt, PausedReason: w.PausedReason, CreatedAt: w.CreatedAt}
}

// NewWebhookView is a webhook just created, with its signing secret.
type NewWebhookView struct {
	WebhookView
	Secret string `json:"secret" doc:"The HMAC-SHA256 key of the signatures. Shown only in this answer."`
}

// WebhookAttemptView is one attempt of a delivery.
type WebhookAttemptView struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode *int      `json:"status_code,omitempty" doc:"The receiver's HTTP status; absent when it did not answer."`
	Error      string    `json:"error,omitempty"`
	DurationMS int       `json:"duration_ms"`
}

// WebhookDeliveryView is one event sent to a webhook, with its attempts.
type WebhookDeliveryView struct {
	ID            int64                `json:"id"`
	EventID       int64                `json:"event_id"`
	Kind          string               `json:"kind"`
	Status        string               `json:"status" enum:"pending,held,delivered,failed"`
	NextAttemptAt *time.Time           `json:"next_attempt_at,omitempty"`
	DeliveredAt   *time.Time           `json:"delivered_at,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
	Attempts      []WebhookAttemptView `json:"attempts"`
}

func webhookDeliveryView(d integrations.WebhookDelivery) WebhookDeliveryView {
	return WebhookDeliveryView{ID: d.ID, EventID: d.EventID, Kind: d.Kind, Status: d.Status, NextAttemptAt: d.NextAttemptAt,
		DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt,
		Attempts: views(d.Attempts, func(a integrations.WebhookAttempt) WebhookAttemptView { return WebhookAttemptView(a) })}
}

// WebhookPath names one webhook of an organisation in the path.
type WebhookPath struct {
	OrganisationPath
	WebhookID int64 `path:"webhook_id" minimum:"1"`
}

type createWebhookInputBody struct {
	URL   string   `json:"url" maxLength:"2000" example:"https://example.org/canyu-hook"`
	Kinds []string `json:"kinds" minItems:"1" maxItems:"6" enum:"consultation_opened,survey_opened,opinion_answered,adoption_report_published,decision_published,implementation_report_submitted"`
}

type webhooksOutputBody struct {
	Webhooks []WebhookView `json:"webhooks"`
}

type listDeliveriesInput struct {
	WebhookPath
	Before int64 `query:"before" minimum:"0" doc:"A delivery id: the page before it (0: the newest)."`
	Limit  int   `query:"limit" minimum:"0" maximum:"100"`
}

type deliveriesOutputBody struct {
	Deliveries []WebhookDeliveryView `json:"deliveries"`
}

type redeliverInput struct {
	WebhookPath
	Body struct {
		DeliveryID int64 `json:"delivery_id,omitempty" minimum:"0" doc:"One delivery to send again; absent: every failed and held delivery."`
	}
}

type redeliverOutputBody struct {
	Queued int `json:"queued" doc:"Deliveries queued again."`
}

func (s *server) registerWebhooks() {
	tags := []string{"Webhooks"}
	answer(s, huma.Operation{OperationID: "create-webhook", Method: http.MethodPost, Path: "/organisations/{organisation_id}/webhooks",
		Summary: "Subscribe a URL to kinds of public events", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "The manager of a verified organisation subscribes an http(s) URL (not a private or loopback address: 422 " +
			"webhook_target_private) to event kinds. The signing secret is in this answer only.\n\n" + webhookDoc},
		signedIn(), func(ctx context.Context, in *onOrganisation[createWebhookInputBody]) (integrations.NewWebhook, error) {
			return s.svc.Integrations.CreateWebhook(ctx, actor(ctx), in.OrganisationID, integrations.WebhookInput{URL: in.Body.URL, Kinds: in.Body.Kinds})
		}, func(w integrations.NewWebhook) NewWebhookView {
			return NewWebhookView{WebhookView: webhookView(w.Webhook), Secret: w.Secret}
		})
	answer(s, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: "/organisations/{organisation_id}/webhooks",
		Summary: "List an organisation's webhooks", Tags: tags, Errors: []int{404},
		Description: "With their state: a paused webhook says why.\n\n" + webhookDoc},
		signedIn(), func(ctx context.Context, in *OrganisationPath) ([]integrations.Webhook, error) {
			return s.svc.Integrations.ListWebhooks(ctx, actor(ctx), in.OrganisationID)
		}, func(list []integrations.Webhook) webhooksOutputBody {
			return webhooksOutputBody{Webhooks: views(list, webhookView)}
		})
	answerNothing(s, huma.Operation{OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/organisations/{organisation_id}/webhooks/{webhook_id}",
		Summary: "Delete a webhook", Tags: tags, Errors: []int{404}, DefaultStatus: http.StatusNoContent,
		Description: "Nothing more is sent to it; its deliveries stay listed."},
		signedIn(), func(ctx context.Context, in *WebhookPath) error {
			return s.svc.Integrations.DeleteWebhook(ctx, actor(ctx), in.OrganisationID, in.WebhookID)
		})
	answer(s, huma.Operation{OperationID: "list-webhook-deliveries", Method: http.MethodGet,
		Path: "/organisations/{organisation_id}/webhooks/{webhook_id}/deliveries", Summary: "List a webhook's deliveries and their attempts",
		Tags: tags, Errors: []int{404, 422}, Description: "Newest first, each with every attempt (time, HTTP status or error, duration).\n\n" + webhookDoc},
		signedIn(), func(ctx context.Context, in *listDeliveriesInput) ([]integrations.WebhookDelivery, error) {
			return s.svc.Integrations.ListDeliveries(ctx, actor(ctx), in.OrganisationID, in.WebhookID, in.Before, in.Limit)
		}, func(list []integrations.WebhookDelivery) deliveriesOutputBody {
			return deliveriesOutputBody{Deliveries: views(list, webhookDeliveryView)}
		})
	answer(s, huma.Operation{OperationID: "redeliver-webhook", Method: http.MethodPost,
		Path: "/organisations/{organisation_id}/webhooks/{webhook_id}/redeliveries", Summary: "Resume a webhook and send deliveries again",
		Tags: tags, Errors: []int{404, 422}, Description: "Resumes a paused webhook and queues again every failed and held delivery, or the one " +
			"named (with a new series of attempts). The receiver may get a delivery it already handled: the Canyu-Webhook-Id is the same.\n\n" + webhookDoc},
		signedIn(), func(ctx context.Context, in *redeliverInput) (int, error) {
			return s.svc.Integrations.Redeliver(ctx, actor(ctx), in.OrganisationID, in.WebhookID, in.Body.DeliveryID)
		}, func(n int) redeliverOutputBody { return redeliverOutputBody{Queued: n} })
}
