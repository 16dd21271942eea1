package consultation_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// reportScene is a closed consultation with comments by three residents:
// a campaign of five on 第三条, single opinions on 第一条 and the whole
// draft, a rejected and a pending comment.
type reportScene struct {
	*commentFixture
	alice, bob, carol *identity.Account
	campaign          []int64
	group             int64
	first, whole      int64
	rejected, pending int64
}

// newReportScene builds the scene; more adds comments before the window
// closes.
func newReportScene(t *testing.T, more ...func(*reportScene)) *reportScene {
	t.Helper()
	s := &reportScene{commentFixture: newCommentFixture(t)}
	s.alice, s.bob, s.carol = s.resident(t), s.resident(t), s.resident(t)
	authors := []*identity.Account{s.alice, s.bob, s.carol, s.bob, s.carol}
	for _, a := range authors {
		s.campaign = append(s.campaign, s.comment(t, s.d, newComment{author: a, anchor: s.anchors[2], stance: "oppose",
			body: "反对不得考试选拔，建议保留特长生招生。", status: "published"}))
	}
	s.group = s.groupOf(t, s.campaign[0])
	s.first = s.comment(t, s.d, newComment{author: s.alice, anchor: s.anchors[0], stance: "suggestion",
		body: "建议写明招生工作的时间安排。", status: "published"})
	s.whole = s.comment(t, s.d, newComment{author: s.bob, stance: "support", body: "总体支持本办法。", status: "published"})
	s.rejected = s.comment(t, s.d, newComment{author: s.carol, anchor: s.anchors[1],
		body: "我家孩子王小明，电话13912345678，住在新华区某小区", status: "rejected", reason: "personal_information"})
	s.pending = s.comment(t, s.d, newComment{author: s.carol, body: "尚未审核的意见原文"})
	for _, m := range more {
		m(s)
	}
	s.closeWindow(t)
	return s
}

// answerAll gives every published comment a disposition.
func (s *reportScene) answerAll(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.svc.SetGroupDisposition(ctx, s.staff, s.group, consultation.DispositionNotAdopted,
		"《义务教育法》第十二条规定免试就近入学，不予采纳。"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SetCommentDisposition(ctx, s.staff, s.first, consultation.DispositionAdopted, "已在第四条增加招生时间安排。"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SetCommentDisposition(ctx, s.staff, s.whole, consultation.DispositionAdopted, "感谢支持。"); err != nil {
		t.Fatal(err)
	}
}

func countOf(list []consultation.CountFigure, key string) int {
	for _, c := range list {
		if c.Key == key {
			return c.Count
		}
	}
	return -1
}

func TestAdoptionReport(t *testing.T) {
	s := newReportScene(t)
	ctx := context.Background()

	_, err := s.svc.GenerateAdoptionReport(ctx, s.other, s.d.ID)
	wantCode(t, err, "not_lead_unit_staff")
	r, err := s.svc.GenerateAdoptionReport(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Figures
	if f.Received != 9 || f.Published != 7 || f.Rejected != 1 || f.Pending != 1 || f.Participants != 3 || f.WithoutDisposition != 7 {
		t.Fatalf("totals %+v", f)
	}
	wantArticles := []struct {
		label string
		n     int
	}{{"第一条", 1}, {"第二条", 0}, {"第三条", 5}, {"草案整体", 1}}
	if len(f.ByArticle) != len(wantArticles) {
		t.Fatalf("by article %+v", f.ByArticle)
	}
	for i, w := range wantArticles {
		if a := f.ByArticle[i]; a.Label != w.label || a.Comments != w.n {
			t.Fatalf("article %d: %+v, want %s %d", i, a, w.label, w.n)
		}
	}
	if f.ByArticle[2].Anchor != s.anchors[2] {
		t.Fatalf("anchor %q", f.ByArticle[2].Anchor)
	}
	if countOf(f.ByStance, "oppose") != 5 || countOf(f.ByStance, "support") != 1 || countOf(f.ByStance, "suggestion") != 1 {
		t.Fatalf("stances %+v", f.ByStance)
	}
	if len(f.MainOpinions) == 0 || f.MainOpinions[0].Size != 5 || f.MainOpinions[0].GroupID != s.group || f.MainOpinions[0].ArticleLabel != "第三条" {
		t.Fatalf("main opinions %+v", f.MainOpinions)
	}
	for _, o := range f.MainOpinions {
		if strings.Contains(o.Text, "13912345678") || strings.Contains(o.Text, "尚未审核") {
			t.Fatalf("main opinion quotes an unpublished comment: %q", o.Text)
		}
	}
	if !strings.Contains(r.Body, "意见采纳情况的说明") || !strings.Contains(r.Body, "共收到意见9条") || !strings.Contains(r.Body, "来自3位参与者") {
		t.Fatalf("body:\n%s", r.Body)
	}

	t.Run("DraftIsInternal", func(t *testing.T) {
		for _, who := range []*identity.Account{nil, s.alice, s.other} {
			_, err := s.svc.GetAdoptionReport(ctx, who, s.d.ID)
			wantCode(t, err, "adoption_report_not_found")
		}
		if _, err := s.svc.GetAdoptionReport(ctx, s.staff, s.d.ID); err != nil {
			t.Fatal(err)
		}
		if n := s.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND payload LIKE '%意见采纳情况%'`, s.d.ID); n != 0 {
			t.Fatal("the draft leaked into the public record")
		}
	})
	t.Run("ErrPublishWithoutDispositions", func(t *testing.T) {
		_, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID)
		if e := wantCode(t, err, "comments_without_disposition"); !strings.Contains(e.Message, "7") {
			t.Fatalf("message without the count: %s", e.Message)
		}
	})
	s.answerAll(t)
	t.Run("ErrPublishWithPending", func(t *testing.T) {
		_, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID)
		wantCode(t, err, "comments_pending_moderation")
	})
	s.moderate(t, s.pending, "rejected", "off_topic")
	t.Run("ErrPublishOutdated", func(t *testing.T) {
		_, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID)
		wantCode(t, err, "adoption_report_outdated")
	})
	r, err = s.svc.GenerateAdoptionReport(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if countOf(r.Figures.ByDisposition, "not_adopted") != 5 || countOf(r.Figures.ByDisposition, "adopted") != 2 || r.Figures.WithoutDisposition != 0 {
		t.Fatalf("dispositions %+v", r.Figures.ByDisposition)
	}
	if o := r.Figures.MainOpinions[0]; len(o.Replies) != 1 || o.Replies[0].Count != 5 || !strings.Contains(o.Replies[0].Reason, "第十二条") {
		t.Fatalf("main opinion replies %+v", o.Replies)
	}
	if len(r.Figures.TopArticles) == 0 || r.Figures.TopArticles[0].Label != "第三条" {
		t.Fatalf("top articles %+v", r.Figures.TopArticles)
	}
	if !strings.Contains(r.Body, "不予采纳5条") || !strings.Contains(r.Body, "第十二条") {
		t.Fatalf("body:\n%s", r.Body)
	}

	t.Run("Update", func(t *testing.T) {
		_, err := s.svc.UpdateAdoptionReport(ctx, s.staff, s.d.ID, "   ")
		wantCode(t, err, "adoption_report_body_required")
		_, err = s.svc.UpdateAdoptionReport(ctx, s.staff, s.d.ID, strings.Repeat("字", consultation.MaxAdoptionReportRunes+1))
		wantCode(t, err, "adoption_report_too_long")
		_, err = s.svc.UpdateAdoptionReport(ctx, s.alice, s.d.ID, "x")
		wantCode(t, err, "not_lead_unit_staff")
	})
	edited := r.Body + "\n附：经研究，对第三条作了文字修改。"
	if r, err = s.svc.UpdateAdoptionReport(ctx, s.staff, s.d.ID, edited); err != nil || r.Body != edited {
		t.Fatalf("update: %v %q", err, r.Body)
	}
	pub, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := consultation.AdoptionReportHash(pub.Figures, pub.Body)
	if err != nil || !pub.Published() || pub.PublishedHash == nil || *pub.PublishedHash != hash || pub.Body != edited {
		t.Fatalf("published %+v (hash %s)", pub, hash)
	}
	p := s.lastPayload(t, s.d.ID, "adoption_report_published")
	if p["body"] != edited || p["published_hash"] != hash || p["figures"] == nil {
		t.Fatalf("record %v", p)
	}

	t.Run("PublicOncePublished", func(t *testing.T) {
		for _, who := range []*identity.Account{nil, s.alice, s.other} {
			got, err := s.svc.GetAdoptionReport(ctx, who, s.d.ID)
			if err != nil || got.Body != edited {
				t.Fatalf("%v: %v", who, err)
			}
		}
	})
	t.Run("Immutable", func(t *testing.T) {
		_, err := s.svc.UpdateAdoptionReport(ctx, s.staff, s.d.ID, "改写")
		wantCode(t, err, "adoption_report_published")
		_, err = s.svc.GenerateAdoptionReport(ctx, s.staff, s.d.ID)
		wantCode(t, err, "adoption_report_published")
		_, err = s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID)
		wantCode(t, err, "adoption_report_published")
		_, err = s.svc.SetGroupDisposition(ctx, s.staff, s.group, consultation.DispositionAdopted, "改为采纳")
		wantCode(t, err, "adoption_report_published")
	})
	if v, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !v.OK {
		t.Fatalf("record: %v %+v", err, v)
	}
}

func TestAdoptionReportStages(t *testing.T) {
	f := newCommentFixture(t)
	ctx := context.Background()
	_, err := f.svc.GenerateAdoptionReport(ctx, f.staff, f.d.ID)
	wantCode(t, err, "consultation_still_open")
	_, err = f.svc.UpdateAdoptionReport(ctx, f.staff, f.d.ID, "说明")
	wantCode(t, err, "consultation_still_open")
	f.closeWindow(t)
	_, err = f.svc.UpdateAdoptionReport(ctx, f.staff, f.d.ID, "说明")
	wantCode(t, err, "adoption_report_not_found")
	_, err = f.svc.PublishAdoptionReport(ctx, f.staff, f.d.ID)
	wantCode(t, err, "adoption_report_not_found")
	// No comments at all: the report says so and can be published.
	r, err := f.svc.GenerateAdoptionReport(ctx, f.staff, f.d.ID)
	if err != nil || r.Figures.Received != 0 || !strings.Contains(r.Body, "未收到公开的意见") {
		t.Fatalf("%v %+v", err, r)
	}
	if _, err := f.svc.PublishAdoptionReport(ctx, f.staff, f.d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.DB.Exec(ctx, `UPDATE decisions SET status = 'under_review' WHERE id = $1`, f.d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.GenerateAdoptionReport(ctx, f.staff, f.d.ID)
	wantCode(t, err, "adoption_report_not_allowed_in_stage")
}

// fullPhone matches a complete mainland mobile number.
var fullPhone = regexp.MustCompile(`1[3-9][0-9]{9}`)

func TestExportComments(t *testing.T) {
	var injected int64
	s := newReportScene(t, func(s *reportScene) {
		injected = s.comment(t, s.d, newComment{author: s.alice, body: `=HYPERLINK("http://evil.example","点击")`, status: "published"})
		s.comment(t, s.d, newComment{author: s.bob, body: "@SUM(1+1)", status: "published"})
		s.comment(t, s.d, newComment{author: s.bob, body: "-2+3", status: "published"})
		s.comment(t, s.d, newComment{author: s.bob, body: "+86 电话", status: "published"})
	})
	ctx := context.Background()
	if _, err := s.svc.SetCommentDisposition(ctx, s.staff, injected, consultation.DispositionOutOfScope, "=与本办法无关"); err != nil {
		t.Fatal(err)
	}
	s.answerAll(t)

	check := func(t *testing.T, rows [][]string, raw string) {
		t.Helper()
		if m := fullPhone.FindString(raw); m != "" {
			t.Fatalf("a full phone number appears in the export: %s", m)
		}
		for _, hidden := range []string{"王小明", "新华区", "尚未审核的意见原文"} {
			if strings.Contains(raw, hidden) {
				t.Fatalf("export contains %q", hidden)
			}
		}
		if len(rows) != 1+13 {
			t.Fatalf("%d rows", len(rows))
		}
		if rows[0][0] != "回执编号" || rows[0][12] != "手机号（脱敏）" {
			t.Fatalf("header %v", rows[0])
		}
		masked := identity.MaskPhone(*s.alice.Phone)
		var sawMasked, sawHidden, sawCampaign bool
		for _, row := range rows[1:] {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Fatalf("cell %q can be evaluated as a formula", cell)
				}
			}
			sawMasked = sawMasked || row[12] == masked
			sawHidden = sawHidden || row[15] == "[已隐去：含个人信息]"
			if row[15] == "反对不得考试选拔，建议保留特长生招生。" {
				sawCampaign = true
				if row[2] != "第三条" || row[3] != s.anchors[2] || row[4] != "反对" || row[5] != "已公开" || row[8] != "5" ||
					row[9] != "不予采纳" || !strings.Contains(row[10], "第十二条") {
					t.Fatalf("campaign row %v", row)
				}
			}
		}
		if !sawMasked || !sawHidden || !sawCampaign {
			t.Fatalf("masked %v, hidden %v, campaign %v", sawMasked, sawHidden, sawCampaign)
		}
		cells := map[string]bool{}
		for _, row := range rows {
			for _, c := range row {
				cells[c] = true
			}
		}
		for _, want := range []string{`'=HYPERLINK("http://evil.example","点击")`, "'@SUM(1+1)", "'-2+3", "'+86 电话", "'=与本办法无关"} {
			if !cells[want] {
				t.Fatalf("no cell %s: formula cells must be neutralised with an apostrophe", want)
			}
		}
	}

	t.Run("CSV", func(t *testing.T) {
		var buf bytes.Buffer
		if err := s.svc.ExportComments(ctx, s.staff, s.d.ID, consultation.ExportCSV, &buf); err != nil {
			t.Fatal(err)
		}
		raw := buf.String()
		if !strings.HasPrefix(raw, "\uFEFF") {
			t.Fatal("no byte-order mark")
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		check(t, rows, raw)
	})
	t.Run("XLSX", func(t *testing.T) {
		var buf bytes.Buffer
		if err := s.svc.ExportComments(ctx, s.staff, s.d.ID, consultation.ExportXLSX, &buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		var all strings.Builder
		var rows [][]string
		for _, sheet := range x.GetSheetList() {
			rs, err := x.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				all.WriteString(strings.Join(r, "\t") + "\n")
			}
			rows = append(rows, rs...)
		}
		padded := make([][]string, len(rows))
		for i, r := range rows {
			padded[i] = append(r, make([]string, max(0, 14-len(r)))...)
		}
		check(t, padded, all.String())
	})
	t.Run("ErrFormat", func(t *testing.T) {
		wantCode(t, s.svc.ExportComments(ctx, s.staff, s.d.ID, "pdf", &bytes.Buffer{}), "invalid_export_format")
	})
	t.Run("ErrNotLeadUnit", func(t *testing.T) {
		for _, who := range []*identity.Account{s.other, s.body, s.alice} {
			wantCode(t, s.svc.ExportComments(ctx, who, s.d.ID, consultation.ExportCSV, &bytes.Buffer{}), "not_lead_unit_staff")
		}
	})
}

func TestMyCommentsAndDataDeletion(t *testing.T) {
	s := newReportScene(t)
	ctx := context.Background()

	list, _, err := s.svc.ListMyComments(ctx, s.carol, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 || list[0].ID != s.pending || list[0].Status != "pending" || list[1].Status != "rejected" ||
		list[1].RejectionReason != "personal_information" || list[0].DecisionTitle != s.d.Title {
		t.Fatalf("carol's comments %+v", list)
	}
	s.answerAll(t)
	s.moderate(t, s.pending, "rejected", "off_topic")
	list, _, _ = s.svc.ListMyComments(ctx, s.alice, 0, "")
	if len(list) != 2 || list[0].ID != s.first || list[0].Disposition != consultation.DispositionAdopted || list[0].ReportPublished ||
		list[0].ArticleLabel != "第一条" || list[0].Status != "published" {
		t.Fatalf("alice's comments before the report is published: %+v", list)
	}

	// Alice deletes her data before the report is generated.
	_, err = s.svc.DeleteMyData(ctx, s.alice, false)
	wantCode(t, err, "confirmation_required")
	_, err = s.svc.DeleteMyData(ctx, s.staff, true)
	wantCode(t, err, "forbidden_role")
	del, err := s.svc.DeleteMyData(ctx, s.alice, true)
	if err != nil {
		t.Fatal(err)
	}
	if del.CommentsAnonymised != 2 || del.Decisions != 1 {
		t.Fatalf("deletion %+v", del)
	}
	if n := s.count(t, `SELECT count(*) FROM comments WHERE account_id = $1 AND anonymised_at IS NOT NULL AND NOT show_name
		AND client_addr = '' AND body <> ''`, s.alice.ID); n != 2 {
		t.Fatalf("%d anonymised comments", n)
	}
	var phone, email *string
	var name, pseudonym string
	if err := s.e.DB.QueryRow(ctx, `SELECT phone, email, display_name, pseudonym FROM accounts WHERE id = $1`, s.alice.ID).
		Scan(&phone, &email, &name, &pseudonym); err != nil {
		t.Fatal(err)
	}
	if phone != nil || name != identity.DeletedDisplayName || pseudonym == s.alice.Pseudonym || !strings.HasPrefix(pseudonym, "已注销") {
		t.Fatalf("account not cleared: %v %v %q %q", phone, email, name, pseudonym)
	}
	if _, err := s.e.Identity.CreateSession(ctx, identity.LoginInput{Login: *s.alice.Phone, Password: testenv.Password}); err == nil {
		t.Fatal("the deleted account can still sign in")
	}
	if _, err := s.e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: *s.alice.Phone, Password: "another-pass-1"}); err != nil {
		t.Fatalf("the phone number cannot register again: %v", err)
	}

	r, err := s.svc.GenerateAdoptionReport(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Figures.Participants != 3 || r.Figures.Published != 7 || r.Figures.MainOpinions[0].Size != 5 {
		t.Fatalf("deletion changed the statistics: %+v", r.Figures)
	}
	pub, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}

	list, _, _ = s.svc.ListMyComments(ctx, s.bob, 0, "")
	for _, c := range list {
		if c.ID == s.whole && (c.Disposition != consultation.DispositionAdopted || c.DispositionReason != "感谢支持。" || c.RepliedAt == nil ||
			!c.ReportPublished || c.ArticleLabel != "草案整体") {
			t.Fatalf("reply after publication: %+v", c)
		}
	}
	t.Run("Pagination", func(t *testing.T) {
		page, next, err := s.svc.ListMyComments(ctx, s.bob, 2, "")
		if err != nil || len(page) != 2 || next == "" {
			t.Fatalf("%v %d %q", err, len(page), next)
		}
		rest, next, err := s.svc.ListMyComments(ctx, s.bob, 2, next)
		if err != nil || len(rest) != 1 || next != "" || rest[0].ID >= page[1].ID {
			t.Fatalf("%v %+v %q", err, rest, next)
		}
	})

	// Bob deletes his data after the report was published: it stays as it was.
	if _, err := s.svc.DeleteMyData(ctx, s.bob, true); err != nil {
		t.Fatal(err)
	}
	after, err := s.svc.GetAdoptionReport(ctx, nil, s.d.ID)
	if err != nil || *after.PublishedHash != *pub.PublishedHash {
		t.Fatalf("the published report changed: %v", err)
	}
	if h, _ := consultation.AdoptionReportHash(after.Figures, after.Body); h != *pub.PublishedHash {
		t.Fatal("the published report no longer matches its hash")
	}
	if n := s.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = 'personal_data_deleted'`, s.d.ID); n != 2 {
		t.Fatalf("%d personal_data_deleted entries", n)
	}
	p := s.lastPayload(t, s.d.ID, "personal_data_deleted")
	for k := range p {
		if k != "basis" && k != "comments_anonymised" {
			t.Fatalf("the record entry holds %s", k)
		}
	}
	if v, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !v.OK {
		t.Fatalf("record: %v %+v", err, v)
	}
	var buf bytes.Buffer
	if err := s.svc.ExportComments(ctx, s.staff, s.d.ID, consultation.ExportCSV, &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), s.alice.Pseudonym) || strings.Contains(buf.String(), s.bob.Pseudonym) ||
		!strings.Contains(buf.String(), "建议写明招生工作的时间安排。") {
		t.Fatal("the export still names the deleted accounts, or lost their text")
	}
}
