package consultation

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The Party committee report (向同级党委请示报告, Decree 713 Art. 31),
// publication (决策公布, Art. 32; DOMAIN.md stage 6) and what follows:
// in effect, and suspension (中止执行, Art. 37).
//
// Publication moves the decision from deliberation to published through the
// gates below, which list every missing step. The published text is the
// decided version's text, fixed by its content hash in a signed record
// entry, and that version becomes public (versionPublic). A decision takes
// effect on its effective date (施行日期): when that is the publication date
// or earlier, publication moves it straight on to in_effect; a later date
// leaves it published ("已公布，自…起施行") until BringDecisionsIntoEffect,
// run by the periodic job, moves it to in_effect on that date.

// Bases of the publication rules.
const (
	partyReportBasis = "Decree 713 Art. 31"
	publicationBasis = "Decree 713 Art. 32"
	suspensionBasis  = "Decree 713 Art. 37"
)

// Limits of the Party report and publication.
const (
	MaxReferenceNumberRunes  = 100
	MaxCommitteeRunes        = 100
	MaxPublicationNoteRunes  = 5_000
	MaxChannels              = 10
	MaxChannelRunes          = 100
	MaxSuspensionReasonRunes = 5_000
)

// PartyReportInput is the record of the report to the Party committee.
type PartyReportInput struct {
	// ReportDate is the date of the report (a calendar date).
	ReportDate time.Time
	// ReferenceNumber is the report's document number (文号).
	ReferenceNumber string
	// Committee names the Party committee, e.g. 中共平顶山市委 (optional).
	Committee string
	Note      string
}

// PartyReport is a recorded report to the Party committee.
type PartyReport struct {
	ID              int64
	DecisionID      int64
	DeliberationID  int64
	Committee       string
	ReportDate      time.Time
	ReferenceNumber string
	Note            string
	RecordedBy      int64
	RecordSeq       int64
	CreatedAt       time.Time
}

// PublicationInput is the publication of an adopted decision.
type PublicationInput struct {
	// VersionHash names the decided version; it must be the adopted one.
	VersionHash string
	// Channels are where it was published, e.g. 政府网站, 政府公报, 平顶山日报
	// (Art. 32 names the government gazette, website and local newspapers).
	Channels []string
	// PublishedOn is the publication date, EffectiveOn the date it takes
	// effect (zero: on publication).
	PublishedOn time.Time
	EffectiveOn time.Time
	// DocumentNumber is the issuing document's number (文号).
	DocumentNumber string
	Note           string
	// ImplementingAgency is the code of the implementing unit (执行单位,
	// Decree 713 Art. 34); empty: the lead unit.
	ImplementingAgency string
	// ReportIntervalDays is how often the implementing unit reports on the
	// implementation (Art. 35; the body sets it); 0: DefaultReportIntervalDays.
	ReportIntervalDays int
	// Signature is the publishing staff member's own signature over the
	// statement (PublicationStatement); without one the platform signs
	// alone.
	Signature *SignerSignature
}

// DefaultReportIntervalDays is the reporting interval when the body sets
// none: a quarter. The law fixes none (Art. 35 "定期").
const DefaultReportIntervalDays = 90

// Publication is a published decision.
type Publication struct {
	ID                 int64
	DecisionID         int64
	DeliberationID     int64
	PartyReportID      int64
	VersionID          int64
	VersionNumber      int
	VersionHash        string
	DocumentNumber     string
	Channels           []string
	PublishedOn        time.Time
	EffectiveOn        time.Time
	AdoptionReportID   *int64
	AdoptionReportHash *string
	Note               string
	PublishedBy        int64
	RecordSeq          int64
	CreatedAt          time.Time
	// The implementing unit and its reporting interval.
	ImplementingAgencyID   int64
	ImplementingAgencyCode string
	ImplementingAgencyName string
	ReportIntervalDays     int
	// Filled in by GetPublication.
	Status        Status
	Text          string
	Deliberation  *Deliberation
	PartyReport   *PartyReport
	FeedbackCount int
	Suspension    *Suspension
}

// Suspension is a decision's suspension.
type Suspension struct {
	Reason      string
	SuspendedBy int64
	RecordSeq   int64
	CreatedAt   time.Time
}

var errPublicationNotFound = errs.NotFound("publication_not_found", "决策尚未公布")

func init() {
	addGate(StatusPublished, Gate{Code: "adopted_deliberation_required", Basis: deliberationBasis, Applies: always,
		Title:   "决策草案已经决策机关常务会议或者全体会议讨论通过",
		Message: "决策草案尚未经决策机关常务会议或者全体会议讨论通过（《重大行政决策程序暂行条例》第三十条）",
		Check:   recorded(adoptedDeliberation, "adopted_deliberation_required")})
	addGate(StatusPublished, Gate{Code: "party_report_required", Basis: partyReportBasis, Applies: always,
		Title:   "已向同级党委请示报告",
		Message: "重大行政决策出台前应当按照规定向同级党委请示报告，请先记录请示报告的日期和文号（《重大行政决策程序暂行条例》第三十一条）",
		Check:   recorded(adoptedPartyReport, "party_report_required")})
	addGate(StatusPublished, Gate{Code: "valid_review_conclusion_required", Basis: signOffBasis, Applies: always,
		Title:   "讨论通过的草案版本仍有有效的合法性审查意见",
		Message: "讨论通过的草案版本没有有效的合法性审查意见，或审查意见针对的不是该版本",
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			so, err := currentSignOff(ctx, st.Tx, st.Decision.ID)
			if errs.HasCode(err, "decision_has_no_version") {
				return false, nil
			}
			if err != nil || !so.Valid {
				return false, err
			}
			g, err := adoptedDeliberation(ctx, st.Tx, st.Decision.ID)
			if errs.HasCode(err, "adopted_deliberation_required") {
				return true, nil // reported by its own gate
			}
			return err == nil && g.VersionHash == so.VersionHash, err
		}})
}

func queryPartyReports(ctx context.Context, q querier, where string, args ...any) ([]PartyReport, error) {
	return pgrows.AllByPos[PartyReport](ctx, q, `SELECT id, decision_id, deliberation_id, committee, report_date, reference_number,
		note, recorded_by, record_seq, created_at FROM party_reports WHERE `+where, args...)
}

// adoptedPartyReport returns the Party report recorded after the adopting
// meeting, or party_report_required.
func adoptedPartyReport(ctx context.Context, q querier, decisionID int64) (PartyReport, error) {
	list, err := queryPartyReports(ctx, q, `deliberation_id = (SELECT id FROM deliberations WHERE decision_id = $1 AND outcome = 'adopted')`, decisionID)
	if err != nil {
		return PartyReport{}, err
	}
	if len(list) == 0 {
		e := errs.Conflict("party_report_required", "尚未记录向同级党委请示报告的情况（《重大行政决策程序暂行条例》第三十一条）")
		e.Basis = partyReportBasis
		return PartyReport{}, e
	}
	return list[0], nil
}

// RecordPartyReport records the report of the adopted decision to the
// same-level Party committee (Decree 713 Art. 31: 重大行政决策出台前应当按照
// 规定向同级党委请示报告): its date and reference number. It needs the
// adopting meeting, so the report is about exactly the decided version; a
// decision has one report. Only staff of the lead unit or of the decision
// body may call it. Codes: decision_not_found, not_decision_staff,
// report_date_required, report_date_in_future, reference_number_required,
// reference_number_too_long, committee_too_long, note_too_long (422);
// adopted_deliberation_required, party_report_already_recorded,
// decision_not_in_deliberation (409).
func (s *Service) RecordPartyReport(ctx context.Context, actor *identity.Account, decisionID int64, in PartyReportInput) (PartyReport, error) {
	if in.ReportDate.IsZero() {
		return PartyReport{}, errs.InvalidField("report_date_required", "report_date", "请填写请示报告的日期")
	}
	r := PartyReport{ReportDate: dateOnly(in.ReportDate)}
	if r.ReportDate.After(civilDate(s.now())) {
		return PartyReport{}, errs.InvalidField("report_date_in_future", "report_date", "请示报告的日期不能晚于今天")
	}
	var err error
	if r.ReferenceNumber, err = limitText("reference_number", "reference_number", "请示报告的文号", in.ReferenceNumber, MaxReferenceNumberRunes, true); err != nil {
		return PartyReport{}, err
	}
	if r.Committee, err = limitText("committee", "committee", "党委名称", in.Committee, MaxCommitteeRunes, false); err != nil {
		return PartyReport{}, err
	}
	if r.Note, err = limitText("note", "note", "说明", in.Note, MaxPublicationNoteRunes, false); err != nil {
		return PartyReport{}, err
	}
	err = s.writeDecision(ctx, actor, decisionID, requireDecisionStaff, func(tx pgx.Tx, d Decision) (err error) {
		if d.Status != StatusDeliberation {
			if d.Status == StatusUnderReview {
				return errs.Conflict("adopted_deliberation_required", "决策草案尚未经集体讨论通过，不能记录向党委请示报告的情况")
			}
			return errs.Conflict("decision_not_in_deliberation", "决策事项处于"+StatusNames[d.Status]+"阶段，不能记录向党委请示报告的情况")
		}
		g, err := adoptedDeliberation(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if _, err := adoptedPartyReport(ctx, tx, d.ID); err == nil {
			return errs.Conflict("party_report_already_recorded", "已记录向同级党委请示报告的情况")
		} else if !errs.HasCode(err, "party_report_required") {
			return err
		}
		if r.ID, err = nextID(ctx, tx, "party_reports"); err != nil {
			return err
		}
		_, err = s.appendBound(ctx, tx, signedStep{decisionID: d.ID, actor: actor, kind: RecordPartyReport, payload: map[string]any{
			"party_report_id": r.ID, "deliberation_id": g.ID, "committee": r.Committee, "report_date": formatDate(r.ReportDate),
			"reference_number": r.ReferenceNumber, "note": r.Note, "version_hash": g.VersionHash}, at: s.now()},
			func(seq int64, at time.Time) (string, int64, error) {
				r.DecisionID, r.DeliberationID, r.RecordedBy, r.RecordSeq, r.CreatedAt = d.ID, g.ID, actor.ID, seq, at
				_, err := tx.Exec(ctx, `INSERT INTO party_reports (id, decision_id, deliberation_id, committee, report_date, reference_number,
					note, recorded_by, record_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
					r.ID, r.DecisionID, r.DeliberationID, r.Committee, r.ReportDate, r.ReferenceNumber, r.Note, r.RecordedBy, r.RecordSeq, r.CreatedAt)
				return "party_reports", r.ID, err
			})
		return err
	})
	if err != nil {
		return PartyReport{}, err
	}
	return r, nil
}

// cleanChannels trims, drops empty and repeated channels.
func cleanChannels(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, c := range in {
		c = strings.TrimSpace(cleanText(c))
		if c == "" || seen[c] {
			continue
		}
		if utf8.RuneCountInString(c) > MaxChannelRunes {
			return nil, errs.InvalidField("invalid_publication_channel", "channels", "每个公布途径不能超过"+strconv.Itoa(MaxChannelRunes)+"字")
		}
		seen[c] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		e := errs.InvalidField("publication_channels_required", "channels", "请写明公布途径，如政府公报、政府网站、本地报纸（《重大行政决策程序暂行条例》第三十二条）")
		e.Basis = publicationBasis
		return nil, e
	}
	if len(out) > MaxChannels {
		return nil, errs.InvalidField("invalid_publication_channel", "channels", "公布途径最多"+strconv.Itoa(MaxChannels)+"个")
	}
	return out, nil
}

// PublishDecision publishes the adopted decision (Decree 713 Art. 32): the
// decided version (named by its content hash) is the published text, the
// published adoption report is linked, and a signed record entry binds the
// version hash, the channels, the dates and the document number. The
// decision moves to published through the gates (adopted deliberation,
// Party report, valid sign-off on the decided version), which list every
// failed gate, and on to in_effect when it takes effect on publication.
// Only staff of the lead unit or of the decision body may call it; with
// in.Signature the entry carries their own signature (signed_by.method
// personal_key), otherwise the platform's alone (platform). Codes:
// decision_not_found, not_decision_staff, version_hash_required,
// publication_channels_required, invalid_publication_channel,
// publication_date_required, publication_date_in_future,
// effective_date_before_publication, document_number_required,
// document_number_too_long, note_too_long,
// publication_before_deliberation, publication_before_party_report (422);
// decided_version_mismatch, stage_transition_not_allowed,
// adopted_deliberation_required, party_report_required,
// valid_review_conclusion_required, procedure_gate_failed (several gates) (409);
// with a signature also RecordDeliberation's signing codes.
func (s *Service) PublishDecision(ctx context.Context, actor *identity.Account, decisionID int64, in PublicationInput) (Publication, error) {
	if _, _, err := s.publishDecision(ctx, actor, decisionID, in, ""); err != nil {
		return Publication{}, err
	}
	return s.GetPublication(ctx, actor, decisionID)
}

// PublicationStatement returns the statement the publishing staff member
// signs with their key keyID for the publication in (record.Statement):
// PublishDecision with the signature then records it, countersigned by the
// platform. It checks what PublishDecision checks and writes nothing.
// Codes: those of PublishDecision, signing_key_id_required.
func (s *Service) PublicationStatement(ctx context.Context, actor *identity.Account, decisionID int64, in PublicationInput,
	keyID string) ([]byte, error) {
	return signOffStatement(ctx, actor, decisionID, in, keyID, s.publishDecision)
}

func (s *Service) publishDecision(ctx context.Context, actor *identity.Account, decisionID int64, in PublicationInput,
	statementKey string) (Publication, []byte, error) {
	p := Publication{VersionHash: strings.TrimSpace(in.VersionHash)}
	if p.VersionHash == "" {
		return Publication{}, nil, errs.InvalidField("version_hash_required", "version_hash", "请写明公布的草案版本的内容哈希")
	}
	var err error
	if p.Channels, err = cleanChannels(in.Channels); err != nil {
		return Publication{}, nil, err
	}
	if in.PublishedOn.IsZero() {
		return Publication{}, nil, errs.InvalidField("publication_date_required", "published_on", "请填写公布日期")
	}
	p.PublishedOn = dateOnly(in.PublishedOn)
	today := civilDate(s.now())
	if p.PublishedOn.After(today) {
		return Publication{}, nil, errs.InvalidField("publication_date_in_future", "published_on", "公布日期不能晚于今天：请在公布后记录")
	}
	p.EffectiveOn = p.PublishedOn
	if !in.EffectiveOn.IsZero() {
		p.EffectiveOn = dateOnly(in.EffectiveOn)
	}
	if p.EffectiveOn.Before(p.PublishedOn) {
		return Publication{}, nil, errs.InvalidField("effective_date_before_publication", "effective_on", "施行日期不能早于公布日期")
	}
	if p.DocumentNumber, err = limitText("document_number", "document_number", "文号", in.DocumentNumber, MaxReferenceNumberRunes, true); err != nil {
		return Publication{}, nil, err
	}
	if p.Note, err = limitText("note", "note", "说明", in.Note, MaxPublicationNoteRunes, false); err != nil {
		return Publication{}, nil, err
	}
	p.ReportIntervalDays = in.ReportIntervalDays
	if p.ReportIntervalDays == 0 {
		p.ReportIntervalDays = DefaultReportIntervalDays
	}
	if p.ReportIntervalDays < 7 || p.ReportIntervalDays > 366 {
		return Publication{}, nil, errs.InvalidField("invalid_report_interval", "report_interval_days", "执行情况报告周期须为7至366日")
	}
	run := signOffRun{key: statementKey}
	err = s.writeDecision(ctx, actor, decisionID, requireDecisionStaff, func(tx pgx.Tx, d Decision) (err error) {
		p.ImplementingAgencyID, p.ImplementingAgencyCode = d.LeadAgencyID, d.LeadAgencyCode
		if code := strings.TrimSpace(in.ImplementingAgency); code != "" && code != d.LeadAgencyCode {
			if err := tx.QueryRow(ctx, `SELECT id, code FROM agencies WHERE code = $1 AND kind IN ('government', 'department')`, code).
				Scan(&p.ImplementingAgencyID, &p.ImplementingAgencyCode); errors.Is(err, pgx.ErrNoRows) {
				return errs.InvalidField("implementing_agency_not_found", "implementing_agency", "没有代码为“"+code+"”的执行单位")
			} else if err != nil {
				return errs.Internal(err)
			}
		}
		g, gErr := adoptedDeliberation(ctx, tx, d.ID)
		if gErr != nil && !errs.HasCode(gErr, "adopted_deliberation_required") {
			return gErr
		}
		if gErr == nil && g.VersionHash != p.VersionHash {
			return errs.Conflict("decided_version_mismatch", "公布的版本须为集体讨论通过的版本（第"+strconv.Itoa(g.VersionNumber)+"版，"+record.HashPrefix(g.VersionHash)+"…）")
		}
		if err := s.transition(ctx, tx, actor, &d, StatusPublished, map[string]any{"version_hash": p.VersionHash}); err != nil {
			return err
		}
		r, err := adoptedPartyReport(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if p.PublishedOn.Before(g.MeetingDate) {
			return invalidWithBasis("publication_before_deliberation", "published_on",
				"公布日期早于集体讨论决定的会议日期（"+peopleDate(g.MeetingDate)+"）：决策经集体讨论决定后才能公布", stageBasis[StatusPublished])
		}
		if p.PublishedOn.Before(r.ReportDate) {
			e := errs.InvalidField("publication_before_party_report", "published_on", "重大行政决策出台前应当向同级党委请示报告：公布日期早于请示报告日期（"+peopleDate(r.ReportDate)+"）")
			e.Basis = partyReportBasis
			return e
		}
		var text string
		if err := tx.QueryRow(ctx, `SELECT text FROM draft_versions WHERE id = $1`, g.VersionID).Scan(&text); err != nil {
			return errs.Internal(err)
		}
		// The adoption report of the last consultation, when there was one
		// (a decision withheld from consultation has none).
		var reportID *int64
		var reportHash *string
		err = tx.QueryRow(ctx, `SELECT id, published_hash FROM adoption_reports WHERE decision_id = $1 AND status = 'published'
			ORDER BY published_at DESC LIMIT 1`, d.ID).Scan(&reportID, &reportHash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return errs.Internal(err)
		}
		p.DecisionID, p.DeliberationID, p.PartyReportID, p.VersionID, p.VersionNumber = d.ID, g.ID, r.ID, g.VersionID, g.VersionNumber
		p.AdoptionReportID, p.AdoptionReportHash, p.PublishedBy = reportID, reportHash, actor.ID
		// What the signer signs: the whole entry but the row's id.
		content := map[string]any{
			"deliberation_id": g.ID, "party_report_id": r.ID, "version_id": g.VersionID,
			"version_number": g.VersionNumber, "text_sha256": SHA256Hex([]byte(text)), "document_number": p.DocumentNumber,
			"channels": p.Channels, "published_on": formatDate(p.PublishedOn), "effective_on": formatDate(p.EffectiveOn),
			"adoption_report_id": reportID, "adoption_report_hash": reportHash, "note": p.Note,
			"implementing_agency": p.ImplementingAgencyCode, "report_interval_days": p.ReportIntervalDays, "version_hash": p.VersionHash}
		step, id, err := s.signNewRow(ctx, tx, &run, signedStep{decisionID: d.ID, actor: actor, kind: RecordDecisionPublished, payload: content,
			versionHash: p.VersionHash}, signerAuth{recorded: true, signature: in.Signature}, "decision_publications", "publication_id")
		if err != nil {
			return err
		}
		p.ID = id
		channels, _ := json.Marshal(p.Channels)
		_, err = s.appendBound(ctx, tx, step, func(seq int64, at time.Time) (string, int64, error) {
			p.RecordSeq, p.CreatedAt = seq, at
			_, err := tx.Exec(ctx, `INSERT INTO decision_publications (id, decision_id, deliberation_id, party_report_id, version_id,
				version_hash, document_number, channels, published_on, effective_on, adoption_report_id, adoption_report_hash, note,
				published_by, record_seq, created_at, implementing_agency_id, report_interval_days)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
				p.ID, p.DecisionID, p.DeliberationID, p.PartyReportID, p.VersionID, p.VersionHash, p.DocumentNumber, channels, p.PublishedOn,
				p.EffectiveOn, p.AdoptionReportID, p.AdoptionReportHash, p.Note, p.PublishedBy, p.RecordSeq, p.CreatedAt,
				p.ImplementingAgencyID, p.ReportIntervalDays)
			return "decision_publications", p.ID, err
		})
		if err != nil {
			return err
		}
		if !p.EffectiveOn.After(today) {
			if err := s.transition(ctx, tx, actor, &d, StatusInEffect, map[string]any{"effective_on": formatDate(p.EffectiveOn)}); err != nil {
				return err
			}
		}
		return emit(ctx, tx, &d, events.DecisionPublished, events.SubjectPublication, []int64{p.ID}, p.CreatedAt, map[string]any{
			"publication_id": p.ID, "document_number": p.DocumentNumber, "published_on": formatDate(p.PublishedOn),
			"effective_on": formatDate(p.EffectiveOn)})
	})
	return statementOrResult(p, run.statement, err)
}

// BringDecisionsIntoEffect moves every published decision whose effective
// date (Asia/Shanghai) has come to in_effect, as the system, and returns
// how many it moved. The periodic job runs it; running it twice changes
// nothing. It fails only on a database error.
func (s *Service) BringDecisionsIntoEffect(ctx context.Context) (int, error) {
	ids, err := queryIDs(ctx, s.DB, `SELECT p.decision_id FROM decision_publications p JOIN decisions d ON d.id = p.decision_id
		WHERE d.status = 'published' AND p.effective_on <= $1 ORDER BY p.decision_id`, civilDate(s.now()))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
			d, err := lockDecision(ctx, tx, id)
			if err != nil || d.Status != StatusPublished {
				return err
			}
			var effective time.Time
			if err := tx.QueryRow(ctx, `SELECT effective_on FROM decision_publications WHERE decision_id = $1`, id).Scan(&effective); err != nil {
				return errs.Internal(err)
			}
			if effective.After(civilDate(s.now())) {
				return nil
			}
			n++
			return s.transition(ctx, tx, nil, &d, StatusInEffect, map[string]any{"effective_on": formatDate(effective)})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func getPublication(ctx context.Context, q querier, decisionID int64) (Publication, error) {
	rows, err := q.Query(ctx, `SELECT p.id, p.decision_id, p.deliberation_id, p.party_report_id, p.version_id, v.number, p.version_hash,
		p.document_number, p.channels, p.published_on, p.effective_on, p.adoption_report_id, p.adoption_report_hash, p.note, p.published_by,
		p.record_seq, p.created_at, v.text, a.id, a.code, a.name, p.report_interval_days
		FROM decision_publications p JOIN draft_versions v ON v.id = p.version_id JOIN decisions d ON d.id = p.decision_id
		JOIN agencies a ON a.id = coalesce(p.implementing_agency_id, d.lead_agency_id) WHERE p.decision_id = $1`, decisionID)
	if err != nil {
		return Publication{}, errs.Internal(err)
	}
	var p Publication
	var channels []byte
	n, err := pgx.ForEachRow(rows, []any{&p.ID, &p.DecisionID, &p.DeliberationID, &p.PartyReportID, &p.VersionID, &p.VersionNumber, &p.VersionHash,
		&p.DocumentNumber, &channels, &p.PublishedOn, &p.EffectiveOn, &p.AdoptionReportID, &p.AdoptionReportHash, &p.Note, &p.PublishedBy,
		&p.RecordSeq, &p.CreatedAt, &p.Text, &p.ImplementingAgencyID, &p.ImplementingAgencyCode, &p.ImplementingAgencyName,
		&p.ReportIntervalDays}, func() error { return json.Unmarshal(channels, &p.Channels) })
	if err != nil {
		return Publication{}, errs.Internal(err)
	}
	if n.RowsAffected() == 0 {
		return Publication{}, errPublicationNotFound
	}
	return p, nil
}

// GetPublication returns a published decision: the decided text, the
// channels and dates, the adopting meeting and the Party report, the number
// of implementation opinions received and any suspension. Anyone may call
// it once the decision is published; the public sees the meeting's kind,
// date and outcome but not the members' votes, dissent or minutes, and the
// Party report's date but not its reference number, which are internal
// working records. Codes: decision_not_found, publication_not_found.
func (s *Service) GetPublication(ctx context.Context, actor *identity.Account, decisionID int64) (Publication, error) {
	var out Publication
	err := inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := visibleDecision(ctx, tx, actor, decisionID)
		if err != nil {
			return err
		}
		p, err := getPublication(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		p.Status = d.Status
		internal := canSeeInternal(actor, &d)
		gs, err := queryDeliberations(ctx, tx, `g.id = $1`, p.DeliberationID)
		if err != nil || len(gs) != 1 {
			return errs.Internal(errors.Join(err, errors.New("publication without its deliberation")))
		}
		g := gs[0]
		if !internal {
			g.Members, g.Dissent, g.Minutes, g.HeadReason, g.RecordedBy = nil, nil, "", "", 0
		}
		p.Deliberation = &g
		rs, err := queryPartyReports(ctx, tx, `id = $1`, p.PartyReportID)
		if err != nil || len(rs) != 1 {
			return errs.Internal(errors.Join(err, errors.New("publication without its Party report")))
		}
		r := rs[0]
		if !internal {
			r.ReferenceNumber, r.Note, r.RecordedBy = "", "", 0
		}
		p.PartyReport = &r
		if !internal {
			p.PublishedBy = 0
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM implementation_feedback WHERE decision_id = $1`, decisionID).Scan(&p.FeedbackCount); err != nil {
			return errs.Internal(err)
		}
		var sp Suspension
		err = tx.QueryRow(ctx, `SELECT reason, suspended_by, record_seq, created_at FROM decision_suspensions WHERE decision_id = $1
			ORDER BY id DESC LIMIT 1`, decisionID).Scan(&sp.Reason, &sp.SuspendedBy, &sp.RecordSeq, &sp.CreatedAt)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return errs.Internal(err)
		default:
			if !internal {
				sp.SuspendedBy = 0
			}
			p.Suspension = &sp
		}
		out = p
		return nil
	})
	return out, err
}

// SuspensionInput is the head's decision to suspend or to lift a
// suspension.
type SuspensionInput struct {
	Reason string
	// HeadName is the head (行政首长) who decided; it must be the head in
	// the decision body's meeting composition (Art. 37 gives the decision
	// to the head alone).
	HeadName string
}

// Record kinds of lifting a suspension.
const RecordDecisionResumed RecordKind = "decision_resumed"

// requireHeadDecision checks who may record the head's decision and that
// the named head is the decision body's head.
func requireHeadDecision(ctx context.Context, tx pgx.Tx, actor *identity.Account, d *Decision, head string) (string, error) {
	switch {
	case actor == nil:
		return "", errs.Unauthenticated("authentication_required", "请先登录")
	case actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(d.DecisionBodyID):
	case !canSee(actor, d) && !actor.HasRole(identity.RoleAgencyStaff):
		return "", errDecisionNotFound
	default:
		return "", errs.Forbidden("not_decision_body_staff", "只有决策机关（记录行政首长的决定）或平台管理员可以记录中止执行或恢复执行")
	}
	head = strings.TrimSpace(cleanText(head))
	c, err := meetingComposition(ctx, tx, d.DecisionBodyID)
	if err != nil {
		return "", err
	}
	if c.Head() == "" {
		e := errs.Conflict("meeting_composition_required", "尚未登记“"+d.DecisionBodyName+"”的组成人员及行政首长，无法核对作出决定的是否为行政首长")
		e.Basis = suspensionBasis
		return "", e
	}
	if head == "" || head != c.Head() {
		return "", invalidWithBasis("suspension_not_by_head", "head_name",
			"中止执行（或恢复执行）由决策机关行政首长决定，须写明作出决定的行政首长“"+c.Head()+"”（《重大行政决策程序暂行条例》第三十七条）", suspensionBasis)
	}
	return head, nil
}

// SuspendDecision records the head's decision to suspend the execution of
// a published decision with a reason (中止执行, Decree 713 Art. 37: 决策机关
// 行政首长可以先决定中止执行). Staff of the decision body (or admins) record
// it, naming the head, who must be the head of the body's meeting
// composition. Codes: decision_not_found, not_decision_body_staff,
// suspension_reason_required, suspension_reason_too_long,
// suspension_not_by_head (422), meeting_composition_required,
// decision_not_in_effect (409).
func (s *Service) SuspendDecision(ctx context.Context, actor *identity.Account, decisionID int64, in SuspensionInput) (Decision, error) {
	return s.headDecision(ctx, actor, decisionID, in, "中止执行的理由", func(tx pgx.Tx, d *Decision, reason, head string) error {
		if d.Status != StatusPublished && d.Status != StatusInEffect {
			return errs.Conflict("decision_not_in_effect", "决策事项处于"+StatusNames[d.Status]+"阶段，只有已公布或实施中的决策可以中止执行")
		}
		if err := s.transition(ctx, tx, actor, d, StatusSuspended, map[string]any{"reason": reason, "basis": suspensionBasis}); err != nil {
			return err
		}
		e, err := s.appendRecord(ctx, tx, d.ID, actor, RecordDecisionSuspended, map[string]any{"reason": reason, "head": head})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO decision_suspensions (decision_id, reason, suspended_by, record_seq, created_at, decided_by_head)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, reason, actor.ID, e.Seq, e.RecordedAt, head); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
}

// ResumeDecision records the head's decision to lift a suspension (Decree
// 713 Art. 37): the decision is in effect again. The same people as
// SuspendDecision may call it. Codes: decision_not_found,
// not_decision_body_staff, suspension_reason_required,
// suspension_reason_too_long, suspension_not_by_head (422),
// meeting_composition_required, decision_not_suspended (409).
func (s *Service) ResumeDecision(ctx context.Context, actor *identity.Account, decisionID int64, in SuspensionInput) (Decision, error) {
	return s.headDecision(ctx, actor, decisionID, in, "恢复执行的理由", func(tx pgx.Tx, d *Decision, reason, head string) error {
		if d.Status != StatusSuspended {
			return errs.Conflict("decision_not_suspended", "决策事项处于"+StatusNames[d.Status]+"阶段，只有中止执行的决策可以恢复执行")
		}
		e, err := s.appendRecord(ctx, tx, d.ID, actor, RecordDecisionResumed, map[string]any{"reason": reason, "head": head})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO decision_resumptions (decision_id, reason, decided_by_head, recorded_by, record_seq, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, reason, head, actor.ID, e.Seq, e.RecordedAt); err != nil {
			return errs.Internal(err)
		}
		return s.transition(ctx, tx, actor, d, StatusInEffect, map[string]any{"reason": reason, "basis": suspensionBasis})
	})
}

// SuspensionStands reports whether the head's latest suspension of the
// decision (Decree 713 Art. 37) has not been lifted by a resumption. A
// post-evaluation started during a suspension ends in it again: only the
// head lifts it. For the implementation package, inside its transaction.
func SuspensionStands(ctx context.Context, tx pgx.Tx, decisionID int64) (bool, error) {
	var stands bool
	err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT max(record_seq) FROM decision_suspensions WHERE decision_id = $1), 0) >
		COALESCE((SELECT max(record_seq) FROM decision_resumptions WHERE decision_id = $1), 0)`, decisionID).Scan(&stands)
	if err != nil {
		return false, errs.Internal(err)
	}
	return stands, nil
}

// headDecision records a head's decision on a decision in force (suspend
// or resume, Decree 713 Art. 37): the reason (labelled for its error) is
// checked, the head verified, and step checks the stage and writes; the
// decision is returned as it is afterwards.
func (s *Service) headDecision(ctx context.Context, actor *identity.Account, decisionID int64, in SuspensionInput, reasonLabel string,
	step func(tx pgx.Tx, d *Decision, reason, head string) error) (Decision, error) {
	reason, err := limitText("reason", "suspension_reason", reasonLabel, in.Reason, MaxSuspensionReasonRunes, true)
	if err != nil {
		return Decision{}, err
	}
	var out Decision
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := lockDecision(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		head, err := requireHeadDecision(ctx, tx, actor, &d, in.HeadName)
		if err != nil {
			return err
		}
		if err := step(tx, &d, reason, head); err != nil {
			return err
		}
		out, err = lockDecision(ctx, tx, d.ID)
		return err
	})
	return out, err
}
