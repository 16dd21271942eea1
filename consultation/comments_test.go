package consultation_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// submitDraft is a five-article draft; the comment tests comment on 第三条.
const submitDraft = `平顶山市中小学课后服务管理办法（征求意见稿）

第一条 为规范中小学课后服务工作，减轻家长接送负担，制定本办法。
第二条 本办法适用于本市城区公办中小学校。
第三条 课后服务每生每学期收费不超过300元，家庭经济困难学生免收费用。
第四条 课后服务以作业辅导和兴趣活动为主，不得讲授新课。
第五条 本办法自公布之日起施行。`

// submitScene is a decision under consultation with its article anchors.
type submitScene struct {
	*fixture
	d       consultation.Decision
	c       consultation.Consultation
	anchors []string
}

// newSubmitScene opens a consultation on submitDraft, from opens (zero:
// now) for 30 days, showing comments publicly as show says.
func newSubmitScene(t *testing.T, opens time.Time, show bool) *submitScene {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	d := f.create(t, nil)
	v, err := f.svc.CreateDraftVersion(ctx, f.staff, d.ID, consultation.DraftVersionInput{Text: submitDraft,
		Explanation: "依据《中华人民共和国教育法》起草。", LegalBasis: []string{"《中华人民共和国教育法》"}})
	if err != nil {
		t.Fatal(err)
	}
	s := &submitScene{fixture: f}
	for _, a := range v.Articles {
		s.anchors = append(s.anchors, a.Anchor)
	}
	start := opens
	if start.IsZero() {
		start = f.e.Clock.Now()
	}
	s.c, err = f.svc.OpenConsultation(ctx, f.staff, d.ID, consultation.ConsultationInput{OpensAt: opens,
		EndsAt: start.Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台提出意见", ShowComments: show})
	if err != nil {
		t.Fatal(err)
	}
	s.d, err = f.svc.GetDecision(ctx, f.staff, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *submitScene) newResident(t *testing.T) *identity.Account {
	t.Helper()
	a, _ := s.e.Account(identity.RoleResident, "")
	return &a
}

func (s *submitScene) submit(t *testing.T, who *identity.Account, in consultation.CommentInput) consultation.Comment {
	t.Helper()
	c, created, err := s.svc.SubmitComment(context.Background(), who, s.d.ID, in)
	if err != nil || !created {
		t.Fatalf("submit: created %v, %v", created, err)
	}
	return c
}

// grouped runs the grouper and returns the comment with its group.
func (s *submitScene) grouped(t *testing.T, c consultation.Comment) consultation.Comment {
	t.Helper()
	if c.GroupID != nil {
		t.Fatalf("comment %d was grouped inside the submission", c.ID)
	}
	if _, err := s.svc.GroupComments(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := s.svc.GetComment(context.Background(), s.staff, c.ID)
	if err != nil || c.GroupID == nil {
		t.Fatalf("comment %d not grouped: %v", c.ID, err)
	}
	return c
}

func (s *submitScene) comments(t *testing.T) int {
	t.Helper()
	return s.count(t, `SELECT count(*) FROM comments WHERE decision_id = $1`, s.d.ID)
}

var receiptPattern = regexp.MustCompile(`^YJ-\d{8}-[0-9A-HJKMNP-TV-Z]{8}$`)

// TestCommentWindowGate pins Decree 713 Art. 15 at both ends of the window:
// comments are accepted from the opening instant and refused from the
// closing instant on.
func TestCommentWindowGate(t *testing.T) {
	s := newSubmitScene(t, time.Now().UTC().Truncate(time.Second).Add(2*time.Hour), true)
	r := s.newResident(t)
	opens, ends := s.c.OpensAt, s.c.EndsAt
	cases := []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"OneSecondBeforeOpening", opens.Add(-time.Second), false},
		{"AtOpening", opens, true},
		{"OneSecondBeforeEnd", ends.Add(-time.Second), true},
		{"AtEnd", ends, false},
		{"AfterEnd", ends.Add(time.Hour), false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.e.Clock.Set(c.at)
			before := s.comments(t)
			_, _, err := s.svc.SubmitComment(context.Background(), r, s.d.ID, consultation.CommentInput{Body: fmt.Sprintf("意见%d：建议延长课后服务时间。", i)})
			if c.ok {
				if err != nil {
					t.Fatalf("refused inside the window: %v", err)
				}
				return
			}
			e := wantCode(t, err, "consultation_not_open")
			if e.Kind != errs.KindConflict || e.Basis != "Decree 713 Art. 15" {
				t.Fatalf("refusal %+v", e)
			}
			if s.comments(t) != before {
				t.Fatal("a refused comment was stored")
			}
		})
	}
	// Once the job has closed it, the consultation stays closed.
	if _, err := s.svc.CloseDueConsultations(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, _, err := s.svc.SubmitComment(context.Background(), r, s.d.ID, consultation.CommentInput{Body: "迟到的意见"})
	wantCode(t, err, "consultation_not_open")
}

func TestSubmitCommentRefusals(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	ctx := context.Background()
	r := s.newResident(t)
	unverified, err := s.e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: "13700000001", Password: "correct-horse-9", DisplayName: "未验证"})
	if err != nil {
		t.Fatal(err)
	}
	draft := s.create(t, nil) // not public
	valid := consultation.CommentInput{ArticleAnchor: s.anchors[2], Body: "建议降低收费标准。"}
	with := func(edit func(*consultation.CommentInput)) consultation.CommentInput {
		in := valid
		edit(&in)
		return in
	}
	cases := []struct {
		name     string
		actor    *identity.Account
		decision int64
		in       consultation.CommentInput
		code     string
	}{
		{"ErrAnonymous", nil, s.d.ID, valid, "authentication_required"},
		{"ErrUnverified", &unverified, s.d.ID, valid, "phone_not_verified"},
		{"ErrLeadStaff", s.staff, s.d.ID, valid, "forbidden_role"},
		{"ErrOtherStaff", s.other, s.d.ID, valid, "forbidden_role"},
		{"ErrDecisionNotPublic", r, draft.ID, valid, "decision_not_found"},
		{"ErrUnknownDecision", r, 999999, valid, "decision_not_found"},
		{"ErrUnknownArticle", r, s.d.ID, with(func(in *consultation.CommentInput) { in.ArticleAnchor = "a-0000000000" }), "unknown_article"},
		{"ErrEmpty", r, s.d.ID, with(func(in *consultation.CommentInput) { in.Body = " \n\u3000\t " }), "comment_empty"},
		{"ErrTooLong", r, s.d.ID, with(func(in *consultation.CommentInput) { in.Body = strings.Repeat("长", 5001) }), "comment_too_long"},
		{"ErrStance", r, s.d.ID, with(func(in *consultation.CommentInput) { in.Stance = "neutral" }), "invalid_stance"},
		{"ErrIdempotencyKey", r, s.d.ID, with(func(in *consultation.CommentInput) { in.IdempotencyKey = strings.Repeat("k", 256) }), "invalid_idempotency_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := s.svc.SubmitComment(ctx, c.actor, c.decision, c.in)
			wantCode(t, err, c.code)
		})
	}
	if n := s.count(t, `SELECT count(*) FROM comments`); n != 0 {
		t.Fatalf("%d comments stored by refused submissions", n)
	}
	t.Run("OK5000CharactersAfterTrimming", func(t *testing.T) {
		c := s.submit(t, r, with(func(in *consultation.CommentInput) { in.Body = "  " + strings.Repeat("长", 5000) + "\n" }))
		if len([]rune(c.Body)) != 5000 || c.Status != consultation.CommentPending || !receiptPattern.MatchString(c.Receipt) {
			t.Fatalf("comment %+v", c)
		}
		if c.VersionID != s.c.VersionID || c.ConsultationID != s.c.ID || c.ArticleLabel != "第三条" || c.ArticleNumber != 3 {
			t.Fatalf("not attached to the version under consultation: %+v", c)
		}
	})
}

// TestCommentAnchorSurvivesNewVersion comments on 第三条 of version 1; after
// the window closes the lead unit inserts an article before it in version 2,
// and the comment's anchor still finds the same article text, now 第四条.
func TestCommentAnchorSurvivesNewVersion(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	ctx := context.Background()
	r := s.newResident(t)
	c := s.submit(t, r, consultation.CommentInput{ArticleAnchor: s.anchors[2], Stance: "oppose", Body: "收费标准偏高，建议降到200元。"})
	s.e.CloseConsultations()
	v2text := strings.Replace(submitDraft, "第三条 课后服务每生", "第三条 学校应当公示课后服务的内容、时间和收费。\n第四条 课后服务每生", 1)
	v2text = strings.Replace(strings.Replace(v2text, "第四条 课后服务以", "第五条 课后服务以", 1), "第五条 本办法自", "第六条 本办法自", 1)
	if _, err := s.svc.CreateDraftVersion(ctx, s.staff, s.d.ID, consultation.DraftVersionInput{Text: v2text, Explanation: "根据意见修改。"}); err != nil {
		t.Fatal(err)
	}
	a, err := s.svc.LocateCommentArticle(ctx, s.staff, c.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if a.Label != "第四条" || a.Number != 4 || !strings.Contains(a.Text, "课后服务每生每学期收费不超过300元") {
		t.Fatalf("anchor %s resolves in version 2 to %+v", c.ArticleAnchor, a)
	}
	var v1text string
	if err := s.e.DB.QueryRow(ctx, `SELECT text FROM draft_articles WHERE version_id = $1 AND anchor = $2`, c.VersionID, c.ArticleAnchor).Scan(&v1text); err != nil {
		t.Fatal(err)
	}
	if strings.TrimPrefix(v1text, "第三条") != strings.TrimPrefix(a.Text, "第四条") {
		t.Fatalf("version 1 %q, version 2 %q", v1text, a.Text)
	}
	// The comment itself still names the version and label it was made on.
	got, err := s.svc.GetComment(ctx, r, c.ID)
	if err != nil || got.VersionNumber != 1 || got.ArticleLabel != "第三条" {
		t.Fatalf("comment %+v, %v", got, err)
	}
}

func TestCommentIdempotency(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	ctx := context.Background()
	r := s.newResident(t)
	in := consultation.CommentInput{ArticleAnchor: s.anchors[2], Body: "建议降低收费。", IdempotencyKey: "k-1"}
	first := s.submit(t, r, in)
	if !receiptPattern.MatchString(first.Receipt) {
		t.Fatalf("receipt %q", first.Receipt)
	}
	t.Run("RetryReturnsFirst", func(t *testing.T) {
		again, created, err := s.svc.SubmitComment(ctx, r, s.d.ID, in)
		if err != nil || created || again.ID != first.ID || again.Receipt != first.Receipt {
			t.Fatalf("retry: created %v, %+v, %v", created, again, err)
		}
	})
	t.Run("ErrKeyReusedForAnotherComment", func(t *testing.T) {
		other := in
		other.Body = "另一条意见"
		_, _, err := s.svc.SubmitComment(ctx, r, s.d.ID, other)
		if e := wantCode(t, err, "idempotency_key_reused"); e.Kind != errs.KindConflict {
			t.Fatalf("kind %v", e.Kind)
		}
	})
	t.Run("SameKeyOtherAccount", func(t *testing.T) {
		c := s.submit(t, s.newResident(t), in)
		if c.ID == first.ID {
			t.Fatal("another account's key returned the first comment")
		}
	})
	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		in := consultation.CommentInput{Body: "同时重复提交的意见", IdempotencyKey: "k-concurrent"}
		var wg sync.WaitGroup
		receipts := make([]string, 8)
		created := make([]bool, 8)
		errors := make([]error, 8)
		for i := range receipts {
			wg.Go(func() {
				c, ok, err := s.svc.SubmitComment(ctx, r, s.d.ID, in)
				receipts[i], created[i], errors[i] = c.Receipt, ok, err
			})
		}
		wg.Wait()
		creations := 0
		for i := range receipts {
			if errors[i] != nil || receipts[i] != receipts[0] {
				t.Fatalf("request %d: %q, %v", i, receipts[i], errors[i])
			}
			if created[i] {
				creations++
			}
		}
		if n := s.count(t, `SELECT count(*) FROM comments WHERE idempotency_key = 'k-concurrent'`); n != 1 || creations != 1 {
			t.Fatalf("%d rows, %d creations", n, creations)
		}
	})
	t.Run("RetryAfterWindowClosed", func(t *testing.T) {
		s.e.Clock.Advance(consultation.MinConsultationWindow)
		again, created, err := s.svc.SubmitComment(ctx, r, s.d.ID, in)
		if err != nil || created || again.Receipt != first.Receipt {
			t.Fatalf("retry after the window: %v", err)
		}
	})
}

func TestCommentRateLimits(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	ctx := context.Background()
	submit := func(who *identity.Account, addr string, i int) error {
		_, _, err := s.svc.SubmitComment(ctx, who, s.d.ID, consultation.CommentInput{Body: fmt.Sprintf("第%d条意见", i), ClientAddr: addr})
		return err
	}
	t.Run("PerAccountPerMinute", func(t *testing.T) {
		a, b := s.newResident(t), s.newResident(t)
		for i := range 5 {
			if err := submit(a, "198.51.100.1", i); err != nil {
				t.Fatal(err)
			}
			s.e.Clock.Advance(time.Second)
		}
		err := submit(a, "198.51.100.1", 6)
		e := wantCode(t, err, "comment_rate_limited")
		// The first of the five leaves the window 60 s after it was made.
		if e.Kind != errs.KindRateLimited || e.RetryAfter != 55*time.Second {
			t.Fatalf("refusal %+v", e)
		}
		if err := submit(b, "198.51.100.2", 1); err != nil {
			t.Fatalf("another resident was limited: %v", err)
		}
		s.e.Clock.Advance(e.RetryAfter)
		if err := submit(a, "198.51.100.1", 7); err != nil {
			t.Fatalf("after Retry-After: %v", err)
		}
	})
	t.Run("PerAccountPerDay", func(t *testing.T) {
		s.svc.CommentLimits = consultation.CommentLimits{PerAccountPerDay: 3, PerAccountPerMinute: -1}
		defer func() { s.svc.CommentLimits = consultation.CommentLimits{} }()
		a := s.newResident(t)
		for i := range 3 {
			if err := submit(a, "", i); err != nil {
				t.Fatal(err)
			}
			s.e.Clock.Advance(time.Hour)
		}
		e := wantCode(t, submit(a, "", 4), "comment_rate_limited")
		if e.RetryAfter != 21*time.Hour {
			t.Fatalf("retry after %v", e.RetryAfter)
		}
	})
	t.Run("PerAddress", func(t *testing.T) {
		s.svc.CommentLimits = consultation.CommentLimits{PerAddressPerMinute: 3}
		defer func() { s.svc.CommentLimits = consultation.CommentLimits{} }()
		for i := range 3 {
			if err := submit(s.newResident(t), "192.0.2.9", i); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, submit(s.newResident(t), "192.0.2.9", 4), "comment_rate_limited")
		if err := submit(s.newResident(t), "192.0.2.10", 5); err != nil {
			t.Fatalf("another address was limited: %v", err)
		}
	})
}

// TestCommentModerationVisibility checks that pending and rejected comments
// are invisible to anonymous visitors and other residents in every list,
// count and get, that the author and the lead unit see them, and what the
// record keeps of each moderation.
func TestCommentModerationVisibility(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	ctx := context.Background()
	author, otherResident := s.newResident(t), s.newResident(t)
	pending := s.submit(t, author, consultation.CommentInput{ArticleAnchor: s.anchors[2], Stance: "oppose", Body: "待审核的意见：收费过高。"})
	published := s.submit(t, author, consultation.CommentInput{ArticleAnchor: s.anchors[2], Stance: "support", Body: "支持第三条，困难家庭免费很好。", ShowName: true})
	rejected := s.submit(t, author, consultation.CommentInput{Body: "我的电话是13912345678，身份证410402199001011234。"})
	if _, err := s.svc.ModerateComment(ctx, s.staff, published.ID, consultation.ModerationPublish, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ModerateComment(ctx, s.staff, rejected.ID, consultation.ModerationReject, "personal_information"); err != nil {
		t.Fatal(err)
	}

	t.Run("ModerationRefusals", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			actor  *identity.Account
			action consultation.ModerationAction
			reason string
			code   string
		}{
			{"ErrOtherAgency", s.other, consultation.ModerationPublish, "", "not_lead_unit_staff"},
			{"ErrResident", author, consultation.ModerationPublish, "", "not_lead_unit_staff"},
			{"ErrAnonymous", nil, consultation.ModerationPublish, "", "authentication_required"},
			{"ErrAction", s.staff, "approve", "", "invalid_moderation_action"},
			{"ErrNoReason", s.staff, consultation.ModerationReject, "", "rejection_reason_required"},
			{"ErrReason", s.staff, consultation.ModerationReject, "rude", "invalid_rejection_reason"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.svc.ModerateComment(ctx, c.actor, pending.ID, c.action, c.reason)
				wantCode(t, err, c.code)
			})
		}
		_, err := s.svc.ModerateComment(ctx, s.staff, 999999, consultation.ModerationPublish, "")
		wantCode(t, err, "comment_not_found")
	})

	t.Run("Record", func(t *testing.T) {
		rows, err := s.e.DB.Query(ctx, `SELECT payload FROM record_entries WHERE decision_id = $1 AND kind = 'comment_moderated' ORDER BY seq`, s.d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var payloads []map[string]any
		for rows.Next() {
			var p string
			rows.Scan(&p)
			m, err := consultation.ParseRecordPayload(p)
			if err != nil {
				t.Fatal(err)
			}
			payloads = append(payloads, m)
		}
		if len(payloads) != 2 {
			t.Fatalf("%d moderation entries", len(payloads))
		}
		pub, rej := payloads[0], payloads[1]
		if pub["receipt"] != published.Receipt || pub["action"] != "publish" || pub["body"] != published.Body || pub["body_hash"] != published.BodyHash {
			t.Fatalf("publish entry %v", pub)
		}
		if rej["receipt"] != rejected.Receipt || rej["reason"] != "personal_information" || rej["body_hash"] != rejected.BodyHash {
			t.Fatalf("reject entry %v", rej)
		}
		if _, ok := rej["body"]; ok {
			t.Fatalf("the text of a comment rejected for personal information is in the record: %v", rej)
		}
		// Repeating a decision changes nothing.
		if _, err := s.svc.ModerateComment(ctx, s.staff, published.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
		if n := s.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = 'comment_moderated'`, s.d.ID); n != 2 {
			t.Fatalf("%d entries after a repeated decision", n)
		}
	})

	ids := func(cs []consultation.Comment) []int64 {
		out := []int64{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	viewers := []struct {
		name    string
		actor   *identity.Account
		list    []int64 // ListComments
		gets    []int64 // GetComment succeeds
		stats   bool    // sees internal counts
		receipt bool    // sees receipts in the list
	}{
		{"Anonymous", nil, []int64{published.ID}, []int64{published.ID}, false, false},
		{"OtherResident", otherResident, []int64{published.ID}, []int64{published.ID}, false, false},
		{"OtherAgencyStaff", s.other, []int64{published.ID}, []int64{published.ID}, false, false},
		{"Author", author, []int64{pending.ID, published.ID, rejected.ID}, []int64{pending.ID, published.ID, rejected.ID}, false, true},
		{"LeadStaff", s.staff, []int64{pending.ID, published.ID, rejected.ID}, []int64{pending.ID, published.ID, rejected.ID}, true, true},
	}
	for _, v := range viewers {
		t.Run(v.name, func(t *testing.T) {
			page, err := s.svc.ListComments(ctx, v.actor, s.d.ID, consultation.CommentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page.Comments); fmt.Sprint(got) != fmt.Sprint(v.list) {
				t.Fatalf("list %v, want %v", got, v.list)
			}
			for _, c := range page.Comments {
				if (c.Receipt != "") != v.receipt || (c.AccountID != 0) != v.receipt {
					t.Fatalf("receipt/account shown %v: %+v", c.Receipt != "", c)
				}
				// Pseudonyms are 市民 and eight random digits, so "139" can
				// stand in one by chance: look for the author's number itself.
				if author.Phone != nil && strings.Contains(c.AuthorName, *author.Phone) {
					t.Fatalf("phone in author name %q", c.AuthorName)
				}
			}
			// Filtering for hidden states shows nothing more.
			for _, st := range []consultation.CommentStatus{consultation.CommentPending, consultation.CommentRejected} {
				p, err := s.svc.ListComments(ctx, v.actor, s.d.ID, consultation.CommentFilter{Status: st})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range p.Comments {
					if !v.receipt {
						t.Fatalf("%s comment %d listed for %s", st, c.ID, v.name)
					}
				}
			}
			for _, id := range []int64{pending.ID, published.ID, rejected.ID} {
				_, err := s.svc.GetComment(ctx, v.actor, id)
				want := false
				for _, g := range v.gets {
					want = want || g == id
				}
				if want && err != nil {
					t.Fatalf("get %d: %v", id, err)
				}
				if !want {
					wantCode(t, err, "comment_not_found")
				}
			}
			st, err := s.svc.CommentStatistics(ctx, v.actor, s.d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Published != 1 || st.Participants != 1 || len(st.ByArticle) != 1 || st.ByArticle[0].Count != 1 ||
				st.ByArticle[0].ArticleLabel != "第三条" || (st.Internal != nil) != v.stats {
				t.Fatalf("statistics %+v", st)
			}
			for _, b := range st.ByStance {
				if (b.Stance == "support") != (b.Count == 1) {
					t.Fatalf("stances %+v", st.ByStance)
				}
			}
			_, _, err = s.svc.ListCommentGroups(ctx, v.actor, s.d.ID, consultation.CommentGroupFilter{})
			if v.stats != (err == nil) {
				t.Fatalf("groups: %v", err)
			}
		})
	}
	t.Run("LeadStaffStatistics", func(t *testing.T) {
		// The checkpoint groups every new comment (readers group only
		// what they list), whatever the subtests above did.
		if _, err := s.svc.CheckpointComments(ctx); err != nil {
			t.Fatal(err)
		}
		st, _ := s.svc.CommentStatistics(ctx, s.staff, s.d.ID)
		if in := st.Internal; in.Total != 3 || in.Pending != 1 || in.Rejected != 1 || in.Groups != 3 {
			t.Fatalf("internal counts %+v", in)
		}
	})
	t.Run("Receipt", func(t *testing.T) {
		for _, c := range []struct {
			receipt  string
			status   consultation.CommentStatus
			showText bool
		}{
			{pending.Receipt, consultation.CommentPending, false},
			{strings.ToLower(published.Receipt), consultation.CommentPublished, true},
			{rejected.Receipt, consultation.CommentRejected, false},
		} {
			got, err := s.svc.GetCommentByReceipt(ctx, c.receipt)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.status || (got.Body != "") != c.showText || got.AccountID != 0 {
				t.Fatalf("by receipt %s: %+v", c.receipt, got)
			}
		}
		for _, bad := range []string{"", "YJ-20260101-00000000", "x' OR 1=1", strings.Repeat("Y", 50)} {
			_, err := s.svc.GetCommentByReceipt(ctx, bad)
			wantCode(t, err, "comment_not_found")
		}
	})
	t.Run("ShowCommentsOff", func(t *testing.T) {
		h := newSubmitScene(t, time.Time{}, false)
		a := h.newResident(t)
		c := h.submit(t, a, consultation.CommentInput{Body: "不公开展示的意见"})
		if _, err := h.svc.ModerateComment(ctx, h.staff, c.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
		p, err := h.svc.ListComments(ctx, nil, h.d.ID, consultation.CommentFilter{})
		if err != nil || len(p.Comments) != 0 || p.CommentsPublic {
			t.Fatalf("public list %+v, %v", p, err)
		}
		_, err = h.svc.GetComment(ctx, nil, c.ID)
		wantCode(t, err, "comment_not_found")
		if p, _ := h.svc.ListComments(ctx, a, h.d.ID, consultation.CommentFilter{}); len(p.Comments) != 1 {
			t.Fatalf("the author does not see their own comment: %+v", p)
		}
		if st, _ := h.svc.CommentStatistics(ctx, nil, h.d.ID); st.Published != 1 {
			t.Fatalf("counts are not public: %+v", st)
		}
	})
}

// TestMassCampaignGrouping submits 1,000 copies of a campaign with small
// edits, concurrently, while the background grouper runs from two goroutines
// (two instances), and 20 different opinions: the copies land in one group,
// the opinions in 20, and staff see every comment grouped the moment they
// list the groups, whatever the background grouper has done.
func TestMassCampaignGrouping(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	s.svc.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	ctx := context.Background()
	residents := make([]*identity.Account, 10)
	for i := range residents {
		residents[i] = s.newResident(t)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	copies := make([]string, 1000)
	for i := range copies {
		copies[i] = consultation.CampaignCopy(rng, consultation.CampaignTemplate)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	grouperDone := make(chan struct{})
	var grouperWG sync.WaitGroup
	for range 2 {
		grouperWG.Go(func() {
			for {
				if _, err := s.svc.GroupComments(ctx); err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
				select {
				case <-grouperDone:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	for w := range 8 {
		wg.Go(func() {
			for i := range work {
				_, _, err := s.svc.SubmitComment(ctx, residents[(i+w)%len(residents)], s.d.ID,
					consultation.CommentInput{ArticleAnchor: s.anchors[2], Stance: "oppose", Body: copies[i]})
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range copies {
		work <- i
	}
	close(work)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d submissions failed, first: %v", len(failures), failures[0])
	}
	close(grouperDone)
	grouperWG.Wait()
	for i, body := range consultation.DistinctOpinions {
		s.submit(t, residents[i%len(residents)], consultation.CommentInput{Body: body})
	}
	// The opinions were stored after the background grouper stopped: the
	// list groups them before answering.
	groups, _, err := s.svc.ListCommentGroups(ctx, s.staff, s.d.ID, consultation.CommentGroupFilter{MinSize: 2})
	if err != nil || len(groups) != 1 || groups[0].Size != 1000 || groups[0].Pending != 1000 || groups[0].ArticleLabel != "第三条" {
		t.Fatalf("groups %+v, %v", groups, err)
	}
	rows, err := s.e.DB.Query(ctx, `SELECT g.size, (SELECT count(*) FROM comments c WHERE c.group_id = g.id)
		FROM comment_groups g WHERE g.decision_id = $1 ORDER BY g.size DESC`, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for rows.Next() {
		var size, members int
		rows.Scan(&size, &members)
		if size != members {
			t.Fatalf("group size %d but %d members", size, members)
		}
		sizes = append(sizes, size)
	}
	if len(sizes) != 21 || sizes[0] != 1000 || sizes[1] != 1 {
		t.Fatalf("group sizes %v", sizes)
	}
	// Identical text after normalising joins the same group even with
	// another stance missing; "同意" and "不同意" never merge.
	c := s.grouped(t, s.submit(t, residents[0], consultation.CommentInput{Body: consultation.CampaignTemplate + "！！"}))
	if c.GroupID == nil || *c.GroupID != groups[0].ID {
		t.Fatalf("exact copy went to group %v", c.GroupID)
	}
	yes := s.grouped(t, s.submit(t, residents[1], consultation.CommentInput{Body: "同意"}))
	no := s.grouped(t, s.submit(t, residents[1], consultation.CommentInput{Body: "不同意"}))
	yes2 := s.grouped(t, s.submit(t, residents[2], consultation.CommentInput{Body: "同意！"}))
	if *yes.GroupID == *no.GroupID || *yes.GroupID != *yes2.GroupID {
		t.Fatalf("short comments grouped %d %d %d", *yes.GroupID, *no.GroupID, *yes2.GroupID)
	}
	support := s.grouped(t, s.submit(t, residents[3], consultation.CommentInput{Stance: "support", Body: consultation.CampaignTemplate}))
	if *support.GroupID == groups[0].ID {
		t.Fatal("a comment with the opposite stance joined the campaign group")
	}
}

// TestCommentCheckpoints seals comments into the record and detects a
// changed text, a changed field and a removed comment, while an anonymised
// comment still verifies.
func TestCommentCheckpoints(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*submitScene, []consultation.Comment) {
		s := newSubmitScene(t, time.Time{}, true)
		r := s.newResident(t)
		var cs []consultation.Comment
		for i, body := range []string{"第一批意见一", "第一批意见二", "第一批意见三"} {
			cs = append(cs, s.submit(t, r, consultation.CommentInput{ArticleAnchor: s.anchors[i], Body: body}))
		}
		if n, err := s.svc.CheckpointComments(ctx); err != nil || n != 1 {
			t.Fatalf("checkpoints %d, %v", n, err)
		}
		s.e.Clock.Advance(time.Minute)
		for _, body := range []string{"第二批意见一", "第二批意见二"} {
			cs = append(cs, s.submit(t, r, consultation.CommentInput{Stance: "suggestion", Body: body}))
		}
		if n, err := s.svc.CheckpointComments(ctx); err != nil || n != 1 {
			t.Fatalf("second checkpoints %d, %v", n, err)
		}
		if n, err := s.svc.CheckpointComments(ctx); err != nil || n != 0 {
			t.Fatalf("nothing left to seal, yet %d, %v", n, err)
		}
		return s, cs
	}
	s, cs := setup(t)
	ok, problem, err := s.svc.VerifyCommentCheckpoints(ctx, s.d.ID)
	if err != nil || !ok {
		t.Fatalf("fresh checkpoints do not verify: %s %v", problem, err)
	}
	p := struct {
		First, Last, Count int64
		Root               string
	}{}
	var payload string
	if err := s.e.DB.QueryRow(ctx, `SELECT payload FROM record_entries WHERE decision_id = $1 AND kind = 'comment_checkpoint' ORDER BY seq LIMIT 1`,
		s.d.ID).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	m, _ := consultation.ParseRecordPayload(payload)
	p.Root, _ = m["merkle_root"].(string)
	leaves := make([][32]byte, 3)
	for i, c := range cs[:3] {
		anchor := c.ArticleAnchor
		leaves[i] = consultation.CommentLeafHash(c.ID, c.Receipt, c.DecisionID, c.VersionID, &anchor, c.AccountID, nil, c.BodyHash, c.CreatedAt)
	}
	if root := record.MerkleRoot(leaves); fmt.Sprintf("%x", root) != p.Root || fmt.Sprint(m["count"]) != "3" {
		t.Fatalf("recorded %v, recomputed %x from the documented leaves", m, root)
	}
	if r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !r.OK {
		t.Fatalf("record chain: %+v %v", r, err)
	}
	if got, _ := s.svc.GetComment(ctx, s.staff, cs[0].ID); got.CheckpointID == nil {
		t.Fatal("a sealed comment has no checkpoint")
	}

	cases := []struct {
		name    string
		tamper  string
		problem string // "" verifies
	}{
		{"ChangedText", `UPDATE comments SET body = '篡改后的意见' WHERE id = $1`, "text does not match its hash"},
		{"ChangedTextAndHash", `UPDATE comments SET body = 'x', body_hash = encode(sha256('x'), 'hex') WHERE id = $1`, "Merkle root does not match"},
		{"ChangedStance", `UPDATE comments SET stance = 'support' WHERE id = $1`, "Merkle root does not match"},
		{"ChangedAnchor", `UPDATE comments SET article_anchor = (SELECT anchor FROM draft_articles a
			WHERE a.version_id = comments.version_id ORDER BY number LIMIT 1) WHERE id = $1`, "Merkle root does not match"},
		{"Removed", `DELETE FROM comments WHERE id = $1`, "a comment was removed"},
		{"Unsealed", `UPDATE comments SET checkpoint_id = NULL WHERE id = $1`, "a comment was removed"},
		// Deleting personal data keeps the text (mydata.go): an anonymised
		// comment whose text is edited is caught like any other (issue 12).
		{"AnonymisedAndEdited", `UPDATE comments SET body = '（该居民已删除个人数据）', anonymised_at = now() WHERE id = $1`,
			"text does not match its hash"},
		{"Anonymised", `UPDATE comments SET show_name = false, client_addr = '', anonymised_at = now() WHERE id = $1`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, cs := setup(t)
			if _, err := s.e.DB.Exec(ctx, c.tamper, cs[3].ID); err != nil {
				t.Fatal(err)
			}
			ok, problem, err := s.svc.VerifyCommentCheckpoints(ctx, s.d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.problem == "" {
				if !ok {
					t.Fatalf("refused: %s", problem)
				}
				return
			}
			if ok || !strings.Contains(problem, c.problem) {
				t.Fatalf("problem %q, want %q", problem, c.problem)
			}
		})
	}
	t.Run("UnsealedChangedText", func(t *testing.T) {
		t.Parallel()
		s, _ := setup(t)
		c := s.submit(t, s.newResident(t), consultation.CommentInput{Body: "尚未封存的意见"})
		if _, err := s.e.DB.Exec(ctx, `UPDATE comments SET body = '改' WHERE id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		if ok, problem, _ := s.svc.VerifyCommentCheckpoints(ctx, s.d.ID); ok || !strings.Contains(problem, c.Receipt) {
			t.Fatalf("problem %q", problem)
		}
	})
}

// TestCheckpointGroupsWhatItSeals checks the background path of grouping:
// the checkpoint seals and groups new comments in one write, counts each
// comment in its group once, and leaves alone comments a reader of groups
// grouped first.
func TestCheckpointGroupsWhatItSeals(t *testing.T) {
	s := newSubmitScene(t, time.Time{}, true)
	s.svc.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	ctx := context.Background()
	r := s.newResident(t)
	for _, body := range []string{consultation.CampaignTemplate, consultation.CampaignTemplate + "！", "。" + consultation.CampaignTemplate,
		consultation.DistinctOpinions[0]} {
		s.submit(t, r, consultation.CommentInput{Body: body})
	}
	if _, err := s.svc.CheckpointComments(ctx); err != nil {
		t.Fatal(err)
	}
	state := func() (ungrouped, unsealed int, sizes string) {
		t.Helper()
		if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FILTER (WHERE group_id IS NULL), count(*) FILTER (WHERE checkpoint_id IS NULL),
			(SELECT string_agg(size::text, ',' ORDER BY size DESC) FROM comment_groups WHERE decision_id = $1)
			FROM comments WHERE decision_id = $1`, s.d.ID).Scan(&ungrouped, &unsealed, &sizes); err != nil {
			t.Fatal(err)
		}
		return
	}
	if u, n, sizes := state(); u != 0 || n != 0 || sizes != "3,1" {
		t.Fatalf("after the checkpoint: %d ungrouped, %d unsealed, sizes %s", u, n, sizes)
	}
	// A reader groups the next copy before the checkpoint seals it: the
	// checkpoint must not count it again.
	s.submit(t, r, consultation.CommentInput{Body: consultation.CampaignTemplate + "！！"})
	groups, _, err := s.svc.ListCommentGroups(ctx, s.staff, s.d.ID, consultation.CommentGroupFilter{MinSize: 2})
	if err != nil || len(groups) != 1 || groups[0].Size != 4 {
		t.Fatalf("groups %+v, %v", groups, err)
	}
	if _, err := s.svc.CheckpointComments(ctx); err != nil {
		t.Fatal(err)
	}
	if u, n, sizes := state(); u != 0 || n != 0 || sizes != "4,1" {
		t.Fatalf("after the second checkpoint: %d ungrouped, %d unsealed, sizes %s", u, n, sizes)
	}
	if ok, problem, err := s.svc.VerifyCommentCheckpoints(ctx, s.d.ID); err != nil || !ok {
		t.Fatalf("checkpoints do not verify: %s %v", problem, err)
	}
}
