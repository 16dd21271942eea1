package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// versionFixture is a decision in drafting with its lead-unit staff.
type versionFixture struct {
	e          *testenv.Env
	staff      identity.Account
	staffToken string
	decision   consultation.Decision
	base       string // /decisions/{id}/versions
}

func newVersionFixture(t *testing.T) *versionFixture {
	t.Helper()
	e := newCity(t, "gov", "jyj", "hbj")
	staff, tok := e.Account(identity.RoleAgencyStaff, "jyj")
	d, err := e.Consultation.CreateDecision(context.Background(), &staff, consultation.DecisionInput{
		Title: "平顶山市中小学课后服务管理办法", Category: consultation.CategoryPublicServices,
		Domain: consultation.DomainEducationCulture, DecisionBody: "gov", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	return &versionFixture{e: e, staff: staff, staffToken: tok, decision: d, base: fmt.Sprintf("/decisions/%d/versions", d.ID)}
}

// open opens the consultation on the latest version.
func (f *versionFixture) open(t *testing.T) {
	t.Helper()
	_, err := f.e.Consultation.OpenConsultation(context.Background(), &f.staff, f.decision.ID, consultation.ConsultationInput{
		EndsAt: f.e.Clock.Now().Add(30 * 24 * time.Hour), WaysToComment: "登录平台逐条提出意见，或发送电子邮件至 jyj@pds.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
}

type articleJSON struct {
	Number int    `json:"number"`
	Anchor string `json:"anchor"`
	Label  string `json:"label"`
	Text   string `json:"text"`
}

type attachmentJSON struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

type versionJSON struct {
	ID          int64            `json:"id"`
	Number      int              `json:"number"`
	Text        string           `json:"text"`
	Explanation string           `json:"explanation"`
	LegalBasis  []string         `json:"legal_basis"`
	ContentHash string           `json:"content_hash"`
	Public      bool             `json:"public"`
	Articles    []articleJSON    `json:"articles"`
	Attachments []attachmentJSON `json:"attachments"`
}

type changeJSON struct {
	Anchor    string `json:"anchor"`
	OldNumber int    `json:"old_number"`
	NewNumber int    `json:"new_number"`
	Diff      []struct {
		Op   string `json:"op"`
		Text string `json:"text"`
	} `json:"diff"`
}

type comparisonJSON struct {
	From      int          `json:"from"`
	To        int          `json:"to"`
	Added     []changeJSON `json:"added"`
	Removed   []changeJSON `json:"removed"`
	Changed   []changeJSON `json:"changed"`
	Unchanged []changeJSON `json:"unchanged"`
}

type versionListJSON struct {
	Versions []struct {
		Number       int    `json:"number"`
		ContentHash  string `json:"content_hash"`
		ArticleCount int    `json:"article_count"`
		Public       bool   `json:"public"`
	} `json:"versions"`
	NextCursor string `json:"next_cursor"`
}

const draftV1 = `平顶山市中小学课后服务管理办法（征求意见稿）

第一条 为规范中小学课后服务，减轻家长接送负担，根据有关规定，结合本市实际，制定本办法。
第二条 本办法适用于本市行政区域内公办义务教育学校开展的课后服务。
第三条 课后服务收费标准为每生每学期不超过三百元，家庭经济困难学生免收费用。`

// draftV2 inserts an article at the start, keeps the next two unchanged
// (renumbered) and edits the amount in the last one.
const draftV2 = `平顶山市中小学课后服务管理办法（征求意见稿）

第一条 课后服务坚持学生家长自愿参加的原则，学校不得强制或变相强制学生参加。
第二条 为规范中小学课后服务，减轻家长接送负担，根据有关规定，结合本市实际，制定本办法。
第三条 本办法适用于本市行政区域内公办义务教育学校开展的课后服务。
第四条 课后服务收费标准为每生每学期不超过二百五十元，家庭经济困难学生免收费用。`

var pdfBytes = []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func versionBody(text string, atts ...map[string]any) map[string]any {
	b := map[string]any{"text": text, "explanation": "为落实“双减”要求，规范课后服务，起草本办法。", "legal_basis": []string{"《中华人民共和国教育法》", "《重大行政决策程序暂行条例》第十五条"}}
	if len(atts) > 0 {
		b["attachments"] = atts
	}
	return b
}

// attachment is an upload; encoding/json writes []byte as base64.
func attachment(name, contentType string, data []byte) map[string]any {
	return map[string]any{"filename": name, "content_type": contentType, "data": data}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestDraftVersionsAnchorsAndComparison(t *testing.T) {
	f := newVersionFixture(t)
	e := f.e
	var v1, v2 versionJSON
	e.Do("POST", f.base, f.staffToken, versionBody(draftV1)).Expect(t, 201, "").JSON(t, &v1)
	if v1.Number != 1 || len(v1.Articles) != 3 || v1.Public {
		t.Fatalf("v1: number %d, %d articles, public %v", v1.Number, len(v1.Articles), v1.Public)
	}
	if want := consultation.VersionContentHash(v1.Text, v1.Explanation, v1.LegalBasis, nil); v1.ContentHash != want {
		t.Fatalf("v1 content hash %s, recomputed %s", v1.ContentHash, want)
	}
	e.Do("POST", f.base, f.staffToken, versionBody(draftV2)).Expect(t, 201, "").JSON(t, &v2)
	if v2.Number != 2 || len(v2.Articles) != 4 {
		t.Fatalf("v2: number %d, %d articles", v2.Number, len(v2.Articles))
	}

	// Read back through get-draft-version, as a commenter's page would.
	var got versionJSON
	e.Do("GET", f.base+"/2", f.staffToken, nil).Expect(t, 200, "").JSON(t, &got)
	for i, a := range v1.Articles {
		if got.Articles[i+1].Anchor != a.Anchor {
			t.Errorf("v1 article %d (%s) became v2 article %d with anchor %s", a.Number, a.Anchor, i+2, got.Articles[i+1].Anchor)
		}
	}
	for _, a := range v1.Articles {
		if got.Articles[0].Anchor == a.Anchor {
			t.Errorf("the inserted article took the anchor %s of v1 article %d", a.Anchor, a.Number)
		}
	}
	if got.Articles[0].Label != "第一条" || !strings.Contains(got.Articles[0].Text, "自愿参加") {
		t.Errorf("v2 article 1: %+v", got.Articles[0])
	}

	var c comparisonJSON
	e.Do("GET", f.base+"/compare?from=1&to=2", f.staffToken, nil).Expect(t, 200, "").JSON(t, &c)
	if c.From != 1 || c.To != 2 || len(c.Added) != 1 || len(c.Removed) != 0 || len(c.Changed) != 1 || len(c.Unchanged) != 2 {
		t.Fatalf("comparison: %+v", c)
	}
	if c.Added[0].NewNumber != 1 || c.Added[0].Anchor != got.Articles[0].Anchor {
		t.Errorf("added: %+v", c.Added[0])
	}
	ch := c.Changed[0]
	if ch.OldNumber != 3 || ch.NewNumber != 4 || ch.Anchor != v1.Articles[2].Anchor {
		t.Errorf("changed: %+v", ch)
	}
	var inserted, deleted string
	for _, s := range ch.Diff {
		switch s.Op {
		case "insert":
			inserted += s.Text
		case "delete":
			deleted += s.Text
		}
	}
	if !strings.Contains(inserted, "二百五十") || !strings.Contains(deleted, "三百") {
		t.Errorf("diff: inserted %q, deleted %q", inserted, deleted)
	}
	for i, u := range c.Unchanged {
		if u.OldNumber != i+1 || u.NewNumber != i+2 {
			t.Errorf("unchanged %d: %+v", i, u)
		}
	}

	var list versionListJSON
	e.Do("GET", f.base, f.staffToken, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Versions) != 2 || list.Versions[0].Number != 1 || list.Versions[1].ArticleCount != 4 || list.NextCursor != "" {
		t.Fatalf("list: %+v", list)
	}
	var page versionListJSON
	e.Do("GET", f.base+"?limit=1", f.staffToken, nil).Expect(t, 200, "").JSON(t, &page)
	if len(page.Versions) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	var page2 versionListJSON
	e.Do("GET", f.base+"?limit=1&cursor="+url.QueryEscape(page.NextCursor), f.staffToken, nil).Expect(t, 200, "").JSON(t, &page2)
	if len(page2.Versions) != 1 || page2.Versions[0].Number != 2 || page2.NextCursor != "" {
		t.Fatalf("second page: %+v", page2)
	}

	e.Do("GET", f.base+"/3", f.staffToken, nil).Expect(t, 404, "draft_version_not_found")
	e.Do("GET", f.base+"/compare?from=1&to=3", f.staffToken, nil).Expect(t, 404, "draft_version_not_found")
	e.Do("GET", f.base+"/compare?from=1", f.staffToken, nil).Expect(t, 422, "")
	e.Do("GET", "/decisions/999999/versions", f.staffToken, nil).Expect(t, 404, "decision_not_found")
}

func TestDraftVersionInputErrors(t *testing.T) {
	f := newVersionFixture(t)
	big := make([]byte, consultation.MaxAttachmentSize+1)
	copy(big, "%PDF-1.7\n")
	many := make([]map[string]any, consultation.MaxAttachmentsPerVersion+1)
	for i := range many {
		many[i] = attachment(fmt.Sprintf("附件%d.pdf", i+1), "application/pdf", pdfBytes)
	}
	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"ErrTextMissing", map[string]any{"explanation": "说明"}, 422, "draft_text_required"},
		{"ErrTextBlank", versionBody(" \n\u3000\n "), 422, "draft_text_required"},
		{"ErrTextTooLong", versionBody(strings.Repeat("字", consultation.MaxDraftTextRunes+1)), 422, "draft_text_too_long"},
		{"ErrDisguisedPDF", versionBody(draftV1, attachment("草案说明.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>"))), 422, "attachment_type_not_allowed"},
		{"ErrSVG", versionBody(draftV1, attachment("示意图.png", "image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))), 422, "attachment_type_not_allowed"},
		{"ErrTooLarge", versionBody(draftV1, attachment("规划图.pdf", "application/pdf", big)), 413, "attachment_too_large"},
		{"ErrTooMany", versionBody(draftV1, many...), 422, "too_many_attachments"},
		// huma refuses "" as base64 before the service sees it (attachment_empty there).
		{"ErrEmptyFile", versionBody(draftV1, attachment("空.pdf", "application/pdf", []byte{})), 422, ""},
		{"ErrNoFilename", versionBody(draftV1, attachment(" ", "application/pdf", pdfBytes)), 422, "invalid_attachment_filename"},
		{"ErrBadBase64", `{"text":"第一条 内容。","attachments":[{"filename":"a.pdf","data":"%%%"}]}`, 422, ""},
		{"ErrUnknownField", map[string]any{"text": draftV1, "status": "published"}, 422, "unknown_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.e.Do("POST", f.base, f.staffToken, tt.body).Expect(t, tt.status, tt.code)
		})
	}
	// None of the refused uploads left anything behind.
	var versions, attachments int
	if err := f.e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM draft_versions), (SELECT count(*) FROM attachments)`).Scan(&versions, &attachments); err != nil {
		t.Fatal(err)
	}
	if versions != 0 || attachments != 0 {
		t.Fatalf("refused uploads stored %d versions, %d attachments", versions, attachments)
	}
}

func TestDraftVersionAttachments(t *testing.T) {
	f := newVersionFixture(t)
	e := f.e
	var v versionJSON
	e.Do("POST", f.base, f.staffToken, versionBody(draftV1,
		// The client's type is not trusted: the PNG labelled as PDF is stored as a PNG.
		attachment("起草说明（签字版）.pdf", "application/pdf", pdfBytes),
		attachment(`C:\Users\jyj\学校分布图.png`, "application/pdf", pngBytes),
	)).Expect(t, 201, "").JSON(t, &v)
	if len(v.Attachments) != 2 {
		t.Fatalf("attachments: %+v", v.Attachments)
	}
	want := []struct {
		name, ct string
		data     []byte
	}{{"起草说明（签字版）.pdf", "application/pdf", pdfBytes}, {"学校分布图.png", "image/png", pngBytes}}
	digests := make([]consultation.AttachmentDigest, len(want))
	for i, w := range want {
		a := v.Attachments[i]
		if a.Filename != w.name || a.ContentType != w.ct || a.Size != int64(len(w.data)) || a.SHA256 != sha256Hex(w.data) {
			t.Errorf("attachment %d: %+v", i, a)
		}
		digests[i] = consultation.AttachmentDigest{Filename: a.Filename, SHA256: a.SHA256, Size: a.Size, ContentType: a.ContentType}
		r := e.Do("GET", a.URL, f.staffToken, nil).Expect(t, 200, "")
		if !bytes.Equal(r.Body, w.data) || sha256Hex(r.Body) != a.SHA256 {
			t.Errorf("attachment %d: downloaded bytes differ", i)
		}
		h := r.Header
		if h.Get("Content-Type") != w.ct || h.Get("X-Content-SHA256") != a.SHA256 || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Length") != fmt.Sprint(len(w.data)) {
			t.Errorf("attachment %d headers: %v", i, h)
		}
		cd := h.Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape(w.name)) {
			t.Errorf("attachment %d Content-Disposition: %q", i, cd)
		}
	}
	if got := consultation.VersionContentHash(v.Text, v.Explanation, v.LegalBasis, digests); got != v.ContentHash {
		t.Errorf("content hash %s, recomputed with attachments %s", v.ContentHash, got)
	}
	e.Do("GET", "/attachments/999999", f.staffToken, nil).Expect(t, 404, "attachment_not_found")
}

func TestDraftVersionVisibility(t *testing.T) {
	f := newVersionFixture(t)
	e := f.e
	_, residentToken := e.Account(identity.RoleResident, "")
	_, otherStaffToken := e.Account(identity.RoleAgencyStaff, "hbj")
	_, bodyStaffToken := e.Account(identity.RoleAgencyStaff, "gov")
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	_, reviewerToken := e.Account(identity.RoleReviewer, "sfj")

	// Writes by anyone but the lead unit are refused.
	for _, tt := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"OtherAgencyStaff", otherStaffToken, 403, "not_lead_unit_staff"},
		{"DecisionBodyStaff", bodyStaffToken, 403, "not_lead_unit_staff"},
		{"Resident", residentToken, 403, ""},
		{"Anonymous", "", 401, ""},
	} {
		t.Run("Create"+tt.name, func(t *testing.T) {
			e.Do("POST", f.base, tt.token, versionBody(draftV1)).Expect(t, tt.status, tt.code)
		})
	}

	var v1 versionJSON
	e.Do("POST", f.base, f.staffToken, versionBody(draftV1, attachment("起草说明.pdf", "application/pdf", pdfBytes))).Expect(t, 201, "").JSON(t, &v1)
	att := v1.Attachments[0].URL

	// While drafting, the public sees nothing, not even the decision.
	for _, tok := range []string{residentToken, ""} {
		e.Do("GET", f.base, tok, nil).Expect(t, 404, "decision_not_found")
		e.Do("GET", f.base+"/1", tok, nil).Expect(t, 404, "decision_not_found")
		e.Do("GET", f.base+"/compare?from=1&to=1", tok, nil).Expect(t, 404, "decision_not_found")
		e.Do("GET", att, tok, nil).Expect(t, 404, "attachment_not_found")
	}
	e.Do("GET", att, otherStaffToken, nil).Expect(t, 404, "attachment_not_found")
	// Those who see the decision internally see the draft.
	e.Do("GET", f.base+"/1", bodyStaffToken, nil).Expect(t, 200, "")
	// A reviewer only once the package reaches their department (issue 15, finding 5).
	e.Do("GET", att, reviewerToken, nil).Expect(t, 404, "attachment_not_found")

	f.open(t)
	e.Do("POST", f.base, f.staffToken, versionBody(draftV2)).Expect(t, 409, "version_not_allowed_in_stage")

	// Once the consultation opens, the version under consultation is public.
	for _, tok := range []string{residentToken, ""} {
		var list versionListJSON
		e.Do("GET", f.base, tok, nil).Expect(t, 200, "").JSON(t, &list)
		if len(list.Versions) != 1 || !list.Versions[0].Public {
			t.Fatalf("public list: %+v", list)
		}
		var got versionJSON
		e.Do("GET", f.base+"/1", tok, nil).Expect(t, 200, "").JSON(t, &got)
		if got.ContentHash != v1.ContentHash || len(got.Articles) != 3 || !got.Public {
			t.Fatalf("public get: %+v", got)
		}
		if r := e.Do("GET", att, tok, nil).Expect(t, 200, ""); !bytes.Equal(r.Body, pdfBytes) {
			t.Fatal("public attachment differs")
		}
	}

	// After the window a new version answers the comments; it stays
	// internal until it is consulted on or published.
	e.Clock.Advance(31 * 24 * time.Hour)
	if _, err := e.Consultation.CloseDueConsultations(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Sessions expired meanwhile: sign in again.
	_, staffToken := e.Account(identity.RoleAgencyStaff, "jyj")
	_, residentToken = e.Account(identity.RoleResident, "")
	var v2 versionJSON
	e.Do("POST", f.base, staffToken, versionBody(draftV2, attachment("修改说明.pdf", "application/pdf", pdfBytes))).Expect(t, 201, "").JSON(t, &v2)
	if v2.Number != 2 || v2.Public {
		t.Fatalf("v2: %+v", v2)
	}
	for _, tok := range []string{residentToken, ""} {
		var list versionListJSON
		e.Do("GET", f.base, tok, nil).Expect(t, 200, "").JSON(t, &list)
		if len(list.Versions) != 1 || list.Versions[0].Number != 1 {
			t.Fatalf("public list after v2: %+v", list)
		}
		e.Do("GET", f.base+"/2", tok, nil).Expect(t, 404, "draft_version_not_found")
		e.Do("GET", f.base+"/compare?from=1&to=2", tok, nil).Expect(t, 404, "draft_version_not_found")
		e.Do("GET", v2.Attachments[0].URL, tok, nil).Expect(t, 404, "attachment_not_found")
	}
	var list versionListJSON
	e.Do("GET", f.base, staffToken, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Versions) != 2 || !list.Versions[0].Public || list.Versions[1].Public {
		t.Fatalf("staff list after v2: %+v", list)
	}
	e.Do("GET", f.base+"/compare?from=1&to=2", staffToken, nil).Expect(t, 200, "")
}

func TestDraftVersionRecord(t *testing.T) {
	f := newVersionFixture(t)
	e := f.e
	var v versionJSON
	e.Do("POST", f.base, f.staffToken, versionBody(draftV1, attachment("起草说明.pdf", "application/pdf", pdfBytes))).Expect(t, 201, "").JSON(t, &v)
	ctx := context.Background()
	rows, err := e.DB.Query(ctx, `SELECT `+record.Columns+` FROM record_entries WHERE decision_id = $1 ORDER BY seq`, f.decision.ID)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[consultation.RecordEntry])
	if err != nil {
		t.Fatal(err)
	}
	if r := record.VerifyChain(f.decision.ID, entries); !r.OK {
		t.Fatalf("chain: %+v", r)
	}
	// The full verification also recomputes the version's content hash and
	// the attachment hashes from the stored evidence.
	if r, err := e.Consultation.VerifyDecisionRecord(ctx, &f.staff, f.decision.ID); err != nil || !r.OK {
		t.Fatalf("verify-decision-record: %+v, %v", r, err)
	}
	var created, stored map[string]any
	for _, en := range entries {
		var p map[string]any
		if err := json.Unmarshal([]byte(en.Payload), &p); err != nil {
			t.Fatal(err)
		}
		switch en.Kind {
		case consultation.RecordDraftVersionCreated:
			created = p
		case consultation.RecordAttachmentStored:
			stored = p
		}
	}
	if created == nil || created["content_hash"] != v.ContentHash || fmt.Sprint(created["number"]) != "1" ||
		fmt.Sprint(created["article_count"]) != "3" || len(created["anchors"].([]any)) != 3 {
		t.Fatalf("draft_version_created: %v", created)
	}
	if stored == nil || stored["sha256"] != sha256Hex(pdfBytes) || stored["filename"] != "起草说明.pdf" || fmt.Sprint(stored["size"]) != fmt.Sprint(len(pdfBytes)) {
		t.Fatalf("attachment_stored: %v", stored)
	}
}
