package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// The lead unit's page after the review: the collective deliberation
// (Decree 713 Art. 30), the report to the Party committee (Art. 31) and the
// publication (Art. 32).

// delibDissentRows and delibAttendeeRows are how many rows the deliberation
// form offers; the members are those of the composition, one row each.
const (
	delibDissentRows  = 3
	delibAttendeeRows = 3
)

// meetingRow is a member of the composition as the deliberation form
// offers them: present or absent (each stated), the vote, the reason of an
// absence. The head comes last: the head speaks last and decides (Art. 30).
type meetingRow struct {
	Index int
	consultation.MeetingCompositionMember
}

// meetingRows are the composition's members in speaking order: as kept,
// the head last.
func meetingRows(c consultation.MeetingComposition) []meetingRow {
	var rows []meetingRow
	var head *meetingRow
	for _, m := range c.Members {
		if m.IsHead {
			head = &meetingRow{MeetingCompositionMember: m}
			continue
		}
		rows = append(rows, meetingRow{MeetingCompositionMember: m})
	}
	if head != nil {
		rows = append(rows, *head)
	}
	for i := range rows {
		rows[i].Index = i
	}
	return rows
}

// staffPublicationData is the lead unit's deliberation and publication page.
type staffPublicationData struct {
	Decision      consultation.Decision
	Latest        *consultation.DraftVersion
	Deliberations []consultation.Deliberation
	Publication   *consultation.Publication
	MemberRows    []meetingRow
	DissentRows   []int
	AttendeeRows  []int
	// Composition is the decision body's meeting composition (Art. 30).
	Composition consultation.MeetingComposition
	Quorum      int
	// CanRecord: a meeting may be recorded now (the decision is under
	// review or in deliberation) by this account (staff of the lead unit or
	// the decision body); CanPublish: the Party report and the publication
	// (after the adopting meeting). Otherwise the page says what comes first instead
	// of offering forms the service refuses.
	CanRecord, CanPublish, Recorder bool
	// Adopted: a recorded meeting adopted the decision (no further meeting).
	Adopted bool
}

func (s *site) staffPublication(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, d.Title)
	if v := s.latestVersion(r, d.ID); v != nil {
		p.Form["version_hash"], p.Form["pub_version_hash"] = v.ContentHash, v.ContentHash
	}
	s.renderStaffPublication(w, r, http.StatusOK, d, p)
}

func (s *site) renderStaffPublication(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	data := staffPublicationData{Decision: d, Latest: s.latestVersion(r, d.ID), DissentRows: seqN(delibDissentRows),
		AttendeeRows: seqN(delibAttendeeRows), Recorder: actor.IsStaffOf(d.LeadAgencyID) || actor.IsStaffOf(d.DecisionBodyID)}

	var err error
	if c, err := svc.GetMeetingComposition(ctx, actor, d.DecisionBodyCode); err == nil {
		data.Composition, data.Quorum, data.MemberRows = c, len(c.Members)/2+1, meetingRows(c)
	}
	if data.Deliberations, err = svc.ListDeliberations(ctx, actor, d.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, g := range data.Deliberations {
		data.Adopted = data.Adopted || g.Outcome == consultation.OutcomeAdopted
	}
	data.CanRecord = data.Recorder && !data.Adopted && (d.Status == consultation.StatusUnderReview || d.Status == consultation.StatusDeliberation)
	data.CanPublish = data.Recorder && data.Adopted && d.Status == consultation.StatusDeliberation
	if pub, err := svc.GetPublication(ctx, actor, d.ID); err == nil {
		data.Publication = &pub
	} else if !errs.HasCode(err, "publication_not_found") {
		s.pageError(w, r, err)
		return
	}
	s.withDeviceKeys(r, &p)
	p.Title = "集体讨论与公布：" + d.Title
	p.Data = data
	s.render(w, r, status, "publication_staff", p)
}

func seqN(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// parseDate reads a date field into the page; a bad value is a field error.
func parseDate(p *page, name, label string) (time.Time, bool) {
	v := strings.TrimSpace(p.Form[name])
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		p.Errors[name] = "请按“年-月-日”填写" + label
		return time.Time{}, false
	}
	return t, true
}

// recordDeliberation records a meeting from the form: staff state for each
// member of the composition whether they were present (absences are
// explicit, with their reason) and how they voted; the head, marked in the
// composition, is the one who decided. Who counts toward the quorum is
// what was picked, never typed names (outside check staff2).
func (s *site) recordDeliberation(w http.ResponseWriter, r *http.Request) {
	keep := []string{"version_hash", "meeting_kind", "meeting_date", "session", "outcome", "head_reason", "minutes"}
	for i := range consultation.MaxCompositionMembers {
		for _, f := range []string{"attend", "vote", "reason"} {
			keep = append(keep, "members["+strconv.Itoa(i)+"]."+f)
		}
	}
	for i := range delibDissentRows {
		keep = append(keep, "dissent["+strconv.Itoa(i)+"].member", "dissent["+strconv.Itoa(i)+"].view")
	}
	for i := range delibAttendeeRows {
		keep = append(keep, "attendees["+strconv.Itoa(i)+"].name", "attendees["+strconv.Itoa(i)+"].capacity")
	}
	s.staffForm(w, r, keep, "/publication?flash=deliberation_saved", func(d consultation.Decision, p *page) error {
		date, ok := parseDate(p, "meeting_date", "会议日期")
		if !ok {
			return errs.InvalidField("invalid_meeting_date", "meeting_date", p.Errors["meeting_date"])
		}
		c, err := s.svc.Consultation.GetMeetingComposition(r.Context(), currentAccount(r), d.DecisionBodyCode)
		if err != nil {
			return err
		}
		in := consultation.DeliberationInput{VersionHash: p.Form["version_hash"], MeetingKind: consultation.MeetingKind(p.Form["meeting_kind"]),
			MeetingDate: date, Session: p.Form["session"], HeadName: c.Head(), Outcome: consultation.DeliberationOutcome(p.Form["outcome"]),
			HeadReason: p.Form["head_reason"], Minutes: p.Form["minutes"]}
		var unstated []string
		for _, row := range meetingRows(c) {
			pre := "members[" + strconv.Itoa(row.Index) + "]."
			switch p.Form[pre+"attend"] {
			case "present":
				in.Members = append(in.Members, consultation.MeetingMember{Name: row.Name, Position: row.Position,
					Vote: consultation.Vote(p.Form[pre+"vote"])})
			case "absent":
				in.Absences = append(in.Absences, consultation.MeetingAbsence{Name: row.Name, Reason: p.Form[pre+"reason"]})
			default:
				unstated = append(unstated, row.Name)
			}
		}
		if len(unstated) > 0 {
			e := errs.InvalidField("attendance_required", "members", "请逐一选择每名组成人员出席还是缺席，尚未选择："+strings.Join(unstated, "、"))
			e.Basis = "Decree 713 Art. 30"
			return e
		}
		for i := range delibAttendeeRows {
			pre := "attendees[" + strconv.Itoa(i) + "]."
			if strings.TrimSpace(p.Form[pre+"name"]) == "" {
				continue
			}
			in.Attendees = append(in.Attendees, consultation.MeetingAttendee{Name: p.Form[pre+"name"], Capacity: p.Form[pre+"capacity"]})
		}
		for i := range delibDissentRows {
			pre := "dissent[" + strconv.Itoa(i) + "]."
			if strings.TrimSpace(p.Form[pre+"member"]) == "" && strings.TrimSpace(p.Form[pre+"view"]) == "" {
				continue
			}
			in.Dissent = append(in.Dissent, consultation.MemberDissent{Member: p.Form[pre+"member"], View: p.Form[pre+"view"]})
		}
		in.Signature = signerSignature(r)
		err = signOnDevice(r, p, "deliberation", func(key string) ([]byte, error) {
			return s.svc.Consultation.DeliberationStatement(r.Context(), currentAccount(r), d.ID, in, key)
		}, func() error {
			return errOf(s.svc.Consultation.RecordDeliberation(r.Context(), currentAccount(r), d.ID, in))
		})
		// The head is not typed on the page: the composition marks them.
		return renameField(renameField(err, "head_name", "members"), "absences", "members")
	}, func(status int, d consultation.Decision, p page) { s.renderStaffPublication(w, r, status, d, p) })
}

func (s *site) recordPartyReport(w http.ResponseWriter, r *http.Request) {
	keep := []string{"report_date", "reference_number", "committee", "party_note"}
	s.staffForm(w, r, keep, "/publication?flash=party_report_saved", func(d consultation.Decision, p *page) error {
		date, ok := parseDate(p, "report_date", "请示报告日期")
		if !ok {
			return errs.InvalidField("invalid_report_date", "report_date", p.Errors["report_date"])
		}
		_, err := s.svc.Consultation.RecordPartyReport(r.Context(), currentAccount(r), d.ID, consultation.PartyReportInput{
			ReportDate: date, ReferenceNumber: p.Form["reference_number"], Committee: p.Form["committee"], Note: p.Form["party_note"]})
		return renameField(err, "note", "party_note")
	}, func(status int, d consultation.Decision, p page) { s.renderStaffPublication(w, r, status, d, p) })
}

func (s *site) publishDecision(w http.ResponseWriter, r *http.Request) {
	keep := []string{"pub_version_hash", "channels", "published_on", "effective_on", "document_number", "pub_note"}
	s.staffForm(w, r, keep, "/publication?flash=decision_published", func(d consultation.Decision, p *page) error {
		pub, ok := parseDate(p, "published_on", "公布日期")
		if !ok {
			return errs.InvalidField("invalid_publication_date", "published_on", p.Errors["published_on"])
		}
		eff, ok := parseDate(p, "effective_on", "施行日期")
		if !ok {
			return errs.InvalidField("invalid_effective_date", "effective_on", p.Errors["effective_on"])
		}
		in := consultation.PublicationInput{VersionHash: p.Form["pub_version_hash"], Channels: splitLines(p.Form["channels"]),
			PublishedOn: pub, EffectiveOn: eff, DocumentNumber: p.Form["document_number"], Note: p.Form["pub_note"],
			Signature: signerSignature(r)}
		err := signOnDevice(r, p, "publication", func(key string) ([]byte, error) {
			return s.svc.Consultation.PublicationStatement(r.Context(), currentAccount(r), d.ID, in, key)
		}, func() error {
			return errOf(s.svc.Consultation.PublishDecision(r.Context(), currentAccount(r), d.ID, in))
		})
		return renameField(renameField(err, "version_hash", "pub_version_hash"), "note", "pub_note")
	}, func(status int, d consultation.Decision, p page) { s.renderStaffPublication(w, r, status, d, p) })
}
