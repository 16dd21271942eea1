package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Staff pages of participation (Decree 713 Art. 14, 16–17): the
// decision's activities, offline opinions and their answers, the hearing
// requirement, and one page per hearing with a form for each step.

func (s *site) mountStaffParticipation(r chi.Router) {
	r.Get("/{id}/participation", s.staffParticipation)
	r.Post("/{id}/participation/activities", s.staffCreateActivity)
	r.Post("/{id}/participation/opinions", s.staffRecordOpinion)
	r.Post("/{id}/participation/opinions/{oid}/disposition", s.staffDisposeOpinion)
	r.Post("/{id}/participation/requirement", s.staffSetRequirement)
	r.Post("/{id}/participation/waiver", s.staffWaiveHearing)
	r.Post("/{id}/participation/hearings", s.staffCreateHearing)
	r.Get("/{id}/participation/scans/{fid}", s.staffScan)
	r.Get("/{id}/hearings/{hid}", s.staffHearing)
	r.Post("/{id}/hearings/{hid}/{step}", s.staffHearingStep)
}

// participationData backs the staff participation page.
type participationData struct {
	Decision    consultation.Decision
	Activities  []hearing.Activity
	Opinions    []hearing.OfflineOpinion
	Requirement *hearing.Requirement
	Hearings    []hearing.Hearing
}

func (s *site) staffParticipation(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	s.renderParticipation(w, r, http.StatusOK, d, s.newPage(r, "公众参与："+d.Title))
}

func (s *site) renderParticipation(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	ctx, actor, hs := r.Context(), currentAccount(r), s.svc.Hearing
	data := participationData{Decision: d}
	var err error
	if data.Activities, err = hs.ListParticipationActivities(ctx, actor, d.ID); err == nil {
		if data.Opinions, err = hs.ListOfflineOpinions(ctx, actor, d.ID, ""); err == nil {
			if data.Requirement, err = hs.GetRequirement(ctx, actor, d.ID); err == nil {
				data.Hearings, err = hs.ListHearings(ctx, actor, d.ID)
			}
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = data
	s.render(w, r, status, "staff_participation", p)
}

// participationAction runs one form of the participation page: on success
// it redirects with the flash, on a refusal it shows the page again with
// the message and the values entered.
func (s *site) participationAction(w http.ResponseWriter, r *http.Request, upload bool, flash string,
	fn func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error)) {
	if !s.parseFormOrUpload(w, r, upload) {
		return
	}
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "公众参与："+d.Title)
	p.keepAll(r)
	next, err := fn(r.Context(), currentAccount(r), d, &p)
	if next == "" {
		next = staffURL(d.ID, "/participation")
	}
	s.finishForm(w, r, &p, err, next+"?flash="+flash, func(status int) { s.renderParticipation(w, r, status, d, p) })
}

func (s *site) staffCreateActivity(w http.ResponseWriter, r *http.Request) {
	s.participationAction(w, r, false, "activity_created", func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error) {
		_, err := s.svc.Hearing.CreateParticipationActivity(ctx, actor, d.ID, hearing.ActivityInput{Kind: hearing.ActivityKind(p.Form["kind"]),
			Title: p.Form["title"], StartsOn: p.Form["starts_on"], EndsOn: p.Form["ends_on"], Place: p.Form["place"],
			Participants: splitLines(p.Form["participants"]), Materials: p.Form["materials"], Minutes: p.Form["minutes"]})
		return "", err
	})
}

func (s *site) staffRecordOpinion(w http.ResponseWriter, r *http.Request) {
	s.participationAction(w, r, true, "offline_opinions_done", func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error) {
		files, err := readFiles(r, "scan", hearing.MaxScanSize)
		if err != nil {
			return "", err
		}
		in := hearing.OfflineOpinionInput{Channel: hearing.Channel(p.Form["channel"]), ReceivedOn: p.Form["received_on"],
			Source: p.Form["source"], Body: p.Form["body"]}
		if len(files) > 0 {
			in.Scan = hearing.Scan{Filename: files[0].Filename, Data: files[0].Data}
		}
		if a, err := strconv.ParseInt(p.Form["activity_id"], 10, 64); err == nil && a > 0 {
			in.ActivityID = &a
		}
		_, err = s.svc.Hearing.RecordOfflineOpinions(ctx, actor, d.ID, []hearing.OfflineOpinionInput{in})
		renameFields(p, "opinions[0].")
		return "", err
	})
}

// renameFields moves field errors of a one-item batch onto the form's
// own field names (opinions[0].body → body).
func renameFields(p *page, prefix string) {
	for k, v := range p.Errors {
		if strings.HasPrefix(k, prefix) {
			p.Errors[strings.TrimPrefix(k, prefix)] = v
		}
	}
}

func (s *site) staffDisposeOpinion(w http.ResponseWriter, r *http.Request) {
	s.participationAction(w, r, false, "disposition_saved", func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error) {
		oid, _ := strconv.ParseInt(chi.URLParam(r, "oid"), 10, 64)
		_, err := s.svc.Hearing.DisposeOfflineOpinion(ctx, actor, oid, hearing.OpinionDispositionInput{
			Disposition: consultation.DispositionKind(p.Form["disposition"]), Reason: p.Form["reason"]})
		return staffURL(d.ID, "/participation#opinion-"+strconv.FormatInt(oid, 10)), err
	})
}

func (s *site) staffSetRequirement(w http.ResponseWriter, r *http.Request) {
	s.participationAction(w, r, false, "hearing_step_done", func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error) {
		_, err := s.svc.Hearing.SetHearingRequirement(ctx, actor, d.ID, hearing.Grounds(p.Form["grounds"]), p.Form["explanation"])
		return "", err
	})
}

func (s *site) staffWaiveHearing(w http.ResponseWriter, r *http.Request) {
	s.participationAction(w, r, false, "hearing_step_done", func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error) {
		_, err := s.svc.Hearing.WaiveHearing(ctx, actor, d.ID, p.Form["waiver_reason"])
		return "", err
	})
}

// localTime reads a datetime-local value as Asia/Shanghai time.
func localTime(v string) time.Time {
	t, err := time.ParseInLocation(datetimeLocalLayout, v, shanghai)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *site) staffCreateHearing(w http.ResponseWriter, r *http.Request) {
	s.participationAction(w, r, false, "hearing_created", func(ctx context.Context, actor *identity.Account, d consultation.Decision, p *page) (string, error) {
		seats, _ := strconv.Atoi(p.Form["seats_per_side"])
		h, err := s.svc.Hearing.CreateHearing(ctx, actor, d.ID, hearing.HearingInput{Title: p.Form["title"], Place: p.Form["place"],
			StartsAt: localTime(p.Form["starts_at"]), ApplicationsCloseAt: localTime(p.Form["applications_close_at"]),
			Sides: splitLines(p.Form["sides"]), SeatsPerSide: seats})
		return staffURL(d.ID, "/hearings/"+strconv.FormatInt(h.ID, 10)), err
	})
}

// staffScan serves a scan to staff of the lead unit.
func (s *site) staffScan(w http.ResponseWriter, r *http.Request) {
	fid, _ := strconv.ParseInt(chi.URLParam(r, "fid"), 10, 64)
	f, err := s.svc.Hearing.GetScan(r.Context(), currentAccount(r), fid)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename*=UTF-8''scan-%d", f.ID))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(f.Data)
}

// staffHearingData backs the staff page of one hearing.
type staffHearingData struct {
	Decision     consultation.Decision
	Hearing      hearing.Hearing
	Draw         *hearing.DrawCheck
	BySide       map[string]int
	Participants []hearing.Participant
	Statements   []hearing.Statement
	Now          time.Time
	MaterialsBy  time.Time
	// EmptySides are declared sides nobody applied for (the draw waits
	// for them); Undelivered are the participants whose materials have not
	// reached them, and MaterialsLate says the last day for it has passed
	// (the hearing has to be postponed).
	EmptySides    []string
	Undelivered   []string
	MaterialsLate bool
	// Unrepresented are declared sides without a participant after the
	// draw (a withdrawal with no alternate left): the hearing cannot go on.
	Unrepresented []string
	// Open: the hearing may still be rescheduled or cancelled.
	Open bool
}

func (s *site) staffHearing(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	s.renderStaffHearing(w, r, http.StatusOK, d, s.newPage(r, "听证会"))
}

func (s *site) renderStaffHearing(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	ctx, actor, hs := r.Context(), currentAccount(r), s.svc.Hearing
	hid, _ := strconv.ParseInt(chi.URLParam(r, "hid"), 10, 64)
	h, err := hs.GetHearing(ctx, actor, hid)
	if err != nil || h.DecisionID != d.ID {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "该决策事项没有这场听证会。")
		return
	}
	data := staffHearingData{Decision: d, Hearing: h, BySide: map[string]int{}, Now: hs.Now()}
	l := h.StartsAt.In(shanghai)
	data.MaterialsBy = time.Date(l.Year(), l.Month(), l.Day()-hearing.MaterialsLeadDays, 0, 0, 0, 0, shanghai)
	if h.SeedCommitment != nil {
		dc, err := hs.GetHearingDraw(ctx, actor, hid)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Draw = &dc
		for _, a := range dc.Applications {
			data.BySide[a.Side]++
		}
		if h.DrawnAt == nil {
			for _, side := range h.Sides {
				if data.BySide[side] == 0 {
					data.EmptySides = append(data.EmptySides, side)
				}
			}
		}
	}
	data.Open = h.CancelledAt == nil && h.MinutesRecordedAt == nil && data.Now.Before(h.StartsAt)
	if h.DrawnAt != nil {
		if data.Participants, err = hs.Participants(ctx, actor, hid); err != nil {
			s.pageError(w, r, err)
			return
		}
		seated := map[string]bool{}
		for _, p := range data.Participants {
			seated[p.Side] = true
			if p.DeliveredOn == nil {
				data.Undelivered = append(data.Undelivered, p.Code)
			}
		}
		for _, side := range h.Sides {
			if !seated[side] {
				data.Unrepresented = append(data.Unrepresented, side)
			}
		}
		// The last day is MaterialsBy itself: late once it is over.
		data.MaterialsLate = len(data.Undelivered) > 0 && h.MinutesRecordedAt == nil && !data.Now.Before(data.MaterialsBy.AddDate(0, 0, 1))
	}
	if data.Statements, err = hs.Statements(ctx, actor, hid); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = "听证会：" + h.Title
	p.Data = data
	s.render(w, r, status, "staff_hearing", p)
}

// staffHearingStep runs one step of a hearing from its staff page.
func (s *site) staffHearingStep(w http.ResponseWriter, r *http.Request) {
	step := chi.URLParam(r, "step")
	upload := step == "signature"
	if !s.parseFormOrUpload(w, r, upload) {
		return
	}
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	ctx, actor, hs := r.Context(), currentAccount(r), s.svc.Hearing
	hid, _ := strconv.ParseInt(chi.URLParam(r, "hid"), 10, 64)
	p := s.newPage(r, "听证会")
	p.keepAll(r)
	f := p.Form
	id := func(k string) int64 { n, _ := strconv.ParseInt(f[k], 10, 64); return n }
	var err error
	switch step {
	case "notice":
		_, err = hs.PublishHearingNotice(ctx, actor, hid)
	case "method":
		_, err = hs.PublishHearingSelectionMethod(ctx, actor, hid, f["selection_method"])
	case "draw":
		_, err = hs.DrawParticipants(ctx, actor, hid)
	case "participants":
		_, err = hs.PublishHearingParticipants(ctx, actor, hid)
	case "delivery":
		_, err = hs.RecordHearingMaterialsDelivery(ctx, actor, hid, hearing.DeliveryInput{ApplicationID: id("application_id"),
			DeliveredOn: f["delivered_on"], Method: f["method"]})
	case "minutes":
		in := hearing.MinutesInput{Summary: f["summary"]}
		for i := 0; i < 200; i++ {
			k := fmt.Sprintf("statements[%d].", i)
			if _, ok := r.PostForm[k+"points"]; !ok {
				break
			}
			if strings.TrimSpace(f[k+"points"]) == "" && strings.TrimSpace(f[k+"reasons"]) == "" {
				continue
			}
			st := hearing.StatementInput{Speaker: f[k+"speaker"], Points: f[k+"points"], Reasons: f[k+"reasons"]}
			if a := id(k + "application_id"); a > 0 {
				st.ApplicationID = &a
			}
			in.Statements = append(in.Statements, st)
		}
		_, err = hs.RecordHearingMinutes(ctx, actor, hid, in)
	case "signature":
		var files []uploadedFile
		if files, err = readFiles(r, "scan", hearing.MaxScanSize); err == nil {
			sc := hearing.Scan{}
			if len(files) > 0 {
				sc = hearing.Scan{Filename: files[0].Filename, Data: files[0].Data}
			}
			_, err = hs.RecordScannedSignature(ctx, actor, hid, id("application_id"), sc, f["note"])
		}
	case "not-signed":
		_, err = hs.NoteMinutesNotSigned(ctx, actor, hid, id("application_id"), hearing.NotSigned(f["kind"]), f["note"])
	case "withdrawal":
		_, err = hs.WithdrawHearingApplication(ctx, actor, hid, hearing.WithdrawInput{ApplicationID: id("application_id"),
			Reason: f["reason"]})
	case "cancel":
		_, err = hs.CancelHearing(ctx, actor, hid, f["cancel_reason"])
	case "schedule":
		in := hearing.RescheduleInput{StartsAt: localTime(f["new_starts_at"]), Place: f["new_place"], Reason: f["reschedule_reason"]}
		if v := f["new_applications_close_at"]; v != "" {
			in.ApplicationsCloseAt = localTime(v)
		}
		_, err = hs.RescheduleHearing(ctx, actor, hid, in)
	case "report":
		in := hearing.ReportInput{Body: f["body"]}
		for k := range r.PostForm {
			if sid, ok := strings.CutPrefix(k, "disposition-"); ok {
				n, _ := strconv.ParseInt(sid, 10, 64)
				in.Answers = append(in.Answers, hearing.ViewAnswer{StatementID: n, Disposition: consultation.DispositionKind(f[k]),
					Answer: f["answer-"+sid]})
			}
		}
		_, err = hs.PublishHearingReport(ctx, actor, hid, in)
	default:
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "没有这个步骤。")
		return
	}
	switch step {
	case "schedule":
		err = onFormFields(err, map[string]string{"starts_at": "new_starts_at", "place": "new_place",
			"applications_close_at": "new_applications_close_at", "reason": "reschedule_reason"})
	case "cancel":
		err = onFormFields(err, map[string]string{"reason": "cancel_reason"})
	case "not-signed", "withdrawal", "signature", "delivery":
		// One of the forms repeated per participant: its problem is
		// shown at the top of the page, naming the participant's form.
		err = asPageMessage(err)
	}
	s.finishForm(w, r, &p, err, staffURL(d.ID, "/hearings/"+strconv.FormatInt(hid, 10)+"?flash=hearing_step_done#step-"+step),
		func(status int) { s.renderStaffHearing(w, r, status, d, p) })
}

// onFormFields moves the field errors of err onto the form's own field
// names (the service's reason is the cancel form's cancel_reason).
func onFormFields(err error, names map[string]string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		c.Fields[i] = f
	}
	return &c
}

// asPageMessage turns the field errors of err into the page's message,
// for the forms a page repeats (one per participant) whose fields the
// error summary could not point to.
func asPageMessage(err error) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Message
	}
	c.Fields, c.Message = nil, strings.Join(msgs, "；")
	return &c
}
