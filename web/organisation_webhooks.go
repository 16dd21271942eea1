package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/integrations"
)

// The webhooks part of an organisation's page: subscribe a URL to kinds of
// events (the secret shown once), see each delivery and its attempts, and
// resume a webhook the platform paused after a delivery kept failing.

func init() {
	flashText["webhook_deleted"] = "推送地址已删除。"
	flashText["webhook_resumed"] = "推送已恢复，未送达的事件正在重新推送。"
	funcs["eventKindName"] = func(k string) string { return events.KindNames[events.Kind(k)] }
	funcs["deliveryStatusName"] = func(s string) string {
		return map[string]string{"pending": "正在推送", "held": "已暂停，待恢复", "delivered": "已送达", "failed": "多次失败"}[s]
	}
	funcs["derefInt"] = func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
}

// webhookWithDeliveries is a webhook and its latest deliveries.
type webhookWithDeliveries struct {
	integrations.Webhook
	Deliveries []integrations.WebhookDelivery
}

// webhooksData is the webhooks part of organisationData.
type webhooksData struct {
	Hooks []webhookWithDeliveries
	// Kinds are the event kinds one may subscribe to.
	Kinds []string
	// New is the webhook just created, with its secret shown once.
	New *integrations.NewWebhook
	// Paused says a webhook is paused: the owner is told at the top.
	Paused bool
}

func (s *site) mountOrganisationWebhooks(r chi.Router) {
	r.Post("/organisations/{id}/webhooks", s.createWebhook)
	r.Post("/organisations/{id}/webhooks/{hook}/delete", s.deleteWebhook)
	r.Post("/organisations/{id}/webhooks/{hook}/redeliver", s.redeliverWebhook)
}

func (s *site) loadWebhooks(r *http.Request, orgID int64, created *integrations.NewWebhook) (webhooksData, error) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Integrations
	d := webhooksData{New: created}
	for _, k := range events.Kinds {
		d.Kinds = append(d.Kinds, string(k))
	}
	list, err := svc.ListWebhooks(ctx, actor, orgID)
	if err != nil {
		return d, err
	}
	for _, w := range list {
		dl, err := svc.ListDeliveries(ctx, actor, orgID, w.ID, 0, 10)
		if err != nil {
			return d, err
		}
		d.Hooks = append(d.Hooks, webhookWithDeliveries{Webhook: w, Deliveries: dl})
		d.Paused = d.Paused || w.Status == "paused"
	}
	return d, nil
}

func hookID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "hook"), 10, 64)
	return id, err == nil && id > 0
}

func (s *site) createWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "组织")
	in := integrations.WebhookInput{URL: r.PostForm.Get("hook_url")}
	for _, k := range events.Kinds {
		if r.PostForm.Get("kind_"+string(k)) == "on" {
			in.Kinds = append(in.Kinds, string(k))
		}
	}
	hook, err := s.svc.Integrations.CreateWebhook(r.Context(), currentAccount(r), id, in)
	if err != nil {
		p.Form["hook_url"] = in.URL
		for _, k := range in.Kinds {
			p.Form["kind_"+k] = "on"
		}
		status := s.formError(r, &p, err)
		for from, to := range map[string]string{"url": "hook_url"} {
			if m, ok := p.Errors[from]; ok {
				p.Errors[to] = m
				delete(p.Errors, from)
			}
		}
		s.renderOrganisationWith(w, r, status, p, nil, nil)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderOrganisationWith(w, r, http.StatusCreated, p, nil, &hook)
}

func (s *site) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	hid, ok2 := hookID(r)
	if !ok || !ok2 || !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		return
	}
	if err := s.svc.Integrations.DeleteWebhook(r.Context(), currentAccount(r), id, hid); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/organisations/"+strconv.FormatInt(id, 10)+"?flash=webhook_deleted#webhooks", http.StatusSeeOther)
}

func (s *site) redeliverWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	hid, ok2 := hookID(r)
	if !ok || !ok2 || !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		return
	}
	if _, err := s.svc.Integrations.Redeliver(r.Context(), currentAccount(r), id, hid, 0); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/organisations/"+strconv.FormatInt(id, 10)+"?flash=webhook_resumed#webhooks", http.StatusSeeOther)
}
