package api_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// handlingFixture is a decision whose consultation took comments from two
// residents: a campaign of three copies, one single opinion and a comment
// rejected for personal information.
type handlingFixture struct {
	e                  *testenv.Env
	staff, otherStaff  identity.Account
	staffTok, otherTok string
	alice, bob         identity.Account
	aliceTok, bobTok   string
	decision           consultation.Decision
	campaign           []int64
	group              int64
	single, rejected   int64
}

func newHandlingFixture(t *testing.T) *handlingFixture {
	t.Helper()
	ctx := context.Background()
	e := newCity(t, "gov", "jyj", "wjw")
	e.Consultation.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	f := &handlingFixture{e: e}
	f.staff, f.staffTok = e.Account(identity.RoleAgencyStaff, "jyj")
	f.otherStaff, f.otherTok = e.Account(identity.RoleAgencyStaff, "wjw")
	f.alice, f.aliceTok = e.Account(identity.RoleResident, "")
	f.bob, f.bobTok = e.Account(identity.RoleResident, "")
	d, v := draftDecision(t, e, &f.staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "gov", LeadAgency: "jyj"},
		consultation.DraftVersionInput{Text: draftV1, Explanation: "为落实“双减”要求起草本办法。", LegalBasis: []string{"《中华人民共和国教育法》"}})
	e.OpenConsultation(&f.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录平台逐条提出意见"})
	f.decision = d
	submit := func(who *identity.Account, anchor, body string, action consultation.ModerationAction, reason string) int64 {
		t.Helper()
		c, _, err := e.Consultation.SubmitComment(ctx, who, d.ID, consultation.CommentInput{ArticleAnchor: anchor, Body: body, Stance: "suggestion"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Consultation.ModerateComment(ctx, &f.staff, c.ID, action, reason); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	third := v.Articles[2].Anchor
	for _, who := range []*identity.Account{&f.alice, &f.bob, &f.alice} {
		f.campaign = append(f.campaign, submit(who, third, "建议课后服务费用降到每学期二百元以下，减轻家庭负担。", consultation.ModerationPublish, ""))
	}
	f.single = submit(&f.bob, "", "=1+1 建议增加课后服务的体育活动", consultation.ModerationPublish, "")
	f.rejected = submit(&f.alice, "", "我的电话是13812345678，请联系我", consultation.ModerationReject, "personal_information")
	// Comments join their groups after submission (the background grouper).
	if _, err := e.Consultation.GroupComments(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.QueryRow(ctx, `SELECT group_id FROM comments WHERE id = $1`, f.campaign[0]).Scan(&f.group); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *handlingFixture) closeWindow(t *testing.T) {
	t.Helper()
	f.e.CloseConsultations()
	// Sessions last a day; sign everyone in again a month later.
	for _, a := range []struct {
		acct *identity.Account
		tok  *string
	}{{&f.staff, &f.staffTok}, {&f.otherStaff, &f.otherTok}, {&f.alice, &f.aliceTok}, {&f.bob, &f.bobTok}} {
		s, err := f.e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *a.acct.Phone, Password: testenv.Password})
		if err != nil {
			t.Fatal(err)
		}
		*a.tok = s.Token
	}
}

func (f *handlingFixture) path(format string, a ...any) string { return fmt.Sprintf(format, a...) }

type reportJSON struct {
	Status  string `json:"status"`
	Body    string `json:"body"`
	Figures struct {
		Participants       int `json:"participants"`
		Published          int `json:"comments_published"`
		Rejected           int `json:"comments_rejected"`
		WithoutDisposition int `json:"comments_without_disposition"`
		ByArticle          []struct {
			Label    string `json:"label"`
			Comments int    `json:"comments"`
		} `json:"by_article"`
		MainOpinions []struct {
			Size    int    `json:"size"`
			Text    string `json:"text"`
			Replies []struct {
				Disposition string `json:"disposition"`
				Reason      string `json:"reason"`
			} `json:"replies"`
		} `json:"main_opinions"`
	} `json:"figures"`
	PublishedHash string `json:"published_hash"`
}

func TestDispositionsAndReportAPI(t *testing.T) {
	f := newHandlingFixture(t)
	d := f.decision.ID
	answer := map[string]any{"disposition": "partially_adopted", "reason": "将收费标准调整为每学期二百五十元。"}
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.staffTok, answer).Expect(t, 409, "consultation_still_open")
	f.closeWindow(t)

	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.aliceTok, answer).Expect(t, 403, "forbidden_role")
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), "", answer).Expect(t, 401, "")
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.otherTok, answer).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.staffTok, map[string]any{"disposition": "maybe", "reason": "x"}).Expect(t, 422, "")
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.staffTok, map[string]any{"disposition": "adopted", "reason": " "}).
		Expect(t, 422, "disposition_reason_required")
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.rejected), f.staffTok, answer).Expect(t, 409, "comment_not_published")
	f.e.Do("PUT", "/comments/999999/disposition", f.staffTok, answer).Expect(t, 404, "comment_not_found")

	var one struct {
		Disposition string `json:"disposition"`
		Name        string `json:"disposition_name"`
		Receipt     string `json:"receipt"`
	}
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.staffTok, map[string]any{"disposition": "adopted", "reason": "增加体育活动。"}).
		Expect(t, 200, "").JSON(t, &one)
	if one.Disposition != "adopted" || one.Name != "采纳" || one.Receipt == "" {
		t.Fatalf("disposition %+v", one)
	}

	// The draft report is internal.
	f.e.Do("GET", f.path("/decisions/%d/adoption-report", d), "", nil).Expect(t, 404, "adoption_report_not_found")
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/generate", d), f.staffTok, nil).Expect(t, 200, "")
	f.e.Do("GET", f.path("/decisions/%d/adoption-report", d), f.aliceTok, nil).Expect(t, 404, "adoption_report_not_found")
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/publish", d), f.staffTok, nil).Expect(t, 409, "comments_without_disposition")

	var group struct {
		Set      int      `json:"set"`
		Receipts []string `json:"receipts"`
	}
	f.e.Do("PUT", f.path("/comment-groups/%d/disposition", f.group), f.staffTok, answer).Expect(t, 200, "").JSON(t, &group)
	if group.Set != 3 || len(group.Receipts) != 3 {
		t.Fatalf("group answer %+v", group)
	}
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/publish", d), f.staffTok, nil).Expect(t, 409, "adoption_report_outdated")
	var r reportJSON
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/generate", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &r)
	if r.Status != "draft" || r.Figures.Participants != 2 || r.Figures.Published != 4 || r.Figures.Rejected != 1 ||
		r.Figures.WithoutDisposition != 0 || len(r.Figures.MainOpinions) == 0 || r.Figures.MainOpinions[0].Size != 3 ||
		r.Figures.MainOpinions[0].Replies[0].Disposition != "partially_adopted" {
		t.Fatalf("report %+v", r)
	}
	if strings.Contains(r.Body, "13812345678") || strings.Contains(r.Body, "请联系我") {
		t.Fatal("the report quotes a rejected comment")
	}
	f.e.Do("PUT", f.path("/decisions/%d/adoption-report", d), f.staffTok, map[string]any{"body": ""}).Expect(t, 422, "adoption_report_body_required")
	f.e.Do("PUT", f.path("/decisions/%d/adoption-report", d), f.staffTok, map[string]any{"body": r.Body + "\n（已核对）"}).Expect(t, 200, "")
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/publish", d), f.aliceTok, nil).Expect(t, 403, "forbidden_role")
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/publish", d), f.staffTok, nil).Expect(t, 200, "")

	var pub reportJSON
	f.e.Do("GET", f.path("/decisions/%d/adoption-report", d), "", nil).Expect(t, 200, "").JSON(t, &pub)
	if pub.Status != "published" || !strings.HasSuffix(pub.Body, "（已核对）") || len(pub.PublishedHash) != 64 {
		t.Fatalf("published report %+v", pub)
	}
	f.e.Do("PUT", f.path("/decisions/%d/adoption-report", d), f.staffTok, map[string]any{"body": "改写"}).Expect(t, 409, "adoption_report_published")
	f.e.Do("PUT", f.path("/comments/%d/disposition", f.single), f.staffTok, answer).Expect(t, 409, "adoption_report_published")

	var gates struct {
		Gates []struct {
			Code   string `json:"code"`
			Passed bool   `json:"passed"`
		} `json:"gates"`
	}
	f.e.Do("GET", f.path("/decisions/%d/gates", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &gates)
	seen := 0
	for _, g := range gates.Gates {
		if g.Code == "comments_without_disposition" || g.Code == "adoption_report_not_published" {
			seen++
			if !g.Passed {
				t.Fatalf("gate %s fails after the report was published", g.Code)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("gates %+v", gates)
	}
	var v struct {
		OK bool `json:"ok"`
	}
	f.e.Do("POST", f.path("/decisions/%d/record/verify", d), "", nil).Expect(t, 200, "").JSON(t, &v)
	if !v.OK {
		t.Fatal("record does not verify")
	}
}

var phoneNumber = regexp.MustCompile(`1[3-9][0-9]{9}`)

func TestExportCommentsAPI(t *testing.T) {
	f := newHandlingFixture(t)
	f.closeWindow(t)
	base := f.path("/decisions/%d/comments/export", f.decision.ID)
	f.e.Do("GET", base, f.aliceTok, nil).Expect(t, 403, "forbidden_role")
	f.e.Do("GET", base, f.otherTok, nil).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("GET", base+"?format=pdf", f.staffTok, nil).Expect(t, 422, "")

	csvRes := f.e.Do("GET", base, f.staffTok, nil).Expect(t, 200, "")
	if ct := csvRes.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	cd := csvRes.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''%E5%85%AC%E4%BC%97%E6%84%8F%E8%A7%81-") || !strings.HasSuffix(cd, ".csv") {
		t.Fatalf("content disposition %q", cd)
	}
	body := string(csvRes.Body)
	if !strings.HasPrefix(body, "\uFEFF回执编号") {
		t.Fatalf("csv starts %q", body[:min(40, len(body))])
	}
	if m := phoneNumber.FindString(body); m != "" {
		t.Fatalf("full phone number %s in the CSV", m)
	}
	if !strings.Contains(body, identity.MaskPhone(*f.alice.Phone)) || !strings.Contains(body, "'=1+1 建议增加") || strings.Contains(body, "请联系我") {
		t.Fatalf("csv:\n%s", body)
	}

	x := f.e.Do("GET", base+"?format=xlsx", f.staffTok, nil).Expect(t, 200, "")
	if ct := x.Header.Get("Content-Type"); ct != consultation.ExportContentType(consultation.ExportXLSX) {
		t.Fatalf("content type %q", ct)
	}
	if cd := x.Header.Get("Content-Disposition"); !strings.HasSuffix(cd, ".xlsx") {
		t.Fatalf("content disposition %q", cd)
	}
	rows := xlsxRows(t, x.Body)
	if len(rows) != 6 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, row := range rows {
		for _, cell := range row {
			if phoneNumber.MatchString(cell) || strings.Contains(cell, "请联系我") {
				t.Fatalf("cell %q in the XLSX", cell)
			}
		}
	}
}

func TestMyCommentsAndDeleteDataAPI(t *testing.T) {
	f := newHandlingFixture(t)
	f.e.Do("GET", "/me/comments", "", nil).Expect(t, 401, "")
	f.e.Do("GET", "/me/comments", f.staffTok, nil).Expect(t, 403, "forbidden_role")
	f.closeWindow(t)
	f.e.Do("PUT", f.path("/comment-groups/%d/disposition", f.group), f.staffTok,
		map[string]any{"disposition": "not_adopted", "reason": "收费标准已经物价部门核定。"}).Expect(t, 200, "")

	var mine struct {
		Comments []struct {
			ID                int64  `json:"id"`
			DecisionTitle     string `json:"decision_title"`
			Status            string `json:"status"`
			RejectionReason   string `json:"rejection_reason"`
			Disposition       string `json:"disposition"`
			DispositionReason string `json:"disposition_reason"`
			ReplyFinal        bool   `json:"reply_final"`
		} `json:"comments"`
	}
	f.e.Do("GET", "/me/comments", f.aliceTok, nil).Expect(t, 200, "").JSON(t, &mine)
	if len(mine.Comments) != 3 || mine.Comments[0].ID != f.rejected || mine.Comments[0].Status != "rejected" ||
		mine.Comments[0].RejectionReason != "personal_information" || mine.Comments[1].Disposition != "not_adopted" ||
		mine.Comments[1].DispositionReason != "收费标准已经物价部门核定。" || mine.Comments[1].ReplyFinal ||
		mine.Comments[1].DecisionTitle != f.decision.Title {
		t.Fatalf("my comments %+v", mine)
	}

	f.e.Do("POST", "/me/delete-data", f.aliceTok, map[string]any{"confirm": false}).Expect(t, 422, "confirmation_required")
	f.e.Do("POST", "/me/delete-data", f.staffTok, map[string]any{"confirm": true}).Expect(t, 403, "forbidden_role")
	var del struct {
		CommentsAnonymised int `json:"comments_anonymised"`
		Decisions          int `json:"decisions"`
	}
	res := f.e.Do("POST", "/me/delete-data", f.aliceTok, map[string]any{"confirm": true}).Expect(t, 200, "")
	res.JSON(t, &del)
	if del.CommentsAnonymised != 3 || del.Decisions != 1 {
		t.Fatalf("deletion %+v", del)
	}
	if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, "canyu_session=;") {
		t.Fatalf("cookie not cleared: %q", c)
	}
	f.e.Do("GET", "/me", f.aliceTok, nil).Expect(t, 401, "")
	f.e.Do("GET", "/me/comments", f.aliceTok, nil).Expect(t, 401, "")
	f.e.Do("POST", "/sessions", "", map[string]any{"login": *f.alice.Phone, "password": testenv.Password}).Expect(t, 401, "invalid_credentials")
	f.e.Do("POST", "/accounts/register", "", map[string]any{"phone": *f.alice.Phone, "password": "a-new-pass-2"}).Expect(t, 202, "")

	// Her comments still count, under no name.
	var stats reportJSON
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/generate", f.decision.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &stats)
	if stats.Figures.Participants != 2 || stats.Figures.Published != 4 || stats.Figures.MainOpinions[0].Size != 3 {
		t.Fatalf("figures after deletion %+v", stats.Figures)
	}
	var v struct {
		OK bool `json:"ok"`
	}
	f.e.Do("POST", f.path("/decisions/%d/record/verify", f.decision.ID), "", nil).Expect(t, 200, "").JSON(t, &v)
	if !v.OK {
		t.Fatal("record does not verify after the deletion")
	}
}
