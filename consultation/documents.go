package consultation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// DocumentKind is the kind of a procedure document (程序性文件): the record
// of a step of Decree 713 other than the public consultation itself.
type DocumentKind string

// The kinds of procedure document.
const (
	DocExpertArgumentation     DocumentKind = "expert_argumentation"     // 专家论证, Art. 19–21
	DocRiskAssessment          DocumentKind = "risk_assessment"          // 风险评估, Art. 22–24
	DocStakeholderConsultation DocumentKind = "stakeholder_consultation" // 听取利益相关方意见, Art. 14
	DocHearingRecord           DocumentKind = "hearing_record"           // 听证, Art. 16–18
	DocFairCompetitionReview   DocumentKind = "fair_competition_review"  // 公平竞争审查
)

// DocumentKinds lists the kinds in display order.
var DocumentKinds = []DocumentKind{DocExpertArgumentation, DocRiskAssessment, DocStakeholderConsultation, DocHearingRecord, DocFairCompetitionReview}

// DocumentKindNames are the Chinese names of the kinds.
var DocumentKindNames = map[DocumentKind]string{
	DocExpertArgumentation: "专家论证", DocRiskAssessment: "风险评估", DocStakeholderConsultation: "听取利益相关方意见",
	DocHearingRecord: "听证", DocFairCompetitionReview: "公平竞争审查",
}

// ProcedureDocument is a stored procedure document. It is tied to the draft
// version that was current when it was added and never changes afterwards.
type ProcedureDocument struct {
	ID            int64
	DecisionID    int64
	VersionID     int64
	VersionNumber int
	VersionHash   string // content hash of that draft version
	Kind          DocumentKind
	// Content is the validated content as canonical JSON; ContentHash is its
	// SHA-256, as recorded in the process record.
	Content     json.RawMessage
	ContentHash string
	CreatedBy   int64
	CreatedAt   time.Time
	Attachments []Attachment
}

// ProcedureDocumentInput is a procedure document to add: its kind, the
// kind-specific content as a JSON object, and files (signed opinions,
// reports, minutes) under the rules of draft-version attachments.
type ProcedureDocumentInput struct {
	Kind        DocumentKind
	Content     json.RawMessage
	Attachments []AttachmentInput
}

// Limits of a procedure document's content. Its files follow the limits of
// draft-version attachments (MaxAttachmentSize, MaxAttachmentsPerVersion).
const (
	maxDocumentShortText       = 200
	maxDocumentLongText        = 20000
	maxDocumentListItems       = 500
	documentDateLayout         = "2006-01-02"
	documentContentFieldPrefix = "content."
)

// documentContent is implemented by the content type of each kind.
type documentContent interface {
	// check trims the content and reports every invalid field.
	check(v *docValidator)
}

func newDocumentContent(k DocumentKind) documentContent {
	switch k {
	case DocExpertArgumentation:
		return &ExpertArgumentation{}
	case DocRiskAssessment:
		return &RiskAssessment{}
	case DocStakeholderConsultation:
		return &StakeholderConsultation{}
	case DocHearingRecord:
		return &HearingRecord{}
	case DocFairCompetitionReview:
		return &FairCompetitionReview{}
	}
	return nil
}

// docValidator collects the field errors of one document.
type docValidator struct {
	today  string // YYYY-MM-DD in Asia/Shanghai
	fields []errs.FieldError
	code   string // a more specific code than invalid_procedure_document
	basis  string
}

func (v *docValidator) add(field, msg string) {
	v.fields = append(v.fields, errs.FieldError{Field: documentContentFieldPrefix + field, Message: msg})
}

// text trims *s and checks it is present (when required) and not too long.
func (v *docValidator) text(field string, s *string, name string, required bool, max int) {
	*s = strings.TrimSpace(*s)
	switch {
	case required && *s == "":
		v.add(field, "请填写"+name)
	case utf8.RuneCountInString(*s) > max:
		v.add(field, fmt.Sprintf("%s不能超过%d字", name, max))
	case strings.ContainsFunc(*s, invalidTextRune):
		// PostgreSQL's jsonb cannot hold NUL, and no form produces control
		// characters other than line breaks and tabs.
		v.add(field, name+"包含无效字符")
	}
}

func invalidTextRune(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
}

// date checks a calendar date that has already happened (a record of a
// step cannot be dated in the future).
func (v *docValidator) date(field string, s *string, name string) {
	*s = strings.TrimSpace(*s)
	if *s == "" {
		v.add(field, "请填写"+name)
		return
	}
	if _, err := time.Parse(documentDateLayout, *s); err != nil {
		v.add(field, name+"格式应为 YYYY-MM-DD")
		return
	}
	if *s > v.today {
		v.add(field, name+"不能晚于今天")
	}
}

func (v *docValidator) count(field string, n int, name string, min int) bool {
	switch {
	case n < min:
		v.add(field, fmt.Sprintf("%s至少%d项", name, min))
		return false
	case n > maxDocumentListItems:
		v.add(field, fmt.Sprintf("%s不能超过%d项", name, maxDocumentListItems))
		return false
	}
	return true
}

func (v *docValidator) oneOf(field, value, name string, allowed map[string]string) {
	if _, ok := allowed[value]; !ok {
		v.add(field, "请选择"+name)
	}
}

// ExpertArgumentation is the record of an expert argumentation (专家论证,
// Decree 713 Art. 19–21). The signed opinion is a required attachment.
type ExpertArgumentation struct {
	Topic           string           `json:"topic"`
	Date            string           `json:"date"`
	Experts         []Expert         `json:"experts"`
	OpinionSummary  string           `json:"opinion_summary"`
	DissentingViews []DissentingView `json:"dissenting_views"`
}

// Expert is one expert (or professional body) consulted.
type Expert struct {
	Name        string `json:"name"`
	Affiliation string `json:"affiliation"`
	Field       string `json:"field"`
	// ConflictOfInterestDeclared records that the expert declared whether
	// they have a direct interest in the matter: Art. 20 forbids choosing
	// experts with a direct interest, and only a declaration lets the lead
	// unit show it checked.
	ConflictOfInterestDeclared bool   `json:"conflict_of_interest_declared"`
	ConflictOfInterestNote     string `json:"conflict_of_interest_note"`
}

// DissentingView is a view an expert held against the majority opinion;
// Art. 20 asks for experts of differing views, so their dissent is kept.
type DissentingView struct {
	Expert string `json:"expert"`
	View   string `json:"view"`
}

func (c *ExpertArgumentation) check(v *docValidator) {
	v.text("topic", &c.Topic, "论证事项", true, maxDocumentShortText)
	v.date("date", &c.Date, "论证日期")
	// Decree 713 fixes no number of experts (some local rules ask for three
	// or more); one is the least that makes an argumentation, and the list
	// is shown with the record so the number can be judged.
	if c.Experts == nil {
		c.Experts = []Expert{}
	}
	names := map[string]bool{}
	if v.count("experts", len(c.Experts), "参加论证的专家", 1) {
		for i := range c.Experts {
			e := &c.Experts[i]
			p := fmt.Sprintf("experts[%d].", i)
			v.text(p+"name", &e.Name, "专家姓名", true, maxDocumentShortText)
			v.text(p+"affiliation", &e.Affiliation, "专家所在单位", true, maxDocumentShortText)
			v.text(p+"field", &e.Field, "专业领域", true, maxDocumentShortText)
			v.text(p+"conflict_of_interest_note", &e.ConflictOfInterestNote, "利益冲突说明", false, maxDocumentLongText)
			if !e.ConflictOfInterestDeclared {
				v.add(p+"conflict_of_interest_declared", "专家须声明与决策事项有无直接利害关系（条例第二十条）")
				if v.code == "" {
					v.code, v.basis = "expert_conflict_declaration_missing", "Decree 713 Art. 20"
				}
			}
			names[e.Name] = true
		}
	}
	v.text("opinion_summary", &c.OpinionSummary, "论证意见摘要", true, maxDocumentLongText)
	if c.DissentingViews == nil {
		c.DissentingViews = []DissentingView{}
	}
	if v.count("dissenting_views", len(c.DissentingViews), "不同意见", 0) {
		for i := range c.DissentingViews {
			d := &c.DissentingViews[i]
			p := fmt.Sprintf("dissenting_views[%d].", i)
			v.text(p+"expert", &d.Expert, "持不同意见的专家", true, maxDocumentShortText)
			if d.Expert != "" && !names[d.Expert] {
				v.add(p+"expert", "持不同意见的专家须是参加论证的专家之一")
			}
			v.text(p+"view", &d.View, "不同意见", true, maxDocumentLongText)
		}
	}
}

// RiskConclusion is the conclusion of a risk assessment (Decree 713 Art. 24).
type RiskConclusion string

// The conclusions.
const (
	RiskControllable    RiskConclusion = "controllable"     // 风险可控
	RiskNotControllable RiskConclusion = "not_controllable" // 风险不可控
)

var riskConclusions = map[string]string{string(RiskControllable): "风险可控", string(RiskNotControllable): "风险不可控"}

// RiskLevels name the likelihood and impact of a risk point.
var RiskLevels = map[string]string{"high": "高", "medium": "中", "low": "低"}

// RiskAssessment is the record of a social-stability risk assessment
// (社会稳定风险评估, Decree 713 Art. 22–24).
type RiskAssessment struct {
	Date            string         `json:"date"`
	Assessor        string         `json:"assessor"` // the lead unit or the commissioned body (Art. 22)
	Method          string         `json:"method"`   // 问卷调查、座谈、走访… (Art. 22)
	RiskPoints      []RiskPoint    `json:"risk_points"`
	Measures        string         `json:"measures"`
	ContingencyPlan string         `json:"contingency_plan"`
	Conclusion      RiskConclusion `json:"conclusion"`
}

// RiskPoint is one identified risk.
type RiskPoint struct {
	Description string `json:"description"`
	Likelihood  string `json:"likelihood"` // high, medium, low
	Impact      string `json:"impact"`     // high, medium, low
}

func (c *RiskAssessment) check(v *docValidator) {
	v.date("date", &c.Date, "评估日期")
	v.text("assessor", &c.Assessor, "评估主体", true, maxDocumentShortText)
	v.text("method", &c.Method, "评估方式", true, maxDocumentShortText)
	if c.RiskPoints == nil {
		c.RiskPoints = []RiskPoint{}
	}
	// An assessment names the risks it weighed; "none found" is stated as
	// low-likelihood points rather than an empty list.
	if v.count("risk_points", len(c.RiskPoints), "风险点", 1) {
		for i := range c.RiskPoints {
			r := &c.RiskPoints[i]
			p := fmt.Sprintf("risk_points[%d].", i)
			v.text(p+"description", &r.Description, "风险点描述", true, maxDocumentLongText)
			r.Likelihood, r.Impact = strings.TrimSpace(r.Likelihood), strings.TrimSpace(r.Impact)
			v.oneOf(p+"likelihood", r.Likelihood, "发生可能性（high、medium、low）", RiskLevels)
			v.oneOf(p+"impact", r.Impact, "影响程度（high、medium、low）", RiskLevels)
		}
	}
	v.text("measures", &c.Measures, "风险防范化解措施", true, maxDocumentLongText)
	v.text("contingency_plan", &c.ContingencyPlan, "处置预案", true, maxDocumentLongText)
	v.oneOf("conclusion", string(c.Conclusion), "评估结论（controllable 风险可控、not_controllable 风险不可控）", riskConclusions)
}

// StakeholderConsultation is the record of hearing the groups a decision
// particularly affects (与利益相关群体沟通协商, Decree 713 Art. 14).
type StakeholderConsultation struct {
	Groups           []string `json:"groups"`
	Method           string   `json:"method"` // 座谈会、书面征求意见、实地走访…
	Date             string   `json:"date"`
	ParticipantCount int      `json:"participant_count"`
	ViewsSummary     string   `json:"views_summary"`
	Response         string   `json:"response"`
}

func (c *StakeholderConsultation) check(v *docValidator) {
	if c.Groups == nil {
		c.Groups = []string{}
	}
	if v.count("groups", len(c.Groups), "听取意见的群体", 1) {
		for i := range c.Groups {
			v.text(fmt.Sprintf("groups[%d]", i), &c.Groups[i], "群体名称", true, maxDocumentShortText)
		}
	}
	v.text("method", &c.Method, "听取意见的方式", true, maxDocumentShortText)
	v.date("date", &c.Date, "日期")
	if c.ParticipantCount < 1 {
		v.add("participant_count", "请填写参加人数（至少1人）")
	}
	v.text("views_summary", &c.ViewsSummary, "意见摘要", true, maxDocumentLongText)
	v.text("response", &c.Response, "意见处理和回应情况", true, maxDocumentLongText)
}

// HearingRecord is the record of a hearing (听证会, Decree 713 Art. 16–18).
type HearingRecord struct {
	Date                 string               `json:"date"`
	Place                string               `json:"place"`
	PresidingOfficer     string               `json:"presiding_officer"`
	ParticipantSelection string               `json:"participant_selection"` // how participants were chosen (Art. 17)
	Participants         []HearingParticipant `json:"participants"`
	MainViews            string               `json:"main_views"`
	RecordSummary        string               `json:"record_summary"`
}

// HearingParticipant is one participant of a hearing and in what capacity
// they took part (e.g. 利害关系人代表、专家、人大代表).
type HearingParticipant struct {
	Name     string `json:"name"`
	Capacity string `json:"capacity"`
}

func (c *HearingRecord) check(v *docValidator) {
	v.date("date", &c.Date, "听证日期")
	v.text("place", &c.Place, "听证地点", true, maxDocumentShortText)
	v.text("presiding_officer", &c.PresidingOfficer, "听证主持人", true, maxDocumentShortText)
	v.text("participant_selection", &c.ParticipantSelection, "听证参加人遴选方式", true, maxDocumentLongText)
	if c.Participants == nil {
		c.Participants = []HearingParticipant{}
	}
	if v.count("participants", len(c.Participants), "听证参加人", 1) {
		for i := range c.Participants {
			p := fmt.Sprintf("participants[%d].", i)
			v.text(p+"name", &c.Participants[i].Name, "参加人姓名", true, maxDocumentShortText)
			v.text(p+"capacity", &c.Participants[i].Capacity, "参加人身份", true, maxDocumentShortText)
		}
	}
	v.text("main_views", &c.MainViews, "主要观点", true, maxDocumentLongText)
	v.text("record_summary", &c.RecordSummary, "听证笔录摘要", true, maxDocumentLongText)
}

// FairCompetitionConclusion is the conclusion of a fair-competition review.
type FairCompetitionConclusion string

// The conclusions. A measure that restricts competition may still be issued
// under an exception of the Fair Competition Review Regulations (Art. 12)
// or after it was revised; one that does not comply may not.
const (
	FairCompetitionCompliant    FairCompetitionConclusion = "compliant"                // 符合公平竞争审查标准
	FairCompetitionRevised      FairCompetitionConclusion = "compliant_after_revision" // 经修改后符合
	FairCompetitionException    FairCompetitionConclusion = "exception_applies"        // 适用例外规定
	FairCompetitionNonCompliant FairCompetitionConclusion = "not_compliant"            // 不符合，不得出台
)

const fairCompetitionConclusionChoice = "审查结论（compliant、compliant_after_revision、exception_applies、not_compliant）"

var fairCompetitionConclusions = map[string]string{
	string(FairCompetitionCompliant): "符合公平竞争审查标准", string(FairCompetitionRevised): "经修改后符合公平竞争审查标准",
	string(FairCompetitionException): "适用例外规定", string(FairCompetitionNonCompliant): "不符合公平竞争审查标准",
}

// FairCompetitionReview is the record of a fair-competition review
// (公平竞争审查) of a decision that concerns market activity.
type FairCompetitionReview struct {
	ReviewerUnit string                    `json:"reviewer_unit"`
	Date         string                    `json:"date"`
	Conclusion   FairCompetitionConclusion `json:"conclusion"`
	Reasoning    string                    `json:"reasoning"`
}

func (c *FairCompetitionReview) check(v *docValidator) {
	v.text("reviewer_unit", &c.ReviewerUnit, "审查单位", true, maxDocumentShortText)
	v.date("date", &c.Date, "审查日期")
	v.oneOf("conclusion", string(c.Conclusion), fairCompetitionConclusionChoice, fairCompetitionConclusions)
	v.text("reasoning", &c.Reasoning, "审查理由", true, maxDocumentLongText)
}

// parseDocumentContent decodes and validates the content of a kind and
// returns it as canonical JSON.
func parseDocumentContent(kind DocumentKind, raw json.RawMessage, today string) ([]byte, error) {
	c := newDocumentContent(kind)
	if c == nil {
		return nil, &errs.Error{Kind: errs.KindInvalid, Code: "invalid_document_kind",
			Message: "程序性文件类型无效，应为 expert_argumentation、risk_assessment、stakeholder_consultation、hearing_record 或 fair_competition_review",
			Fields:  []errs.FieldError{{Field: "kind", Message: "程序性文件类型无效"}}}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errs.InvalidField("invalid_procedure_document", "content", "请按文件类型填写内容（JSON 对象）")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return nil, contentDecodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.InvalidField("invalid_procedure_document", "content", "内容不是单个 JSON 对象")
	}
	v := &docValidator{today: today}
	c.check(v)
	// A missing conflict-of-interest declaration is named by its own code
	// (the rule of Art. 20) even when other fields are wrong too; every
	// field is still listed.
	if len(v.fields) > 0 {
		e := &errs.Error{Kind: errs.KindInvalid, Code: "invalid_procedure_document", Message: DocumentKindNames[kind] + "内容不完整或有误", Fields: v.fields}
		if v.code != "" {
			e.Code, e.Basis = v.code, v.basis
			e.Message = "每位论证专家都须声明与决策事项有无直接利害关系"
		}
		return nil, e
	}
	out, err := CanonicalJSON(c)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// contentDecodeError names the field of a JSON decoding error.
func contentDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := "content"
		if te.Field != "" {
			field += "." + te.Field
		}
		return errs.InvalidField("invalid_procedure_document", field, "字段类型不正确")
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return errs.InvalidField("invalid_procedure_document", "content."+name, "该文件类型没有此字段")
	}
	return errs.InvalidField("invalid_procedure_document", "content", "内容不是有效的 JSON 对象")
}

// documentStageAllowed reports whether procedure documents may still be
// added: up to the legality review, which may ask for more material
// (要求补充). Once the decision is deliberated, what it rested on is fixed.
func documentStageAllowed(s Status) bool {
	switch s {
	case StatusDrafting, StatusConsulting, StatusHandling, StatusUnderReview:
		return true
	}
	return false
}

// AddProcedureDocument validates a procedure document, stores it with its
// files tied to the decision's current draft version, and appends a
// procedure_document_added entry (kind, canonical content and its hash,
// version number and hash, file SHA-256s) to the process record, all in one
// transaction. Only staff of the lead unit may call it, and only before
// deliberation. Codes: decision_not_found, not_lead_unit_staff,
// document_not_allowed_in_stage, invalid_document_kind,
// invalid_procedure_document, expert_conflict_declaration_missing,
// signed_opinion_required, too_many_attachments,
// invalid_attachment_filename, attachment_too_large (413),
// attachment_type_not_allowed, draft_version_required.
func (s *Service) AddProcedureDocument(ctx context.Context, actor *identity.Account, decisionID int64, in ProcedureDocumentInput) (ProcedureDocument, error) {
	var out ProcedureDocument
	err := s.writeDecision(ctx, actor, decisionID, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		if !documentStageAllowed(d.Status) {
			return errs.Conflict("document_not_allowed_in_stage", "决策事项处于"+StatusNames[d.Status]+"阶段，不能再添加程序性文件")
		}
		now := s.now().Truncate(time.Microsecond)
		content, err := parseDocumentContent(in.Kind, in.Content, now.In(workday.Location()).Format(documentDateLayout))
		if err != nil {
			return err
		}
		if len(in.Attachments) > MaxAttachmentsPerVersion {
			return errs.InvalidField("too_many_attachments", "attachments", fmt.Sprintf("每份程序性文件最多上传%d个附件", MaxAttachmentsPerVersion))
		}
		files, err := prepareAttachments(in.Attachments)
		if err != nil {
			return err
		}
		// Art. 20: the experts' opinions are signed; the signed opinion is
		// the evidence, the summary only describes it.
		if in.Kind == DocExpertArgumentation && len(files) == 0 {
			return &errs.Error{Kind: errs.KindInvalid, Code: "signed_opinion_required", Basis: "Decree 713 Art. 20",
				Message: "专家论证须上传经专家签字的论证意见（PDF 或图片）",
				Fields:  []errs.FieldError{{Field: "attachments", Message: "请上传经专家签字的论证意见"}}}
		}
		var versionID int64
		var versionNumber int
		var versionHash string
		err = tx.QueryRow(ctx, `SELECT id, number, content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`, decisionID).
			Scan(&versionID, &versionNumber, &versionHash)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Conflict("draft_version_required", "请先上传决策草案：程序性文件须对应具体的草案版本")
		}
		if err != nil {
			return errs.Internal(err)
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO procedure_documents (decision_id, version_id, kind, content, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, decisionID, versionID, in.Kind, string(content), actor.ID, now).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		out = ProcedureDocument{ID: id, DecisionID: decisionID, VersionID: versionID, VersionNumber: versionNumber, VersionHash: versionHash,
			Kind: in.Kind, Content: content, ContentHash: SHA256Hex(content), CreatedBy: actor.ID, CreatedAt: now,
			Attachments: []Attachment{}}
		digests := make([]map[string]any, 0, len(files))
		for _, f := range files {
			a, err := s.storeAttachment(ctx, tx, actor, decisionID, nil, &id, f)
			if err != nil {
				return err
			}
			out.Attachments = append(out.Attachments, a)
			digests = append(digests, map[string]any{"attachment_id": a.ID, "filename": a.Filename, "content_type": a.ContentType,
				"size": a.Size, "sha256": a.SHA256})
		}
		ev, err := bind(ctx, tx, "procedure_documents", id)
		if err != nil {
			return err
		}
		_, err = s.appendRecord(ctx, tx, decisionID, actor, RecordProcedureDocument, map[string]any{
			"document_id": id, "kind": in.Kind, "content": json.RawMessage(content), "content_hash": out.ContentHash,
			"version_id": versionID, "version_number": versionNumber, "version_hash": versionHash, "attachments": digests}, ev...)
		return err
	})
	return out, err
}

// DocumentFilter narrows ListProcedureDocuments.
type DocumentFilter struct {
	Kind   DocumentKind // empty: every kind
	Limit  int
	Cursor string
}

// ListProcedureDocuments lists a decision's procedure documents oldest
// first, with their files' descriptions. They are internal working material
// until a later step publishes them with the decision, so only those who may
// see the decision internally may call it; others who can see the public
// decision get 403, and those who cannot see it 404. Codes:
// decision_not_found, procedure_documents_not_public,
// invalid_document_kind, invalid_cursor.
func (s *Service) ListProcedureDocuments(ctx context.Context, actor *identity.Account, decisionID int64, f DocumentFilter) ([]ProcedureDocument, string, error) {
	if f.Kind != "" && DocumentKindNames[f.Kind] == "" {
		return nil, "", errs.InvalidField("invalid_document_kind", "kind", "程序性文件类型无效")
	}
	after, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := cursor.Limit(f.Limit)
	var docs []ProcedureDocument
	err = inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := internalDecision(ctx, tx, actor, decisionID,
			errs.Forbidden("procedure_documents_not_public", "程序性文件是内部工作材料，决策公布前不对外公开")); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT p.id, p.decision_id, coalesce(p.version_id, 0), coalesce(v.number, 0), coalesce(v.content_hash, ''),
			p.kind, p.content::text, p.created_by, p.created_at
			FROM procedure_documents p LEFT JOIN draft_versions v ON v.id = p.version_id
			WHERE p.decision_id = $1 AND p.id > $2 AND ($3 = '' OR p.kind = $3)
			ORDER BY p.id LIMIT $4`, decisionID, after, string(f.Kind), limit+1)
		if err != nil {
			return errs.Internal(err)
		}
		docs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProcedureDocument, error) {
			var p ProcedureDocument
			var content string
			err := r.Scan(&p.ID, &p.DecisionID, &p.VersionID, &p.VersionNumber, &p.VersionHash, &p.Kind, &content, &p.CreatedBy, &p.CreatedAt)
			if err != nil {
				return p, err
			}
			// jsonb reorders keys; re-canonicalising gives back exactly the
			// bytes that were hashed and recorded.
			p.Content, err = CanonicalJSON(json.RawMessage(content))
			p.ContentHash = SHA256Hex(p.Content)
			p.Attachments = []Attachment{}
			return p, err
		})
		if err != nil {
			return errs.Internal(err)
		}
		if len(docs) == 0 {
			return nil
		}
		ids := make([]int64, len(docs))
		byID := make(map[int64]*ProcedureDocument, len(docs))
		for i := range docs {
			ids[i] = docs[i].ID
			byID[docs[i].ID] = &docs[i]
		}
		atts, err := pgrows.All[Attachment](ctx, tx, `SELECT `+attachmentColumns+` FROM attachments
			WHERE procedure_document_id = ANY ($1) ORDER BY id`, ids)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if p := byID[*a.ProcedureDocumentID]; p != nil {
				p.Attachments = append(p.Attachments, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = cursor.Encode(docs[len(docs)-1].ID)
	}
	if docs == nil {
		docs = []ProcedureDocument{}
	}
	return docs, next, nil
}
