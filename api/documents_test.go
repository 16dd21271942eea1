package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// docEnv is a city with a lead unit (市发改委), another department and a
// resident, and decisions of the lead unit.
type docEnv struct {
	e                    *testenv.Env
	staff                identity.Account
	staffTok, otherTok   string
	residentTok, revTok  string
	drafting, inHandling int64
}

// docsPath is the procedure documents of a decision.
func docsPath(decisionID int64) string {
	return fmt.Sprintf("/decisions/%d/procedure-documents", decisionID)
}

func newDocEnv(t *testing.T) *docEnv {
	t.Helper()
	e := newCity(t, "pdsszf", "fgw", "jyj", "sfj")
	de := &docEnv{e: e}
	de.staff, _ = e.Account(identity.RoleAgencyStaff, "fgw")
	other, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	resident, _ := e.Account(identity.RoleResident, "")
	reviewer, _ := e.Account(identity.RoleReviewer, "sfj")
	de.drafting = de.decision(t, func(in *consultation.DecisionInput) { in.Technical = true })
	de.inHandling = de.decision(t, func(in *consultation.DecisionInput) { in.StabilityRisk = true })
	ctx := context.Background()
	e.OpenConsultation(&de.staff, de.inHandling, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	e.Clock.Advance(consultation.MinConsultationWindow + 1)
	if _, err := e.Consultation.CloseDueConsultations(ctx); err != nil {
		t.Fatal(err)
	}
	// Sign in after the clock moved past the consultation, so the
	// sessions have not expired.
	signIn := func(a identity.Account) string {
		s, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: *a.Phone, Password: testenv.Password, ClientAddr: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	de.staffTok, de.otherTok, de.residentTok, de.revTok = signIn(de.staff), signIn(other), signIn(resident), signIn(reviewer)
	return de
}

// decision creates a drafting decision with one draft version.
func (de *docEnv) decision(t *testing.T, edit func(*consultation.DecisionInput)) int64 {
	t.Helper()
	in := consultation.DecisionInput{Title: "平顶山市城区居民用水阶梯价格调整方案", Category: consultation.CategoryPublicServices,
		Domain: consultation.DomainPublicUtilities, DecisionBody: "pdsszf", LeadAgency: "fgw"}
	edit(&in)
	d, _ := draftDecision(t, de.e, &de.staff, in, consultation.DraftVersionInput{
		Text: "第一条 为促进节约用水，制定本方案。\n第二条 本方案适用于城区居民生活用水。", Explanation: "起草说明。"})
	return d.ID
}

var signedPDF = []byte("%PDF-1.7\n% 专家签字页\n%%EOF\n")

func expertArgumentationBody(declared bool) map[string]any {
	return map[string]any{
		"kind": "expert_argumentation",
		"content": map[string]any{"topic": "阶梯水价分档水量的测算", "date": "2025-03-02",
			"experts": []any{
				map[string]any{"name": "王立新", "affiliation": "郑州大学水利学院", "field": "水资源经济", "conflict_of_interest_declared": true},
				map[string]any{"name": "李芳", "affiliation": "河南财经政法大学", "field": "价格管理", "conflict_of_interest_declared": declared},
			},
			"opinion_summary": "测算方法合理。", "dissenting_views": []any{map[string]any{"expert": "李芳", "view": "低保户减免应单列。"}}},
		"attachments": []any{map[string]any{"filename": "论证意见.pdf", "content_type": "application/pdf",
			"data": base64.StdEncoding.EncodeToString(signedPDF)}},
	}
}

func riskAssessmentBody(conclusion string) map[string]any {
	return map[string]any{"kind": "risk_assessment", "content": map[string]any{"date": "2025-03-05", "assessor": "市社会稳定风险评估中心",
		"method": "问卷调查、座谈", "risk_points": []any{map[string]any{"description": "低收入家庭负担增加", "likelihood": "medium", "impact": "high"}},
		"measures": "低保户减免。", "contingency_plan": "设立咨询热线。", "conclusion": conclusion}}
}

type docView struct {
	ID            int64          `json:"id"`
	Kind          string         `json:"kind"`
	KindName      string         `json:"kind_name"`
	VersionNumber int            `json:"version_number"`
	VersionHash   string         `json:"version_hash"`
	Content       map[string]any `json:"content"`
	ContentHash   string         `json:"content_hash"`
	Attachments   []struct {
		ID     int64  `json:"id"`
		SHA256 string `json:"sha256"`
		URL    string `json:"url"`
	} `json:"attachments"`
}

func TestAddProcedureDocument(t *testing.T) {
	de := newDocEnv(t)
	e := de.e
	path := docsPath(de.drafting)
	r := e.Do("POST", path, de.staffTok, expertArgumentationBody(true)).Expect(t, 201, "")
	var doc docView
	r.JSON(t, &doc)
	sum := sha256.Sum256(signedPDF)
	if doc.Kind != "expert_argumentation" || doc.KindName != "专家论证" || doc.VersionNumber != 1 || doc.VersionHash == "" ||
		len(doc.Attachments) != 1 || doc.Attachments[0].SHA256 != hex.EncodeToString(sum[:]) || doc.Content["topic"] != "阶梯水价分档水量的测算" {
		t.Fatalf("document: %s", r.Body)
	}
	// The signed opinion is served to the lead unit, never to the public.
	e.Do("GET", doc.Attachments[0].URL, de.staffTok, nil).Expect(t, 200, "")
	e.Do("GET", doc.Attachments[0].URL, de.residentTok, nil).Expect(t, 404, "")

	var list struct {
		Documents []docView `json:"documents"`
	}
	e.Do("GET", path, de.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Documents) != 1 || list.Documents[0].ContentHash != doc.ContentHash || list.Documents[0].Attachments[0].SHA256 != doc.Attachments[0].SHA256 {
		t.Fatalf("list: %+v", list)
	}
	// A reviewer sees it only once it is submitted to their department
	// (issue 15, finding 5).
	e.Do("GET", path, de.revTok, nil).Expect(t, 404, "decision_not_found")

	var payload string
	if err := e.DB.QueryRow(context.Background(), `SELECT payload FROM record_entries WHERE decision_id = $1 AND kind = 'procedure_document_added'`,
		de.drafting).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(payload, doc.ContentHash) || !strings.Contains(payload, doc.Attachments[0].SHA256) || !strings.Contains(payload, doc.VersionHash) {
		t.Fatalf("record payload lacks hashes: %s", payload)
	}
}

func TestAddProcedureDocumentRefusals(t *testing.T) {
	de := newDocEnv(t)
	e := de.e
	drafting, handling := docsPath(de.drafting), docsPath(de.inHandling)
	missingTopic := expertArgumentationBody(true)
	delete(missingTopic["content"].(map[string]any), "topic")
	noOpinion := expertArgumentationBody(true)
	delete(noOpinion, "attachments")
	tooLarge := riskAssessmentBody("controllable")
	tooLarge["attachments"] = []any{map[string]any{"filename": "报告.pdf",
		"data": base64.StdEncoding.EncodeToString(append([]byte("%PDF-"), make([]byte, consultation.MaxAttachmentSize)...))}}
	cases := []struct {
		name   string
		path   string
		token  string
		body   any
		status int
		code   string
		field  string
	}{
		{"Anonymous", drafting, "", riskAssessmentBody("controllable"), 401, "", ""},
		{"Resident", handling, de.residentTok, riskAssessmentBody("controllable"), 403, "", ""},
		{"OtherAgencyPublic", handling, de.otherTok, riskAssessmentBody("controllable"), 403, "not_lead_unit_staff", ""},
		{"OtherAgencyDraft", drafting, de.otherTok, riskAssessmentBody("controllable"), 403, "not_lead_unit_staff", ""},
		{"Reviewer", handling, de.revTok, riskAssessmentBody("controllable"), 403, "", ""},
		{"MissingDecision", "/decisions/999999/procedure-documents", de.staffTok, riskAssessmentBody("controllable"), 404, "decision_not_found", ""},
		{"UnknownKind", drafting, de.staffTok, map[string]any{"kind": "minutes", "content": map[string]any{}}, 422, "invalid_document_kind", "body.kind"},
		{"MissingField", drafting, de.staffTok, missingTopic, 422, "invalid_procedure_document", "body.content.topic"},
		{"ConflictNotDeclared", drafting, de.staffTok, expertArgumentationBody(false), 422, "expert_conflict_declaration_missing",
			"body.content.experts[1].conflict_of_interest_declared"},
		{"NoSignedOpinion", drafting, de.staffTok, noOpinion, 422, "signed_opinion_required", "body.attachments"},
		{"BadConclusion", handling, de.staffTok, riskAssessmentBody("probably"), 422, "invalid_procedure_document", "body.content.conclusion"},
		{"AttachmentTooLarge", handling, de.staffTok, tooLarge, 413, "attachment_too_large", "body.attachments[0].data"},
		{"ContentMissing", handling, de.staffTok, map[string]any{"kind": "risk_assessment"}, 422, "invalid_procedure_document", "body.content"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do("POST", c.path, c.token, c.body).Expect(t, c.status, c.code)
			if c.field != "" && !strings.Contains(string(r.Body), `"location":"`+c.field+`"`) {
				t.Fatalf("no error at %s: %s", c.field, r.Body)
			}
		})
	}
	var n int
	e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM procedure_documents) + (SELECT count(*) FROM attachments)`).Scan(&n)
	if n != 0 {
		t.Fatalf("refused requests stored %d rows", n)
	}
}

func TestListProcedureDocumentsAccess(t *testing.T) {
	de := newDocEnv(t)
	e := de.e
	drafting, handling := docsPath(de.drafting), docsPath(de.inHandling)
	cases := []struct {
		name   string
		path   string
		token  string
		status int
		code   string
	}{
		{"Anonymous", drafting, "", 401, ""},
		{"ResidentDraft", drafting, de.residentTok, 404, "decision_not_found"},
		{"ResidentPublic", handling, de.residentTok, 403, "procedure_documents_not_public"},
		{"OtherAgencyDraft", drafting, de.otherTok, 404, "decision_not_found"},
		{"LeadStaff", drafting, de.staffTok, 200, ""},
		// Not submitted to the reviewer's department: like the public (issue 15, finding 5).
		{"ReviewerNotSubmitted", handling, de.revTok, 403, "procedure_documents_not_public"},
		{"BadKind", handling + "?kind=minutes", de.staffTok, 422, ""},
		{"BadCursor", handling + "?cursor=xyz", de.staffTok, 422, "invalid_cursor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.Do("GET", c.path, c.token, nil).Expect(t, c.status, c.code)
		})
	}
}

// TestProcedureDocumentGatesAPI walks the Art. 24 rule through the API: a
// not_controllable assessment blocks the legality review until a new draft
// version has a controllable assessment.
func TestProcedureDocumentGatesAPI(t *testing.T) {
	de := newDocEnv(t)
	e := de.e
	docs := docsPath(de.inHandling)
	gates := fmt.Sprintf("/decisions/%d/gates", de.inHandling)
	type report struct {
		NextStage string `json:"next_stage"`
		Gates     []struct {
			Code   string `json:"code"`
			Passed bool   `json:"passed"`
		} `json:"gates"`
	}
	state := func() string {
		var r report
		e.Do("GET", gates, de.staffTok, nil).Expect(t, 200, "").JSON(t, &r)
		if r.NextStage != "under_review" {
			t.Fatalf("next stage %q", r.NextStage)
		}
		var out []string
		for _, g := range r.Gates {
			if strings.HasPrefix(g.Code, "risk_") {
				out = append(out, fmt.Sprintf("%s=%v", g.Code, g.Passed))
			}
		}
		return strings.Join(out, " ")
	}
	steps := []struct {
		do   func()
		want string
	}{
		{func() {}, "risk_assessment_required=false risk_not_controllable=true"},
		{func() { e.Do("POST", docs, de.staffTok, riskAssessmentBody("not_controllable")).Expect(t, 201, "") },
			"risk_assessment_required=true risk_not_controllable=false"},
		{func() { e.Do("POST", docs, de.staffTok, riskAssessmentBody("controllable")).Expect(t, 201, "") },
			"risk_assessment_required=true risk_not_controllable=false"},
		{func() {
			e.Do("POST", fmt.Sprintf("/decisions/%d/versions", de.inHandling), de.staffTok, map[string]any{
				"text": "第一条 为促进节约用水，制定本方案。\n第二条 本方案适用于城区居民生活用水，低保户免收第一档水费。", "explanation": "根据风险评估修改。"}).Expect(t, 201, "")
		}, "risk_assessment_required=false risk_not_controllable=false"},
		{func() { e.Do("POST", docs, de.staffTok, riskAssessmentBody("controllable")).Expect(t, 201, "") },
			"risk_assessment_required=true risk_not_controllable=true"},
	}
	for i, s := range steps {
		s.do()
		if got := state(); got != s.want {
			t.Fatalf("step %d: %s, want %s", i, got, s.want)
		}
	}
}
