package consultation_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

func TestSniffAttachmentType(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"PDF", "%PDF-1.4\n%âãÏÓ\n", consultation.ContentTypePDF},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", consultation.ContentTypePNG},
		{"JPEG", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", consultation.ContentTypeJPEG},
		{"GIF87a", "GIF87a\x01\x00\x01\x00", consultation.ContentTypeGIF},
		{"GIF89a", "GIF89a\x01\x00\x01\x00", consultation.ContentTypeGIF},
		{"WebP", "RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00", consultation.ContentTypeWebP},
		{"ErrWAV", "RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00", ""},
		{"ErrPDFNotAtStart", " %PDF-1.4", ""},
		{"ErrHTML", "<!DOCTYPE html><html>", ""},
		{"ErrSVG", `<svg xmlns="http://www.w3.org/2000/svg"></svg>`, ""},
		{"ErrZIP", "PK\x03\x04\x14\x00", ""},
		{"ErrEXE", "MZ\x90\x00", ""},
		{"ErrEmpty", "", ""},
		{"ErrShortPNG", "\x89PNG", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := consultation.SniffAttachmentType([]byte(tt.data)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVersionContentHash pins the hashed form, so that a verifier outside
// this code base can recompute it from an exported version.
func TestVersionContentHash(t *testing.T) {
	atts := []consultation.AttachmentDigest{{Filename: "起草说明.pdf", SHA256: "ab12", Size: 3, ContentType: "application/pdf"}}
	got := consultation.VersionContentHash("第一条 内容。", "说明<b>", []string{"《教育法》"}, atts)
	canonical := `{"attachments":[{"content_type":"application/pdf","filename":"起草说明.pdf","sha256":"ab12","size":3}],"explanation":"说明<b>","legal_basis":["《教育法》"],"text":"第一条 内容。"}`
	if want := consultation.SHA256Hex([]byte(canonical)); got != want {
		t.Fatalf("hash %s, want SHA-256 of %s = %s", got, canonical, want)
	}
	if consultation.VersionContentHash("t", "", nil, nil) != consultation.VersionContentHash("t", "", []string{}, []consultation.AttachmentDigest{}) {
		t.Error("nil and empty lists hash differently")
	}
	base := consultation.VersionContentHash("t", "e", []string{"a", "b"}, atts)
	changed := map[string]string{
		"text":             consultation.VersionContentHash("t2", "e", []string{"a", "b"}, atts),
		"explanation":      consultation.VersionContentHash("t", "e2", []string{"a", "b"}, atts),
		"legal basis":      consultation.VersionContentHash("t", "e", []string{"b", "a"}, atts),
		"attachment":       consultation.VersionContentHash("t", "e", []string{"a", "b"}, []consultation.AttachmentDigest{{Filename: "起草说明.pdf", SHA256: "ab13", Size: 3, ContentType: "application/pdf"}}),
		"no attachment":    consultation.VersionContentHash("t", "e", []string{"a", "b"}, nil),
		"field boundaries": consultation.VersionContentHash("te", "", []string{"a", "b"}, atts),
	}
	for what, h := range changed {
		if h == base {
			t.Errorf("changing the %s does not change the hash", what)
		}
	}
}

type versionEnv struct {
	e     *testenv.Env
	svc   *consultation.Service
	staff *identity.Account
}

func newVersionEnv(t *testing.T) *versionEnv {
	t.Helper()
	e := testenv.New(t)
	e.City("gov", "jyj")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	return &versionEnv{e: e, svc: e.Consultation, staff: &staff}
}

func (v *versionEnv) decision(t *testing.T) consultation.Decision {
	t.Helper()
	d, err := v.svc.CreateDecision(context.Background(), v.staff, consultation.DecisionInput{Title: "平顶山市校外培训机构管理办法",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "gov", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var versionInput = consultation.DraftVersionInput{
	Text:        "第一条 为规范校外培训机构办学行为，制定本办法。\n第二条 本办法适用于本市行政区域内面向中小学生的校外培训机构。",
	Explanation: "落实国家关于规范校外培训的要求。", LegalBasis: []string{"《中华人民共和国民办教育促进法》"},
}

// TestCreateDraftVersionStages pins in which stages a version may be
// uploaded: not while the consulted version is fixed, not once withdrawn.
func TestCreateDraftVersionStages(t *testing.T) {
	v := newVersionEnv(t)
	ctx := context.Background()
	open := func(t *testing.T, d consultation.Decision) {
		t.Helper()
		if _, err := v.svc.CreateDraftVersion(ctx, v.staff, d.ID, versionInput); err != nil {
			t.Fatal(err)
		}
		if _, err := v.svc.OpenConsultation(ctx, v.staff, d.ID, consultation.ConsultationInput{
			EndsAt: v.e.Clock.Now().Add(30 * 24 * time.Hour), WaysToComment: "在线提交意见"}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, d consultation.Decision)
		stage consultation.Status
		code  string
	}{
		{"Drafting", func(*testing.T, consultation.Decision) {}, consultation.StatusDrafting, ""},
		{"Consulting", open, consultation.StatusConsulting, "version_not_allowed_in_stage"},
		{"Handling", func(t *testing.T, d consultation.Decision) {
			open(t, d)
			v.e.Clock.Advance(30*24*time.Hour + time.Second)
			if _, err := v.svc.CloseDueConsultations(ctx); err != nil {
				t.Fatal(err)
			}
		}, consultation.StatusHandling, ""},
		{"Withdrawn", func(t *testing.T, d consultation.Decision) {
			if _, err := v.svc.WithdrawDecision(ctx, v.staff, d.ID, "上级政策调整，暂缓决策"); err != nil {
				t.Fatal(err)
			}
		}, consultation.StatusWithdrawn, "version_not_allowed_in_stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := v.decision(t)
			tt.setup(t, d)
			if d, _ = v.svc.GetDecision(ctx, v.staff, d.ID); d.Status != tt.stage {
				t.Fatalf("decision is %s, want %s", d.Status, tt.stage)
			}
			_, err := v.svc.CreateDraftVersion(ctx, v.staff, d.ID, versionInput)
			if tt.code == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tt.code != "" && !errs.HasCode(err, tt.code) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
}

// TestCreateDraftVersionStored checks what is stored: the normalised text,
// its articles with anchors, cleaned file names, and that a stored version
// cannot be changed.
func TestCreateDraftVersionStored(t *testing.T) {
	v := newVersionEnv(t)
	ctx := context.Background()
	d := v.decision(t)
	in := consultation.DraftVersionInput{
		Text:        "\uFEFF平顶山市校外培训机构管理办法\r\n\r\n\r\n第一条　为规范校外培训机构办学行为，制定本办法。\x00\r\n第二条 本办法适用于本市。  \r\n",
		Explanation: "  说明  ", LegalBasis: []string{" 《民办教育促进法》 ", "", "   "},
		Attachments: []consultation.AttachmentInput{
			{Filename: `..\..\etc\passwd.pdf`, Data: []byte("%PDF-1.7\n")},
			{Filename: "图\u202egnp.pdf", Data: []byte("GIF89a\x01\x00")},
		},
	}
	got, err := v.svc.CreateDraftVersion(ctx, v.staff, d.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	wantText := "平顶山市校外培训机构管理办法\n\n第一条　为规范校外培训机构办学行为，制定本办法。\n第二条 本办法适用于本市。"
	if got.Text != wantText || got.Explanation != "说明" || len(got.LegalBasis) != 1 || got.LegalBasis[0] != "《民办教育促进法》" {
		t.Fatalf("stored %q / %q / %q", got.Text, got.Explanation, got.LegalBasis)
	}
	if got.Preamble != "平顶山市校外培训机构管理办法" || len(got.Articles) != 2 || got.Articles[1].Label != "第二条" {
		t.Fatalf("split: preamble %q, articles %+v", got.Preamble, got.Articles)
	}
	if got.Attachments[0].Filename != "passwd.pdf" || got.Attachments[1].Filename != "图gnp.pdf" || got.Attachments[1].ContentType != consultation.ContentTypeGIF {
		t.Fatalf("attachments: %+v", got.Attachments)
	}
	read, err := v.svc.GetDraftVersion(ctx, v.staff, d.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if read.ContentHash != got.ContentHash || read.Text != got.Text || len(read.Articles) != 2 || read.Articles[0].Anchor != got.Articles[0].Anchor ||
		read.ArticleCount != 2 || read.AttachmentCount != 2 || len(read.Attachments) != 2 {
		t.Fatalf("read back: %+v", read)
	}
	digests := []consultation.AttachmentDigest{read.Attachments[0].Digest(), read.Attachments[1].Digest()}
	if h := consultation.VersionContentHash(read.Text, read.Explanation, read.LegalBasis, digests); h != read.ContentHash {
		t.Fatalf("recomputed hash %s, stored %s", h, read.ContentHash)
	}
	for _, sql := range []string{`UPDATE draft_versions SET text = 'x'`, `DELETE FROM draft_articles`, `UPDATE attachments SET data = 'x'`} {
		if _, err := v.e.DB.Exec(ctx, sql); err == nil {
			t.Errorf("%s: allowed", sql)
		}
	}
}

// TestGetAttachmentVisibility: a version's attachment follows its version;
// a procedure document's attachment stays internal even once the decision
// is public.
func TestGetAttachmentVisibility(t *testing.T) {
	v := newVersionEnv(t)
	ctx := context.Background()
	d := v.decision(t)
	in := versionInput
	in.Attachments = []consultation.AttachmentInput{{Filename: "起草说明.pdf", Data: []byte("%PDF-1.7\n")}}
	ver, err := v.svc.CreateDraftVersion(ctx, v.staff, d.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	var docAttachment int64
	if err := v.e.DB.QueryRow(ctx, `WITH doc AS (
			INSERT INTO procedure_documents (decision_id, version_id, kind, content, created_by, created_at)
			VALUES ($1, $2, 'risk_assessment', '{}', $3, now()) RETURNING id)
		INSERT INTO attachments (decision_id, procedure_document_id, filename, content_type, size, sha256, data, created_by, created_at)
		SELECT $1, doc.id, '风险评估报告.pdf', 'application/pdf', 9, $4, $5, $3, now() FROM doc RETURNING id`,
		d.ID, ver.ID, v.staff.ID, consultation.SHA256Hex([]byte("%PDF-1.7\n")), []byte("%PDF-1.7\n")).Scan(&docAttachment); err != nil {
		t.Fatal(err)
	}
	resident, _ := v.e.Account(identity.RoleResident, "")
	body, _ := v.e.Account(identity.RoleAgencyStaff, "gov")
	check := func(t *testing.T, who *identity.Account, id int64, visible bool) {
		t.Helper()
		a, err := v.svc.GetAttachment(ctx, who, id)
		switch {
		case visible && (err != nil || len(a.Data) == 0):
			t.Fatalf("attachment %d: %v", id, err)
		case !visible && !errs.HasCode(err, "attachment_not_found"):
			t.Fatalf("attachment %d: got %v, want attachment_not_found", id, err)
		}
	}
	versionAttachment := ver.Attachments[0].ID
	check(t, nil, versionAttachment, false)
	check(t, &resident, versionAttachment, false)
	check(t, &body, versionAttachment, true)
	check(t, &body, docAttachment, true)
	if _, err := v.svc.OpenConsultation(ctx, v.staff, d.ID, consultation.ConsultationInput{
		EndsAt: v.e.Clock.Now().Add(30 * 24 * time.Hour), WaysToComment: "在线提交意见"}); err != nil {
		t.Fatal(err)
	}
	check(t, nil, versionAttachment, true)
	check(t, &resident, versionAttachment, true)
	check(t, nil, docAttachment, false)
	check(t, &resident, docAttachment, false)
	check(t, v.staff, docAttachment, true)
}
