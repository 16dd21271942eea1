package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// Collective deliberation (Decree 713 Art. 30), the Party committee report
// (Art. 31), publication (Art. 32), implementation feedback (Art. 35) and
// suspension (Art. 37).

// MeetingMemberView is a member present at a meeting and their view.
type MeetingMemberView struct {
	Name     string `json:"name" maxLength:"50"`
	Position string `json:"position,omitempty" maxLength:"100" doc:"职务, e.g. 副市长."`
	Vote     string `json:"vote,omitempty" enum:"for,against,abstain," doc:"for (同意), against (不同意) or abstain (弃权); required for every member but the head, whose view is the decision."`
}

// MeetingAttendeeView is a person present without a vote (列席).
type MeetingAttendeeView struct {
	Name     string `json:"name" maxLength:"50"`
	Capacity string `json:"capacity,omitempty" maxLength:"100" doc:"In what capacity, e.g. 市教育局局长（汇报）."`
}

// MeetingAbsenceView is a member of the composition who was not present.
type MeetingAbsenceView struct {
	Name     string `json:"name" maxLength:"50" doc:"A member of the decision body's composition not present."`
	Position string `json:"position,omitempty" maxLength:"100" readOnly:"true" doc:"As kept in the composition."`
	Reason   string `json:"reason,omitempty" maxLength:"200" doc:"The reason given, e.g. 出差."`
}

// MemberDissentView is a member's dissenting view as stated.
type MemberDissentView struct {
	Member string `json:"member" maxLength:"50" doc:"Name of a member present."`
	View   string `json:"view" doc:"The view as stated, at most 2,000 characters."`
}

// DeliberationView is a recorded meeting of the decision body.
type DeliberationView struct {
	ID                  int64                 `json:"id"`
	DecisionID          int64                 `json:"decision_id"`
	VersionNumber       int                   `json:"version_number"`
	VersionHash         string                `json:"version_hash" doc:"Content hash of the draft version deliberated."`
	ReviewID            int64                 `json:"review_id" doc:"The legality review whose sign-off covered the version."`
	MeetingKind         string                `json:"meeting_kind" enum:"executive,plenary"`
	MeetingKindName     string                `json:"meeting_kind_name" doc:"常务会议 or 全体会议."`
	MeetingDate         string                `json:"meeting_date" format:"date"`
	Session             string                `json:"session,omitempty"`
	Outcome             string                `json:"outcome" enum:"adopted,rejected,deferred"`
	OutcomeName         string                `json:"outcome_name"`
	Members             []MeetingMemberView   `json:"members,omitempty" doc:"Members present in the order they spoke, the head last; internal readers only."`
	Attendees           []MeetingAttendeeView `json:"attendees,omitempty" doc:"Non-voting attendees (列席); internal readers only."`
	Absences            []MeetingAbsenceView  `json:"absences,omitempty" doc:"Members of the composition not present, with the reason given; internal readers only."`
	AbsencesRecorded    bool                  `json:"absences_recorded" doc:"False for a meeting recorded before absences were kept: only the members present and the composition's size are known."`
	CompositionSize     int                   `json:"composition_size" doc:"Members of the decision body the quorum was counted against."`
	HeadName            string                `json:"head_name,omitempty"`
	Majority            string                `json:"majority" enum:"for,against,none" doc:"The majority view of the members other than the head."`
	DepartsFromMajority bool                  `json:"departs_from_majority"`
	HeadReason          string                `json:"head_reason,omitempty" doc:"Internal readers only."`
	Dissent             []MemberDissentView   `json:"dissent,omitempty" doc:"Internal readers only."`
	Minutes             string                `json:"minutes,omitempty" doc:"Internal readers only."`
	RecordSeq           int64                 `json:"record_seq" doc:"The signed process-record entry of the meeting."`
	CreatedAt           time.Time             `json:"created_at"`
}

func deliberationView(g consultation.Deliberation) DeliberationView {
	v := DeliberationView{ID: g.ID, DecisionID: g.DecisionID, VersionNumber: g.VersionNumber, VersionHash: g.VersionHash, ReviewID: g.ReviewID,
		MeetingKind: string(g.MeetingKind), MeetingKindName: consultation.MeetingKindNames[g.MeetingKind], MeetingDate: g.MeetingDate.Format(time.DateOnly),
		Session: g.Session, Outcome: string(g.Outcome), OutcomeName: consultation.DeliberationOutcomeNames[g.Outcome], HeadName: g.HeadName,
		Majority: string(g.Majority), DepartsFromMajority: g.DepartsFromMajority, HeadReason: g.HeadReason, Minutes: g.Minutes,
		RecordSeq: g.RecordSeq, CreatedAt: g.CreatedAt.UTC(), CompositionSize: g.CompositionSize, AbsencesRecorded: g.AbsencesRecorded}
	for _, a := range g.Absences {
		v.Absences = append(v.Absences, MeetingAbsenceView(a))
	}
	for _, a := range g.Attendees {
		v.Attendees = append(v.Attendees, MeetingAttendeeView(a))
	}
	for _, m := range g.Members {
		v.Members = append(v.Members, MeetingMemberView{Name: m.Name, Position: m.Position, Vote: string(m.Vote)})
	}
	for _, d := range g.Dissent {
		v.Dissent = append(v.Dissent, MemberDissentView(d))
	}
	return v
}

// PartyReportView is the recorded report to the Party committee.
type PartyReportView struct {
	ID              int64     `json:"id"`
	DecisionID      int64     `json:"decision_id"`
	DeliberationID  int64     `json:"deliberation_id"`
	Committee       string    `json:"committee,omitempty"`
	ReportDate      string    `json:"report_date" format:"date"`
	ReferenceNumber string    `json:"reference_number,omitempty" doc:"文号; internal readers only."`
	Note            string    `json:"note,omitempty"`
	RecordSeq       int64     `json:"record_seq"`
	CreatedAt       time.Time `json:"created_at"`
}

func partyReportView(r consultation.PartyReport) PartyReportView {
	return PartyReportView{ID: r.ID, DecisionID: r.DecisionID, DeliberationID: r.DeliberationID, Committee: r.Committee,
		ReportDate: r.ReportDate.Format(time.DateOnly), ReferenceNumber: r.ReferenceNumber, Note: r.Note, RecordSeq: r.RecordSeq, CreatedAt: r.CreatedAt.UTC()}
}

// DecisionSuspensionView is a decision's suspension.
type DecisionSuspensionView struct {
	Reason    string    `json:"reason"`
	RecordSeq int64     `json:"record_seq"`
	CreatedAt time.Time `json:"created_at"`
}

// DecisionPublicationView is a published decision.
type DecisionPublicationView struct {
	ID                     int64                   `json:"id"`
	DecisionID             int64                   `json:"decision_id"`
	Status                 string                  `json:"status" doc:"The decision's stage: published (effective date still to come), in_effect or suspended."`
	StatusName             string                  `json:"status_name"`
	InEffect               bool                    `json:"in_effect"`
	VersionNumber          int                     `json:"version_number"`
	VersionHash            string                  `json:"version_hash" doc:"Content hash of the decided version; its text is the published text."`
	Text                   string                  `json:"text" doc:"The decided text."`
	DocumentNumber         string                  `json:"document_number" doc:"文号."`
	Channels               []string                `json:"channels"`
	PublishedOn            string                  `json:"published_on" format:"date"`
	EffectiveOn            string                  `json:"effective_on" format:"date"`
	AdoptionReportID       *int64                  `json:"adoption_report_id,omitempty" doc:"The published adoption report (get-adoption-report)."`
	AdoptionReportHash     *string                 `json:"adoption_report_hash,omitempty"`
	Note                   string                  `json:"note,omitempty"`
	Deliberation           DeliberationView        `json:"deliberation"`
	PartyReport            PartyReportView         `json:"party_report"`
	FeedbackCount          int                     `json:"feedback_count" doc:"Implementation opinions received (Art. 35)."`
	Suspension             *DecisionSuspensionView `json:"suspension,omitempty"`
	ImplementingAgency     string                  `json:"implementing_agency" doc:"Code of the implementing unit (执行单位, Art. 34)."`
	ImplementingAgencyName string                  `json:"implementing_agency_name"`
	ReportIntervalDays     int                     `json:"report_interval_days" doc:"Days between the implementing unit's reports (Art. 35)."`
	RecordSeq              int64                   `json:"record_seq" doc:"The signed process-record entry of the publication."`
	CreatedAt              time.Time               `json:"created_at"`
}

func publicationView(p consultation.Publication) DecisionPublicationView {
	v := DecisionPublicationView{ID: p.ID, DecisionID: p.DecisionID, Status: string(p.Status), StatusName: consultation.StatusNames[p.Status],
		InEffect: p.Status == consultation.StatusInEffect, VersionNumber: p.VersionNumber, VersionHash: p.VersionHash, Text: p.Text,
		DocumentNumber: p.DocumentNumber, Channels: p.Channels, PublishedOn: p.PublishedOn.Format(time.DateOnly),
		EffectiveOn: p.EffectiveOn.Format(time.DateOnly), AdoptionReportID: p.AdoptionReportID, AdoptionReportHash: p.AdoptionReportHash,
		Note: p.Note, FeedbackCount: p.FeedbackCount, RecordSeq: p.RecordSeq, CreatedAt: p.CreatedAt.UTC(),
		ImplementingAgency: p.ImplementingAgencyCode, ImplementingAgencyName: p.ImplementingAgencyName, ReportIntervalDays: p.ReportIntervalDays}
	if p.Deliberation != nil {
		v.Deliberation = deliberationView(*p.Deliberation)
	}
	if p.PartyReport != nil {
		v.PartyReport = partyReportView(*p.PartyReport)
	}
	if p.Suspension != nil {
		v.Suspension = &DecisionSuspensionView{Reason: p.Suspension.Reason, RecordSeq: p.Suspension.RecordSeq, CreatedAt: p.Suspension.CreatedAt.UTC()}
	}
	return v
}

// ImplementationFeedbackView is a resident's opinion on a decision's implementation.
type ImplementationFeedbackView struct {
	ID         int64     `json:"id"`
	DecisionID int64     `json:"decision_id"`
	AuthorName string    `json:"author_name" doc:"The author's pseudonym. Never a phone number."`
	Body       string    `json:"body" doc:"Plain text as written; render it escaped."`
	BodyHash   string    `json:"body_hash" doc:"Hex SHA-256 of the text, as recorded in the process record."`
	CreatedAt  time.Time `json:"created_at"`
}

func feedbackView(f consultation.Feedback) ImplementationFeedbackView {
	return ImplementationFeedbackView{ID: f.ID, DecisionID: f.DecisionID, AuthorName: f.AuthorName, Body: f.Body, BodyHash: f.BodyHash, CreatedAt: f.CreatedAt.UTC()}
}

// parseDateField reads an optional YYYY-MM-DD field.
func parseDateField(field, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, value)
	if err != nil {
		return time.Time{}, errs.InvalidField("invalid_date", field, "日期格式应为 2006-01-02")
	}
	return t, nil
}

// DeliberationFields are the members of a recorded meeting.
type DeliberationFields struct {
	VersionHash string                `json:"version_hash" maxLength:"100" doc:"Content hash of the draft version deliberated; it must be the version the valid review sign-off covers."`
	MeetingKind string                `json:"meeting_kind" maxLength:"50" doc:"executive (常务会议) or plenary (全体会议); nothing else counts (Art. 30, 422 invalid_meeting_kind)."`
	MeetingDate string                `json:"meeting_date" format:"date" example:"2026-06-30"`
	Session     string                `json:"session,omitempty" doc:"The meeting's name, e.g. 市政府第28次常务会议."`
	Members     []MeetingMemberView   `json:"members" maxItems:"100" doc:"Members (组成人员) present with their views, in the order they spoke; the head speaks last (422 head_not_last). Each must be in the decision body's composition (422 not_a_member) and more than half of it must be present (422 meeting_quorum_not_met)."`
	Attendees   []MeetingAttendeeView `json:"attendees,omitempty" maxItems:"100" doc:"Non-voting attendees (列席), recorded apart; they do not count toward the quorum."`
	Absences    []MeetingAbsenceView  `json:"absences,omitempty" maxItems:"100" doc:"Reasons of absent members (optional). Every member of the composition not among members is recorded as absent whether listed here or not; a name outside the composition answers 422 not_a_member, a member present 422 absent_member_present."`
	HeadName    string                `json:"head_name" maxLength:"50" doc:"The head (行政首长) who decided; a member present."`
	Outcome     string                `json:"outcome" enum:"adopted,rejected,deferred"`
	HeadReason  string                `json:"head_reason,omitempty" doc:"Required when the outcome departs from the majority of the other members (Art. 30)."`
	Dissent     []MemberDissentView   `json:"dissent,omitempty" maxItems:"100" doc:"Dissenting views; required for every member who voted against what was decided."`
	Minutes     string                `json:"minutes,omitempty" doc:"Summary of the discussion, at most 20,000 characters."`
}

// input is the meeting as the service takes it.
func (f DeliberationFields) input() (consultation.DeliberationInput, error) {
	date, err := parseDateField("meeting_date", f.MeetingDate)
	if err != nil {
		return consultation.DeliberationInput{}, err
	}
	return consultation.DeliberationInput{VersionHash: f.VersionHash, MeetingKind: consultation.MeetingKind(f.MeetingKind), MeetingDate: date,
		Session: f.Session, HeadName: f.HeadName, Outcome: consultation.DeliberationOutcome(f.Outcome), HeadReason: f.HeadReason, Minutes: f.Minutes,
		Members: views(f.Members, func(m MeetingMemberView) consultation.MeetingMember {
			return consultation.MeetingMember{Name: m.Name, Position: m.Position, Vote: consultation.Vote(m.Vote)}
		}),
		Attendees: views(f.Attendees, func(a MeetingAttendeeView) consultation.MeetingAttendee { return consultation.MeetingAttendee(a) }),
		Absences: views(f.Absences, func(a MeetingAbsenceView) consultation.MeetingAbsence {
			return consultation.MeetingAbsence{Name: a.Name, Reason: a.Reason}
		}),
		Dissent: views(f.Dissent, func(d MemberDissentView) consultation.MemberDissent { return consultation.MemberDissent(d) })}, nil
}

type recordDeliberationInputBody struct {
	DeliberationFields
	SignerSignatureFields
}

type deliberationsOutputBody struct {
	Deliberations []DeliberationView `json:"deliberations"`
}

type recordPartyReportInputBody struct {
	ReportDate      string `json:"report_date" format:"date" example:"2026-07-02"`
	ReferenceNumber string `json:"reference_number" maxLength:"200" doc:"The report's document number (文号)."`
	Committee       string `json:"committee,omitempty" maxLength:"200" doc:"The Party committee, e.g. 中共平顶山市委."`
	Note            string `json:"note,omitempty"`
}

// PublicationFields are the members of a publication.
type PublicationFields struct {
	VersionHash    string   `json:"version_hash" maxLength:"100" doc:"Content hash of the adopted version."`
	Channels       []string `json:"channels" maxItems:"10" doc:"Where it was published, e.g. 政府公报, 政府网站, 平顶山日报 (Art. 32)."`
	PublishedOn    string   `json:"published_on" format:"date" example:"2026-07-06"`
	EffectiveOn    string   `json:"effective_on,omitempty" format:"date" doc:"The date it takes effect (施行日期); the publication date when absent."`
	DocumentNumber string   `json:"document_number" maxLength:"200" doc:"The issuing document's number (文号)."`
	Note           string   `json:"note,omitempty"`
	// The implementing unit (执行单位, Art. 34) and its reporting interval (Art. 35).
	ImplementingAgency string `json:"implementing_agency,omitempty" maxLength:"64" doc:"Code of the implementing unit (执行单位, Art. 34); the lead unit when absent."`
	ReportIntervalDays int    `json:"report_interval_days,omitempty" minimum:"0" maximum:"366" doc:"Days between the implementing unit's reports (Art. 35); 90 when absent."`
}

// input is the publication as the service takes it.
func (f PublicationFields) input() (consultation.PublicationInput, error) {
	published, err := parseDateField("published_on", f.PublishedOn)
	if err != nil {
		return consultation.PublicationInput{}, err
	}
	effective, err := parseDateField("effective_on", f.EffectiveOn)
	if err != nil {
		return consultation.PublicationInput{}, err
	}
	return consultation.PublicationInput{VersionHash: f.VersionHash, Channels: f.Channels, PublishedOn: published, EffectiveOn: effective,
		DocumentNumber: f.DocumentNumber, Note: f.Note, ImplementingAgency: f.ImplementingAgency, ReportIntervalDays: f.ReportIntervalDays}, nil
}

type publishDecisionInputBody struct {
	PublicationFields
	SignerSignatureFields
}

type createFeedbackInputBody struct {
	Body string `json:"body" maxLength:"10000" doc:"1 to 2,000 characters after trimming."`
}

type listFeedbackInput struct {
	DecisionPath
	PageQuery
}

type feedbackListOutputBody struct {
	Feedback   []ImplementationFeedbackView `json:"feedback"`
	NextCursor string                       `json:"next_cursor,omitempty"`
}

type suspendDecisionInputBody struct {
	Reason   string `json:"reason" doc:"Required, at most 5,000 characters."`
	HeadName string `json:"head_name,omitempty" maxLength:"50" doc:"Required: the head (行政首长) who decided; must be the head of the decision body's meeting composition (422 suspension_not_by_head, Art. 37)."`
}

// registerPublication registers deliberation, Party report, publication,
// implementation feedback and suspension.
func (s *server) registerPublication() {
	tags := []string{"Deliberation and publication"}
	answer(s, huma.Operation{OperationID: "record-deliberation", Method: http.MethodPost, Path: "/decisions/{decision_id}/deliberations",
		Summary: "Record the decision body's meeting (集体讨论决定)", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
		Description: "Records an executive (常务会议) or plenary (全体会议) meeting on the draft (Decree 713 Art. 30) as a signed process-record entry " +
			"binding the version's content hash. Refused with 409 `valid_review_conclusion_required` unless the latest draft version has a valid " +
			"legality sign-off (Art. 25), and 409 `decided_version_mismatch` unless version_hash names exactly that version. Any other meeting kind " +
			"answers 422 `invalid_meeting_kind`; an outcome that departs from the majority of the members without the head's reason 422 " +
			"`head_reason_required`; a body whose composition kept is smaller than three 409 `meeting_composition_too_small`. The first meeting moves the decision to deliberation; after a deferral or rejection a later meeting may " +
			"deliberate again. Staff of the lead unit or the decision body. With signing_key_id and signature (over the statement from " +
			"prepare-deliberation-statement) the entry carries the signer's own signature, countersigned by the platform; without them the " +
			"platform signs alone (signature_method platform)."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[recordDeliberationInputBody]) (consultation.Deliberation, error) {
			d, err := in.Body.input()
			if err != nil {
				return consultation.Deliberation{}, err
			}
			d.Signature = in.Body.signature()
			return s.svc.Consultation.RecordDeliberation(ctx, actor(ctx), in.DecisionID, d)
		}, deliberationView)
	answer(s, huma.Operation{OperationID: "list-deliberations", Method: http.MethodGet, Path: "/decisions/{decision_id}/deliberations",
		Summary: "The meetings recorded on a decision", Tags: tags, Errors: []int{404},
		Description: "Oldest first, with members, votes and dissent. Staff who may see the decision internally; the public reads get-decision-publication."},
		signedIn(), func(ctx context.Context, in *DecisionPath) ([]consultation.Deliberation, error) {
			return s.svc.Consultation.ListDeliberations(ctx, actor(ctx), in.DecisionID)
		}, func(list []consultation.Deliberation) deliberationsOutputBody {
			return deliberationsOutputBody{Deliberations: views(list, deliberationView)}
		})
	answer(s, huma.Operation{OperationID: "record-party-report", Method: http.MethodPost, Path: "/decisions/{decision_id}/party-report",
		Summary: "Record the report to the Party committee (向同级党委请示报告)", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
		Description: "Records the date and reference number of the adopted decision's report to the same-level Party committee (Decree 713 Art. 31). " +
			"Needs the adopting meeting (409 `adopted_deliberation_required`); once per decision. Staff of the lead unit or the decision body."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[recordPartyReportInputBody]) (consultation.PartyReport, error) {
			date, err := parseDateField("report_date", in.Body.ReportDate)
			if err != nil {
				return consultation.PartyReport{}, err
			}
			return s.svc.Consultation.RecordPartyReport(ctx, actor(ctx), in.DecisionID, consultation.PartyReportInput{ReportDate: date,
				ReferenceNumber: in.Body.ReferenceNumber, Committee: in.Body.Committee, Note: in.Body.Note})
		}, partyReportView)
	answer(s, huma.Operation{OperationID: "publish-decision", Method: http.MethodPost, Path: "/decisions/{decision_id}/publication",
		Summary: "Publish the decision (决策公布)", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
		Description: "Publishes the adopted decision (Decree 713 Art. 32): the decided version (named by its content hash, 409 `decided_version_mismatch` " +
			"otherwise) is the published text, the published adoption report is linked, and a signed record entry binds the version hash, channels, " +
			"dates and document number. Refused with every failed gate: no adopted deliberation (`adopted_deliberation_required`), no Party report " +
			"(`party_report_required`, Art. 31), no valid sign-off on the decided version (`valid_review_conclusion_required`). The decision becomes " +
			"published, and in_effect at once when it takes effect on publication (otherwise on its effective date). Staff of the lead unit or the decision body. " +
			"With signing_key_id and signature (over the statement from prepare-publication-statement) the entry carries the signer's own " +
			"signature, countersigned by the platform; without them the platform signs alone."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[publishDecisionInputBody]) (consultation.Publication, error) {
			p, err := in.Body.input()
			if err != nil {
				return consultation.Publication{}, err
			}
			p.Signature = in.Body.signature()
			return s.svc.Consultation.PublishDecision(ctx, actor(ctx), in.DecisionID, p)
		}, publicationView)
	answer(s, huma.Operation{OperationID: "get-decision-publication", Method: http.MethodGet, Path: "/decisions/{decision_id}/publication",
		Summary: "The published decision", Tags: tags, Errors: []int{404},
		Description: "The decided text, channels, dates, document number, the adopting meeting, the Party report, the linked adoption report, the number of " +
			"implementation opinions and any suspension. Public once published (404 `publication_not_found` before); the public does not see the " +
			"members' votes, dissent and minutes or the Party report's reference number."},
		public(), func(ctx context.Context, in *DecisionPath) (consultation.Publication, error) {
			return s.svc.Consultation.GetPublication(ctx, actor(ctx), in.DecisionID)
		}, publicationView)
	answer(s, huma.Operation{OperationID: "create-implementation-feedback", Method: http.MethodPost, Path: "/decisions/{decision_id}/implementation-feedback",
		Summary: "Give an opinion on a decision's implementation", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422, 429},
		Description: "A resident with a verified phone tells the decision body about problems with a published decision (Decree 713 Art. 35), " +
			"at most 2,000 characters; 409 `feedback_not_open` unless it is published or in effect; 429 `feedback_rate_limited` with Retry-After. " +
			"The text's SHA-256 is recorded in the process record. The same text sent again by the same resident within 10 minutes " +
			"(a retry) answers with the first opinion and stores nothing."},
		roles(identity.RoleResident), func(ctx context.Context, in *onDecision[createFeedbackInputBody]) (consultation.Feedback, error) {
			return s.svc.Consultation.CreateImplementationFeedback(ctx, actor(ctx), in.DecisionID, consultation.FeedbackInput{
				Body: in.Body.Body, ClientAddr: obs.ClientFrom(ctx).Addr})
		}, feedbackView)
	answerPage(s, huma.Operation{OperationID: "list-implementation-feedback", Method: http.MethodGet, Path: "/decisions/{decision_id}/implementation-feedback",
		Summary: "The implementation opinions on a decision", Tags: tags, Errors: []int{404, 422},
		Description: "Oldest first, under the authors' pseudonyms. Staff of the lead unit or the decision body, and admins; the public sees the count in get-decision-publication."},
		roles(identity.RoleAgencyStaff, identity.RoleAdmin), func(ctx context.Context, in *listFeedbackInput) ([]consultation.Feedback, string, error) {
			return s.svc.Consultation.ListImplementationFeedback(ctx, actor(ctx), in.DecisionID, in.Limit, in.Cursor)
		}, feedbackView, func(list []ImplementationFeedbackView, next string) feedbackListOutputBody {
			return feedbackListOutputBody{Feedback: list, NextCursor: next}
		})
	suspension := func(in *onDecision[suspendDecisionInputBody]) consultation.SuspensionInput {
		return consultation.SuspensionInput{Reason: in.Body.Reason, HeadName: in.Body.HeadName}
	}
	answer(s, huma.Operation{OperationID: "suspend-decision", Method: http.MethodPost, Path: "/decisions/{decision_id}/suspension",
		Summary: "Suspend a decision's execution (中止执行)", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Suspends a published or in-effect decision with a reason (Decree 713 Art. 37: the head of the decision body alone may decide to suspend). " +
			"Staff of the decision body record the head's decision, naming the head, who must be the head of the body's meeting composition; admins may too."},
		roles(identity.RoleAgencyStaff, identity.RoleAdmin), func(ctx context.Context, in *onDecision[suspendDecisionInputBody]) (consultation.Decision, error) {
			return s.svc.Consultation.SuspendDecision(ctx, actor(ctx), in.DecisionID, suspension(in))
		}, decisionView)
	answer(s, huma.Operation{OperationID: "resume-decision", Method: http.MethodPost, Path: "/decisions/{decision_id}/resumption",
		Summary: "Lift a decision's suspension (恢复执行)", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Records the head's decision to lift a suspension with a reason (Decree 713 Art. 37); the decision is in effect again. " +
			"The same callers and head rule as suspend-decision; 409 `decision_not_suspended` otherwise."},
		roles(identity.RoleAgencyStaff, identity.RoleAdmin), func(ctx context.Context, in *onDecision[suspendDecisionInputBody]) (consultation.Decision, error) {
			return s.svc.Consultation.ResumeDecision(ctx, actor(ctx), in.DecisionID, suspension(in))
		}, decisionView)
}
