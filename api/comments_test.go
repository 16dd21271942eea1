package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// commentsAPIScene is a decision under consultation with the callers of
// the comment operations.
type commentsAPIScene struct {
	*testenv.Env
	decision                     consultation.Decision
	anchors                      []string
	staff, other, author, reader string // tokens
}

func newCommentsAPIScene(t *testing.T, opens time.Time) *commentsAPIScene {
	t.Helper()
	e := newCity(t, "pdsszf", "jyj", "wjw")
	s := &commentsAPIScene{Env: e}
	staff, tok := e.Account(identity.RoleAgencyStaff, "jyj")
	s.staff = tok
	_, s.other = e.Account(identity.RoleAgencyStaff, "wjw")
	_, s.author = e.Account(identity.RoleResident, "")
	_, s.reader = e.Account(identity.RoleResident, "")
	d, v := draftDecision(t, e, &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"},
		consultation.DraftVersionInput{
			Text:        "第一条 为规范课后服务，制定本办法。\n第二条 本办法适用于城区公办学校。\n第三条 课后服务每生每学期收费不超过300元。",
			Explanation: "起草说明"})
	for _, a := range v.Articles {
		s.anchors = append(s.anchors, a.Anchor)
	}
	start := opens
	if start.IsZero() {
		start = e.Clock.Now()
	}
	e.OpenConsultation(&staff, d.ID, consultation.ConsultationInput{OpensAt: opens,
		EndsAt: start.Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台提出意见", ShowComments: true})
	s.decision = d
	return s
}

func (s *commentsAPIScene) path(suffix string) string {
	return fmt.Sprintf("/decisions/%d/%s", s.decision.ID, suffix)
}

func (s *commentsAPIScene) post(token, key string, body map[string]any) *testenv.Response {
	s.T.Helper()
	h := map[string]string{}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return s.DoHeaders(http.MethodPost, s.path("comments"), token, body, h)
}

type commentJSONView struct {
	ID           int64  `json:"id"`
	Receipt      string `json:"receipt"`
	Body         string `json:"body"`
	Status       string `json:"status"`
	AuthorName   string `json:"author_name"`
	ArticleLabel string `json:"article_label"`
	Own          bool   `json:"own"`
}

type commentListJSON struct {
	Comments       []commentJSONView `json:"comments"`
	NextCursor     string            `json:"next_cursor"`
	CommentsPublic bool              `json:"comments_public"`
}

// TestCommentAPI walks a comment through submission, retry, moderation and
// every read, and checks that HTML in the text comes back as the same text.
func TestCommentAPI(t *testing.T) {
	s := newCommentsAPIScene(t, time.Time{})
	const html = `<script>alert("x")</script> 收费&nbsp;<b>太高</b> & "引号"`
	body := map[string]any{"article_anchor": s.anchors[2], "stance": "oppose", "body": html}

	var first commentJSONView
	s.post(s.author, "retry-1", body).Expect(t, http.StatusCreated, "").JSON(t, &first)
	if first.Body != html || first.Status != "pending" || first.Receipt == "" || first.ArticleLabel != "第三条" || !first.Own {
		t.Fatalf("created %+v", first)
	}
	// A retry answers 201 again with the same comment, marked as replayed.
	res := s.post(s.author, "retry-1", body).Expect(t, http.StatusCreated, "")
	var again commentJSONView
	res.JSON(t, &again)
	if again.ID != first.ID || again.Receipt != first.Receipt || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay %+v %v", again, res.Header)
	}
	s.post(s.author, "retry-1", map[string]any{"body": "另一条"}).Expect(t, http.StatusConflict, "idempotency_key_reused")

	// Before moderation only the author and the lead unit see it.
	for _, c := range []struct {
		name, token string
		n           int
	}{{"Anonymous", "", 0}, {"OtherResident", s.reader, 0}, {"OtherAgency", s.other, 0}, {"Author", s.author, 1}, {"LeadStaff", s.staff, 1}} {
		t.Run("Pending"+c.name, func(t *testing.T) {
			var l commentListJSON
			s.Do(http.MethodGet, s.path("comments"), c.token, nil).Expect(t, http.StatusOK, "").JSON(t, &l)
			if len(l.Comments) != c.n {
				t.Fatalf("%d comments listed", len(l.Comments))
			}
			status := http.StatusOK
			if c.n == 0 {
				status = http.StatusNotFound
			}
			s.Do(http.MethodGet, "/comments/"+strconv.FormatInt(first.ID, 10), c.token, nil).Expect(t, status, "")
		})
	}
	var byReceipt commentJSONView
	s.Do(http.MethodGet, "/comment-receipts/"+first.Receipt, "", nil).Expect(t, http.StatusOK, "").JSON(t, &byReceipt)
	if byReceipt.Status != "pending" || byReceipt.Body != "" {
		t.Fatalf("receipt lookup of a pending comment %+v", byReceipt)
	}
	s.Do(http.MethodGet, "/comment-receipts/YJ-20200101-ABCDEFGH", "", nil).Expect(t, http.StatusNotFound, "comment_not_found")

	moderation := "/comments/" + strconv.FormatInt(first.ID, 10) + "/moderation"
	s.Do(http.MethodPost, moderation, s.author, map[string]any{"action": "publish"}).Expect(t, http.StatusForbidden, "forbidden_role")
	s.Do(http.MethodPost, moderation, s.other, map[string]any{"action": "publish"}).Expect(t, http.StatusForbidden, "not_lead_unit_staff")
	s.Do(http.MethodPost, moderation, s.staff, map[string]any{"action": "reject"}).Expect(t, http.StatusUnprocessableEntity, "rejection_reason_required")
	s.Do(http.MethodPost, moderation, s.staff, map[string]any{"action": "publish"}).Expect(t, http.StatusOK, "")

	var l commentListJSON
	s.Do(http.MethodGet, s.path("comments")+"?article="+s.anchors[2]+"&stance=oppose", "", nil).Expect(t, http.StatusOK, "").JSON(t, &l)
	if len(l.Comments) != 1 || l.Comments[0].Body != html || l.Comments[0].Receipt != "" || l.Comments[0].Own || !l.CommentsPublic {
		t.Fatalf("public list %+v", l)
	}
	s.Do(http.MethodGet, s.path("comments")+"?stance=maybe", "", nil).Expect(t, http.StatusUnprocessableEntity, "")
	s.Do(http.MethodGet, "/comment-receipts/"+first.Receipt, "", nil).Expect(t, http.StatusOK, "").JSON(t, &byReceipt)
	if byReceipt.Status != "published" || byReceipt.Body != html {
		t.Fatalf("receipt lookup of a published comment %+v", byReceipt)
	}

	var st struct {
		Published    int `json:"published"`
		Participants int `json:"participants"`
		ByArticle    []struct {
			ArticleLabel string `json:"article_label"`
			Count        int    `json:"count"`
		} `json:"by_article"`
		Internal *struct {
			Pending int `json:"pending"`
		} `json:"internal"`
	}
	s.Do(http.MethodGet, s.path("comment-statistics"), "", nil).Expect(t, http.StatusOK, "").JSON(t, &st)
	if st.Published != 1 || st.Participants != 1 || len(st.ByArticle) != 1 || st.ByArticle[0].ArticleLabel != "第三条" || st.Internal != nil {
		t.Fatalf("public statistics %+v", st)
	}
	s.Do(http.MethodGet, s.path("comment-statistics"), s.staff, nil).Expect(t, http.StatusOK, "").JSON(t, &st)
	if st.Internal == nil {
		t.Fatal("no internal counts for the lead unit")
	}

	var groups struct {
		Groups []struct {
			Size               int    `json:"size"`
			RepresentativeText string `json:"representative_text"`
			Published          int    `json:"published"`
		} `json:"groups"`
	}
	s.Do(http.MethodGet, s.path("comment-groups"), s.staff, nil).Expect(t, http.StatusOK, "").JSON(t, &groups)
	if len(groups.Groups) != 1 || groups.Groups[0].Size != 1 || groups.Groups[0].RepresentativeText != html || groups.Groups[0].Published != 1 {
		t.Fatalf("groups %+v", groups)
	}
	s.Do(http.MethodGet, s.path("comment-groups"), s.reader, nil).Expect(t, http.StatusForbidden, "forbidden_role")
	s.Do(http.MethodGet, s.path("comment-groups"), s.other, nil).Expect(t, http.StatusForbidden, "not_lead_unit_staff")

	// Staff do not comment as the public; anonymous callers must sign in.
	s.post(s.staff, "", map[string]any{"body": "工作人员的意见"}).Expect(t, http.StatusForbidden, "forbidden_role")
	s.post("", "", map[string]any{"body": "匿名意见"}).Expect(t, http.StatusUnauthorized, "")
	s.post(s.reader, "", map[string]any{"body": "  "}).Expect(t, http.StatusUnprocessableEntity, "comment_empty")
	s.post(s.reader, "", map[string]any{"body": "意见", "article_anchor": "a-0000000000"}).Expect(t, http.StatusUnprocessableEntity, "unknown_article")
}

// TestCommentAPIWindowAndRateLimit checks the 409 of a closed window with its
// legal basis, and the 429 with Retry-After of the per-account limit, which
// leaves another resident alone.
func TestCommentAPIWindowAndRateLimit(t *testing.T) {
	s := newCommentsAPIScene(t, time.Now().UTC().Truncate(time.Second).Add(time.Hour))
	res := s.post(s.author, "", map[string]any{"body": "太早的意见"}).Expect(t, http.StatusConflict, "consultation_not_open")
	var p problemJSON
	res.JSON(t, &p)
	if p.Basis != "Decree 713 Art. 15" {
		t.Fatalf("problem %+v", p)
	}
	s.Clock.Advance(time.Hour)
	for i := range 5 {
		s.post(s.author, "", map[string]any{"body": fmt.Sprintf("意见%d", i)}).Expect(t, http.StatusCreated, "")
	}
	res = s.post(s.author, "", map[string]any{"body": "第六条意见"}).Expect(t, http.StatusTooManyRequests, "comment_rate_limited")
	if res.Header.Get("Retry-After") != "60" {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	s.post(s.reader, "", map[string]any{"body": "另一位居民的意见"}).Expect(t, http.StatusCreated, "")
	s.Clock.Advance(consultation.MinConsultationWindow)
	_, late := s.Account(identity.RoleResident, "") // sessions last a day
	s.post(late, "", map[string]any{"body": "太晚的意见"}).Expect(t, http.StatusConflict, "consultation_not_open")
}
