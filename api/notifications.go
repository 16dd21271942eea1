package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/notify"
)

// NotificationView is one message in the caller's inbox (issue 17).
type NotificationView struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind" enum:"consultation_opened,survey_opened,opinion_answered,adoption_report_published,decision_published,implementation_report_submitted,webhook_paused" doc:"The domain event it tells of (webhook_paused: the reader's organisation's webhook was paused)."`
	KindName   string     `json:"kind_name" doc:"The kind in Chinese."`
	DecisionID *int64     `json:"decision_id,omitempty"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	Link       string     `json:"link" doc:"The page it is about, a path on this site."`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

func notificationView(n notify.Notification) NotificationView {
	return NotificationView{ID: n.ID, Kind: string(n.Kind), KindName: n.KindName(), DecisionID: n.DecisionID, Title: n.Title,
		Body: n.Body, Link: n.Link, CreatedAt: n.CreatedAt.UTC(), ReadAt: utcPtr(n.ReadAt)}
}

// NotificationListView is the newest notifications and the unread count.
type NotificationListView struct {
	Notifications []NotificationView `json:"notifications"`
	Unread        int                `json:"unread"`
}

// SubscriptionView is one thing the caller follows.
type SubscriptionView struct {
	ID         int64     `json:"id"`
	Domain     string    `json:"domain,omitempty" doc:"A livelihood domain code, when a domain is followed."`
	AgencyID   int64     `json:"agency_id,omitempty"`
	DecisionID int64     `json:"decision_id,omitempty"`
	Label      string    `json:"label" doc:"What is followed, in Chinese."`
	CreatedAt  time.Time `json:"created_at"`
}

func subscriptionView(s notify.Subscription) SubscriptionView {
	return SubscriptionView{ID: s.ID, Domain: deref(s.Domain), AgencyID: deref(s.AgencyID), DecisionID: deref(s.DecisionID),
		Label: s.Label(), CreatedAt: s.CreatedAt.UTC()}
}

// NotificationSettingsView is how the caller wants to be told.
type NotificationSettingsView struct {
	Email          string `json:"email" doc:"Address for e-mail; empty: none."`
	EmailConfirmed bool   `json:"email_confirmed" doc:"Mail goes out only once the address is confirmed through the link sent to it."`
	EmailOn        bool   `json:"email_on"`
	SMSOn          bool   `json:"sms_on" doc:"SMS when one's own opinion is answered."`
	QuietStart     int    `json:"quiet_start" minimum:"0" maximum:"23" doc:"SMS quiet hours start (hour, Asia/Shanghai)."`
	QuietEnd       int    `json:"quiet_end" minimum:"0" maximum:"23" doc:"SMS quiet hours end (hour, Asia/Shanghai)."`
}

func settingsView(st notify.Settings) NotificationSettingsView {
	return NotificationSettingsView{Email: st.Email, EmailConfirmed: st.EmailConfirmed(), EmailOn: st.EmailOn, SMSOn: st.SMSOn,
		QuietStart: st.QuietStart, QuietEnd: st.QuietEnd}
}

type notificationListInput struct {
	Before int64 `query:"before" minimum:"0" doc:"Only notifications with a smaller id (the next page)."`
	Limit  int   `query:"limit" minimum:"1" maximum:"100" default:"50"`
}

type notificationIDInput struct {
	NotificationID int64 `path:"notification_id"`
}

type readAllOutputBody struct {
	Read int `json:"read" doc:"How many were unread."`
}

type subscriptionListOutputBody struct {
	Subscriptions []SubscriptionView `json:"subscriptions"`
}

type createSubscriptionInputBody struct {
	Domain     string `json:"domain,omitempty" doc:"A livelihood domain code."`
	AgencyID   int64  `json:"agency_id,omitempty"`
	DecisionID int64  `json:"decision_id,omitempty" doc:"A public decision."`
}

type subscriptionIDInput struct {
	SubscriptionID int64 `path:"subscription_id"`
}

type updateSettingsInputBody struct {
	Email      string `json:"email" maxLength:"254" doc:"Empty removes the address. A new address is sent a confirmation link."`
	EmailOn    bool   `json:"email_on"`
	SMSOn      bool   `json:"sms_on"`
	QuietStart int    `json:"quiet_start" minimum:"0" maximum:"23"`
	QuietEnd   int    `json:"quiet_end" minimum:"0" maximum:"23"`
}

func (s *server) registerNotifications() {
	tags := []string{"Notifications"}
	answer(s, huma.Operation{OperationID: "list-my-notifications", Method: http.MethodGet, Path: "/me/notifications",
		Summary: "My notifications", Tags: tags, Errors: []int{422},
		Description: "The caller's inbox, newest first, and how many are unread. Followers of a domain, an agency or a decision get one " +
			"notification per domain event; an author gets one when their opinion is answered."},
		roles(), func(ctx context.Context, in *notificationListInput) (NotificationListView, error) {
			ns, n, err := s.svc.Notify.Inbox(ctx, actor(ctx), in.Limit, in.Before)
			if err != nil {
				return NotificationListView{}, err
			}
			return NotificationListView{Notifications: views(ns, notificationView), Unread: n}, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "read-notification", Method: http.MethodPost, Path: "/me/notifications/{notification_id}/read",
		Summary: "Mark a notification read", Tags: tags, Errors: []int{404}},
		roles(), func(ctx context.Context, in *notificationIDInput) (notify.Notification, error) {
			return s.svc.Notify.ReadNotification(ctx, actor(ctx), in.NotificationID)
		}, notificationView)
	answer(s, huma.Operation{OperationID: "read-all-notifications", Method: http.MethodPost, Path: "/me/notifications/read-all",
		Summary: "Mark every notification read", Tags: tags},
		roles(), func(ctx context.Context, _ *struct{}) (int, error) {
			return s.svc.Notify.ReadAll(ctx, actor(ctx))
		}, func(n int) readAllOutputBody { return readAllOutputBody{Read: n} })
	answer(s, huma.Operation{OperationID: "list-my-subscriptions", Method: http.MethodGet, Path: "/me/subscriptions",
		Summary: "What I follow", Tags: tags},
		roles(), func(ctx context.Context, _ *struct{}) ([]notify.Subscription, error) {
			return s.svc.Notify.ListSubscriptions(ctx, actor(ctx))
		}, func(list []notify.Subscription) subscriptionListOutputBody {
			return subscriptionListOutputBody{Subscriptions: views(list, subscriptionView)}
		})
	answer(s, huma.Operation{OperationID: "create-subscription", Method: http.MethodPost, Path: "/me/subscriptions",
		Summary: "Follow a domain, an agency or a decision", Tags: tags, Errors: []int{404, 422}, DefaultStatus: http.StatusCreated,
		Description: "Exactly one of domain, agency_id and decision_id (422 invalid_subscription_target otherwise). Following again " +
			"returns the same subscription."},
		roles(), func(ctx context.Context, in *withBody[createSubscriptionInputBody]) (notify.Subscription, error) {
			return s.svc.Notify.Follow(ctx, actor(ctx), notify.Target{Domain: in.Body.Domain, AgencyID: in.Body.AgencyID,
				DecisionID: in.Body.DecisionID})
		}, subscriptionView)
	answerNothing(s, huma.Operation{OperationID: "delete-subscription", Method: http.MethodDelete, Path: "/me/subscriptions/{subscription_id}",
		Summary: "Stop following", Tags: tags, Errors: []int{404}, DefaultStatus: http.StatusNoContent},
		roles(), func(ctx context.Context, in *subscriptionIDInput) error {
			return s.svc.Notify.Unfollow(ctx, actor(ctx), in.SubscriptionID)
		})
	answer(s, huma.Operation{OperationID: "get-notification-settings", Method: http.MethodGet, Path: "/me/notification-settings",
		Summary: "My notification settings", Tags: tags},
		roles(), func(ctx context.Context, _ *struct{}) (notify.Settings, error) {
			return s.svc.Notify.GetSettings(ctx, actor(ctx))
		}, settingsView)
	answer(s, huma.Operation{OperationID: "update-notification-settings", Method: http.MethodPut, Path: "/me/notification-settings",
		Summary: "Change my notification settings", Tags: tags, Errors: []int{422, 429},
		Description: "Replies to one's own opinion go out at once (e-mail, and SMS outside the quiet hours when sms_on); everything " +
			"else in a daily e-mail digest. A new e-mail address gets a confirmation link and no mail until it is confirmed. " +
			"An account sends one confirmation a minute and five a day (429 `confirmation_too_soon`, `confirmation_limit_reached`; " +
			"nothing is saved)."},
		roles(), func(ctx context.Context, in *withBody[updateSettingsInputBody]) (notify.Settings, error) {
			return s.svc.Notify.UpdateSettings(ctx, actor(ctx), notify.SettingsInput{Email: in.Body.Email, EmailOn: in.Body.EmailOn,
				SMSOn: in.Body.SMSOn, QuietStart: in.Body.QuietStart, QuietEnd: in.Body.QuietEnd})
		}, settingsView)
}
