package web

import (
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
)

// Public hearing pages (Decree 713 Art. 16–17): the notice with the
// application form, the draw check that recomputes the draw in the browser,
// and the participant's signing page.

func init() {
	maps.Copy(flashText, map[string]string{
		"hearing_applied":       "报名成功。报名截止后将按公布的遴选办法公开抽签，请留意本页公布的听证参加人名单。",
		"hearing_code_sent":     "验证码已发送到您的手机，10分钟内有效。",
		"hearing_signed":        "您已确认并签署听证笔录。",
		"hearing_step_done":     "已保存并记入决策档案。",
		"activity_created":      "公众参与活动已登记。",
		"offline_opinions_done": "线下意见已登记，请逐条答复。",
		"hearing_created":       "听证会已创建。下一步：公布听证公告。",
		"hearing_refused":       "您已拒绝签字，理由已记入听证笔录。",
		"hearing_withdrawn":     "您已撤回报名。",
	})
	pageNames = append(pageNames, "hearing", "hearing_draw", "hearing_sign", "staff_participation", "staff_hearing", "offline_opinions")
}

func (s *site) mountHearings(r chi.Router) {
	r.Get("/hearings/{id}", s.hearingNotice)
	r.Post("/hearings/{id}/apply", s.applyToHearing)
	r.Get("/hearings/{id}/draw", s.hearingDraw)
	r.Get("/hearings/{id}/sign", s.hearingSignPage)
	r.Post("/hearings/{id}/sign/code", s.hearingSendCode)
	r.Post("/hearings/{id}/sign", s.hearingSign)
	r.Post("/hearings/{id}/sign/refuse", s.hearingRefuse)
	r.Post("/hearings/{id}/withdraw", s.hearingWithdraw)
	r.Get("/decisions/{id}/offline-opinions", s.offlineOpinionsPage)
}

// publicOfflineOpinions lists the answered opinions of a decision received
// by letter, the 12345 hotline, forums and the other channels, as anyone
// may see them; a failure only leaves them out.
func (s *site) publicOfflineOpinions(r *http.Request, decisionID int64) []hearing.OfflineOpinion {
	list, err := s.svc.Hearing.ListOfflineOpinions(r.Context(), nil, decisionID, "")
	if err != nil {
		s.svc.Logger.WarnContext(r.Context(), "listing offline opinions for the decision page", "error", err)
		return nil
	}
	return list
}

// channelCount is one channel's line in the table of the public page of
// offline opinions: how many were answered, and how.
type channelCount struct {
	Name    string
	Total   int
	Replies []string // 采纳1条 …, the dispositions given
}

// offlineOpinionsPage is the public list of the opinions received by
// letter, the 12345 hotline, forums, site visits, written requests and
// hearings, each with its answer, counted by channel and disposition as
// the online comments are (Decree 713 Art. 14, 18): the platform served
// them only through the API, and no page showed them.
func (s *site) offlineOpinionsPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return
	}
	list, err := s.svc.Hearing.ListOfflineOpinions(r.Context(), nil, d.ID, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var counts []channelCount
	for _, ch := range hearing.Channels {
		c := channelCount{Name: hearing.ChannelNames[ch]}
		by := map[string]int{}
		for _, o := range list {
			if o.Channel == ch && o.Disposition != nil {
				c.Total++
				by[*o.Disposition]++
			}
		}
		for _, k := range consultation.Dispositions {
			if n := by[string(k)]; n > 0 {
				c.Replies = append(c.Replies, fmt.Sprintf("%s%d条", consultation.DispositionNames[k], n))
			}
		}
		if c.Total > 0 {
			counts = append(counts, c)
		}
	}
	s.show(w, r, "offline_opinions", "其他渠道收到的意见 · "+d.Title, struct {
		Decision consultation.Decision
		Opinions []hearing.OfflineOpinion
		Counts   []channelCount
	}{d, list, counts})
}

// publicHearings lists the hearings of a decision whose notice is
// published, for the decision page; a failure only leaves the list out.
func (s *site) publicHearings(r *http.Request, decisionID int64) []hearing.Hearing {
	list, err := s.svc.Hearing.ListHearings(r.Context(), nil, decisionID)
	if err != nil {
		s.svc.Logger.WarnContext(r.Context(), "listing hearings for the decision page", "error", err)
		return nil
	}
	return list
}

// hearingData backs the public hearing pages.
type hearingData struct {
	Hearing        hearing.Hearing
	DecisionTitle  string
	DecisionPublic bool
	Participants   []hearing.Participant
	Statements     []hearing.Statement
	Mine           *hearing.Application
	CanApply       bool
	Resident       bool
	Draw           hearing.DrawCheck
	MySignedAt     *time.Time
	// Me is the signed-in participant as the list shows them (their
	// signature or refusal), nil for anyone else.
	Me  *hearing.Participant
	Now time.Time
	// CanWithdraw: the signed-in applicant may still withdraw.
	CanWithdraw bool
}

func (s *site) loadHearing(w http.ResponseWriter, r *http.Request) (hearingData, bool) {
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "您访问的听证会不存在或尚未公告。")
		return hearingData{}, false
	}
	ctx, actor, hs := r.Context(), currentAccount(r), s.svc.Hearing
	h, err := hs.GetHearing(ctx, actor, id)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "您访问的听证会不存在或尚未公告。")
		return hearingData{}, false
	}
	d := hearingData{Hearing: h, Now: hs.Now(), Resident: actor != nil && actor.Role == "resident"}
	if dec, err := s.svc.Consultation.GetDecision(ctx, actor, h.DecisionID); err == nil {
		d.DecisionTitle, d.DecisionPublic = dec.Title, true
	}
	if h.ParticipantsPublishedAt != nil {
		if d.Participants, err = hs.Participants(ctx, actor, id); err != nil {
			s.pageError(w, r, err)
			return d, false
		}
	}
	if h.MinutesRecordedAt != nil {
		if d.Statements, err = hs.Statements(ctx, actor, id); err != nil {
			s.pageError(w, r, err)
			return d, false
		}
	}
	if d.Mine, err = hs.MyApplication(ctx, actor, id); err != nil {
		s.pageError(w, r, err)
		return d, false
	}
	d.CanApply = h.AcceptsApplications(d.Now) && d.Mine == nil
	if d.Mine != nil {
		d.CanWithdraw = d.Mine.WithdrawnAt == nil && h.CancelledAt == nil && h.MinutesRecordedAt == nil && d.Now.Before(h.StartsAt)
		for i, p := range d.Participants {
			if p.ApplicationID == d.Mine.ID {
				d.MySignedAt, d.Me = p.SignedAt, &d.Participants[i]
			}
		}
	}
	return d, true
}

// hearingNotice is the public notice of a hearing: the draft and its
// explanation, time and place, the sides, the selection method and the
// seed commitment, the application form, then the list, the record and
// the report as they are published.
func (s *site) hearingNotice(w http.ResponseWriter, r *http.Request) {
	s.renderHearing(w, r, http.StatusOK, "hearing", "听证公告", s.newPage(r, ""))
}

// renderHearing shows the hearing's page tmpl titled what and the
// hearing's title, with p's refusal when a form on it was refused.
func (s *site) renderHearing(w http.ResponseWriter, r *http.Request, status int, tmpl, what string, p page) {
	d, ok := s.loadHearing(w, r)
	if !ok {
		return
	}
	p.Title = what + " · " + d.Hearing.Title
	p.Data = d
	s.render(w, r, status, tmpl, p)
}

func (s *site) applyToHearing(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, _ := pathID(r)
	back := "/hearings/" + strconv.FormatInt(id, 10)
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(back), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "报名参加听证会")
	p.keep(r, "side", "public_name", "statement")
	_, err := s.svc.Hearing.ApplyToHearing(r.Context(), currentAccount(r), id, hearing.ApplicationInput{Side: p.Form["side"],
		PublicName: p.Form["public_name"], Statement: p.Form["statement"]})
	if err == nil {
		http.Redirect(w, r, back+"?flash=hearing_applied#my-application", http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	s.renderHearing(w, r, status, "hearing", "听证公告", p)
}

// hearingDraw is the public draw check: the commitment, the applications,
// the revealed seed, each score and rank; a script recomputes all of it
// in the browser (Web Crypto SHA-256) and says whether it agrees.
func (s *site) hearingDraw(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadHearing(w, r)
	if !ok {
		return
	}
	draw, err := s.svc.Hearing.GetHearingDraw(r.Context(), currentAccount(r), d.Hearing.ID)
	if err != nil {
		p := s.newPage(r, "抽签核验")
		s.formError(r, &p, err)
		s.renderError(w, r, http.StatusNotFound, "尚未公布遴选办法", p.Message)
		return
	}
	d.Draw = draw
	s.show(w, r, "hearing_draw", "抽签核验 · "+d.Hearing.Title, d)
}

// hearingSignPage is the participant's page to confirm and sign the
// hearing record with an SMS code, made for a phone.
func (s *site) hearingSignPage(w http.ResponseWriter, r *http.Request) {
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(r.URL.Path), http.StatusSeeOther)
		return
	}
	s.renderHearing(w, r, http.StatusOK, "hearing_sign", "确认听证笔录", s.newPage(r, ""))
}

func (s *site) hearingSendCode(w http.ResponseWriter, r *http.Request) {
	s.hearingSignAction(w, r, "hearing_code_sent", func(id int64) error {
		return s.svc.Hearing.SendSigningCode(r.Context(), currentAccount(r), id)
	})
}

func (s *site) hearingSign(w http.ResponseWriter, r *http.Request) {
	s.hearingSignAction(w, r, "hearing_signed", func(id int64) error {
		return errOf(s.svc.Hearing.SignHearingMinutes(r.Context(), currentAccount(r), id, r.PostFormValue("code"), r.PostFormValue("note")))
	})
}

// hearingRefuse records the participant's refusal to sign, with the
// reason, from the signing page.
func (s *site) hearingRefuse(w http.ResponseWriter, r *http.Request) {
	s.hearingSignAction(w, r, "hearing_refused", func(id int64) error {
		_, err := s.svc.Hearing.RefuseToSignMinutes(r.Context(), currentAccount(r), id, r.PostFormValue("refuse_note"))
		return onFormFields(err, map[string]string{"note": "refuse_note"})
	})
}

// hearingWithdraw withdraws the resident's own application from the
// notice page.
func (s *site) hearingWithdraw(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	id, _ := pathID(r)
	back := "/hearings/" + strconv.FormatInt(id, 10)
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(back), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "撤回报名")
	p.keep(r, "withdraw_reason")
	_, err := s.svc.Hearing.WithdrawHearingApplication(r.Context(), currentAccount(r), id, hearing.WithdrawInput{Reason: p.Form["withdraw_reason"]})
	err = onFormFields(err, map[string]string{"reason": "withdraw_reason"})
	if err == nil {
		http.Redirect(w, r, back+"?flash=hearing_withdrawn#my-application", http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	s.renderHearing(w, r, status, "hearing", "听证公告", p)
}

func (s *site) hearingSignAction(w http.ResponseWriter, r *http.Request, flash string, fn func(int64) error) {
	if !s.parseForm(w, r) {
		return
	}
	id, _ := pathID(r)
	back := "/hearings/" + strconv.FormatInt(id, 10) + "/sign"
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(back), http.StatusSeeOther)
		return
	}
	err := fn(id)
	if err == nil {
		http.Redirect(w, r, back+"?flash="+flash, http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "")
	p.keep(r, "note", "refuse_note")
	status := s.formError(r, &p, err)
	s.renderHearing(w, r, status, "hearing_sign", "确认听证笔录", p)
}

// Template helpers of the hearing pages.
func init() {
	funcs["activityKindName"] = func(k hearing.ActivityKind) string { return hearing.ActivityKindNames[k] }
	funcs["channelName"] = func(c hearing.Channel) string { return hearing.ChannelNames[c] }
	funcs["groundsName"] = func(g hearing.Grounds) string { return hearing.GroundsNames[g] }
	funcs["channels"] = func() []hearing.Channel { return hearing.Channels }
	funcs["activityKinds"] = func() []hearing.ActivityKind { return hearing.ActivityKinds }
	funcs["signatureKindName"] = func(k *string) string {
		switch {
		case k == nil:
			return "尚未签字"
		case *k == "sms":
			return "本人在平台以短信验证码签字"
		case *k == "refused":
			return "拒绝签字"
		case *k == "absent":
			return "缺席听证会，未签字"
		}
		return "纸质签字（扫描件已上传）"
	}
	// signatureStatus says, for the public record, how a participant
	// confirmed it and who noted it when they did not sign.
	funcs["signatureStatus"] = func(p hearing.Participant) string {
		if p.SignatureKind == nil {
			return "尚未签字"
		}
		switch *p.SignatureKind {
		case "sms":
			return "本人在平台以短信验证码签字"
		case "scan":
			return "本人纸质签字"
		case "refused":
			if p.SignatureOwn {
				return "本人在平台拒绝签字"
			}
			return "拒绝签字（承办单位注明）"
		}
		return "缺席听证会，未签字（承办单位注明）"
	}
	// signatureNote labels a participant's objection (with a signature)
	// or reason (with a refusal or an absence).
	funcs["signatureNote"] = func(p hearing.Participant) string {
		if p.SignatureNote == nil || p.SignatureKind == nil {
			return ""
		}
		switch *p.SignatureKind {
		case "refused":
			return "不签字的理由：" + *p.SignatureNote
		case "absent":
			return "情况：" + *p.SignatureNote
		}
		return "对笔录的异议：" + *p.SignatureNote
	}
	funcs["sidesChoices"] = func(sides []string) []choice {
		out := make([]choice, len(sides))
		for i, sd := range sides {
			out[i] = choice{Value: sd, Label: sd}
		}
		return out
	}
	funcs["isoDate"] = func(t time.Time) string { return t.Format(time.DateOnly) }
	// cnDate shows a date-only value (stored without a time zone).
	funcs["cnDate"] = func(t time.Time) string { return t.Format("2006年1月2日") }
}
