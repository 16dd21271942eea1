package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
)

// orgScene is a decision under consultation, an organisation verified by an
// admin and the token of the resident who manages it.
type orgScene struct {
	*commentsAPIScene
	manager, admin string
	orgID          int64
}

func newOrgScene(t *testing.T) *orgScene {
	t.Helper()
	s := &orgScene{commentsAPIScene: newCommentsAPIScene(t, time.Time{})}
	_, s.manager = s.Account(identity.RoleResident, "")
	_, s.admin = s.Account(identity.RoleAdmin, "")
	var org struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	s.Do("POST", "/organisations", s.manager, map[string]any{"name": "平顶山市家长互助会", "credit_code": "91350100M000100Y43"}).
		Expect(t, 201, "").JSON(t, &org)
	if org.Status != "pending" {
		t.Fatalf("new organisation %+v", org)
	}
	s.orgID = org.ID
	return s
}

func (s *orgScene) verify(t *testing.T) {
	t.Helper()
	s.Do("POST", fmt.Sprintf("/organisations/%d/verification", s.orgID), s.admin, map[string]any{"status": "verified"}).Expect(t, 200, "")
}

type newKeyJSON struct {
	ID     int64    `json:"id"`
	Secret string   `json:"secret"`
	Prefix string   `json:"prefix"`
	Scopes []string `json:"scopes"`
}

func (s *orgScene) key(t *testing.T, limit int, scopes ...string) newKeyJSON {
	t.Helper()
	var k newKeyJSON
	s.Do("POST", fmt.Sprintf("/organisations/%d/api-keys", s.orgID), s.manager, map[string]any{"name": "同步程序", "scopes": scopes, "rate_limit": limit}).
		Expect(t, 201, "").JSON(t, &k)
	if !strings.HasPrefix(k.Secret, "cyk_") || !strings.HasPrefix(k.Secret, k.Prefix) {
		t.Fatalf("new key %+v", k)
	}
	return k
}

// TestOrganisationRegistration refuses a credit code whose check character
// is wrong and a key before an admin's verification; a resident cannot
// verify, an admin can.
func TestOrganisationRegistration(t *testing.T) {
	s := newOrgScene(t)
	s.Do("POST", "/organisations", s.manager, map[string]any{"name": "某协会", "credit_code": "91350100M000100Y44"}).Expect(t, 422, "invalid_credit_code")
	s.Do("POST", "/organisations", s.manager, map[string]any{"name": "同一协会", "credit_code": "91350100m000100y43"}).Expect(t, 409, "organisation_exists")
	s.Do("POST", fmt.Sprintf("/organisations/%d/api-keys", s.orgID), s.manager, map[string]any{"name": "k", "scopes": []string{"read"}}).
		Expect(t, 409, "organisation_not_verified")
	s.Do("POST", fmt.Sprintf("/organisations/%d/verification", s.orgID), s.manager, map[string]any{"status": "verified"}).Expect(t, 403, "")
	s.Do("POST", fmt.Sprintf("/organisations/%d/verification", s.orgID), s.admin, map[string]any{"status": "rejected"}).
		Expect(t, 422, "verification_note_required")
	s.verify(t)
	// The admin's verification is in the admin audit log (issue 15).
	var audit struct {
		Entries []struct {
			Action   string `json:"action"`
			TargetID int64  `json:"target_id"`
		} `json:"entries"`
	}
	s.Do("GET", "/admin/audit-log?action=verify_organisation", s.admin, nil).Expect(t, 200, "").JSON(t, &audit)
	if len(audit.Entries) != 1 || audit.Entries[0].TargetID != s.orgID {
		t.Fatalf("audit log after verifying the organisation: %+v", audit)
	}
	// Another resident neither sees nor manages it.
	s.Do("GET", fmt.Sprintf("/organisations/%d/api-keys", s.orgID), s.reader, nil).Expect(t, 404, "organisation_not_found")
	k := s.key(t, 0, "read")
	var list struct {
		Keys []map[string]any `json:"keys"`
	}
	s.Do("GET", fmt.Sprintf("/organisations/%d/api-keys", s.orgID), s.manager, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Keys) != 1 || list.Keys[0]["secret"] != nil || list.Keys[0]["rate_limit"].(float64) != 120 {
		t.Fatalf("keys %+v", list.Keys)
	}
	var n int
	if err := s.DB.QueryRow(t.Context(), `SELECT count(*) FROM api_keys WHERE secret_hash = $1 OR prefix = $1`, k.Secret).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the secret is stored in clear (%d, %v)", n, err)
	}
}

// TestAPIKeyRateLimit: a key's quota is its own; each answer carries the
// RateLimit headers; past the quota 429 with Retry-After; another key of
// the same organisation is not affected; a new window opens the key again.
func TestAPIKeyRateLimit(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	k := s.key(t, 3, "read")
	other := s.key(t, 3, "read")
	for i := 0; i < 3; i++ {
		r := s.Do("GET", "/open-data/changes?limit=1", k.Secret, nil).Expect(t, 200, "")
		if got, want := r.Header.Get("RateLimit"), fmt.Sprintf(`"key";r=%d;t=60`, 2-i); got != want {
			t.Fatalf("request %d: RateLimit %q, want %q", i+1, got, want)
		}
		if got := r.Header.Get("RateLimit-Policy"); got != `"key";q=3;w=60` {
			t.Fatalf("RateLimit-Policy %q", got)
		}
	}
	s.Clock.Advance(20 * time.Second)
	r := s.Do("GET", "/open-data/changes?limit=1", k.Secret, nil).Expect(t, 429, "api_key_rate_limited")
	if r.Header.Get("Retry-After") != "40" || r.Header.Get("RateLimit") != `"key";r=0;t=40` {
		t.Fatalf("429 headers Retry-After %q RateLimit %q", r.Header.Get("Retry-After"), r.Header.Get("RateLimit"))
	}
	s.Do("GET", "/open-data/changes?limit=1", other.Secret, nil).Expect(t, 200, "")
	s.Do("GET", "/open-data/changes?limit=1", "", nil).Expect(t, 200, "") // anonymous reading is not the key's
	s.Clock.Advance(40 * time.Second)
	s.Do("GET", "/open-data/changes?limit=1", k.Secret, nil).Expect(t, 200, "")
	// Every use is logged, the refused one too.
	var uses struct {
		Uses []struct {
			Operation string `json:"operation"`
			Status    int    `json:"status"`
		} `json:"uses"`
	}
	s.Do("GET", fmt.Sprintf("/organisations/%d/api-keys/%d/uses", s.orgID, k.ID), s.manager, nil).Expect(t, 200, "").JSON(t, &uses)
	var statuses []int
	for _, u := range uses.Uses {
		if u.Operation != "list-changes" {
			t.Fatalf("use %+v", u)
		}
		statuses = append(statuses, u.Status)
	}
	if fmt.Sprint(statuses) != "[200 429 200 200 200]" {
		t.Fatalf("logged statuses %v", statuses)
	}
}

// TestAPIKeyScopesAndRevocation: a read key cannot submit comments, a
// submit-only key cannot read, no key stands in for a signed-in account,
// and a revoked key (or one of a rejected organisation) is refused.
func TestAPIKeyScopesAndRevocation(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	read := s.key(t, 0, "read")
	submit := s.key(t, 0, "submit_comments")
	body := map[string]any{"body": "建议课后服务延长到18点，并对低保家庭免费。", "signatory_count": 3,
		"signatories": []map[string]any{{"name": "张三", "consent": true}}}
	s.Do("POST", s.path("organisation-comments"), read.Secret, body).Expect(t, 403, "api_key_scope")
	s.Do("GET", "/open-data/changes", submit.Secret, nil).Expect(t, 403, "api_key_scope")
	s.Do("GET", "/me", read.Secret, nil).Expect(t, 403, "api_key_not_allowed")
	s.Do("POST", s.path("organisation-comments"), s.manager, body).Expect(t, 401, "api_key_required")
	var n int
	if err := s.DB.QueryRow(t.Context(), `SELECT count(*) FROM comments`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused request stored %d comments (%v)", n, err)
	}
	s.Do("DELETE", fmt.Sprintf("/organisations/%d/api-keys/%d", s.orgID, read.ID), s.manager, nil).Expect(t, 200, "")
	s.Do("GET", "/open-data/changes", read.Secret, nil).Expect(t, 401, "api_key_revoked")
	s.Do("GET", "/open-data/changes", "cyk_notakey", nil).Expect(t, 401, "api_key_invalid")
	s.Do("POST", fmt.Sprintf("/organisations/%d/verification", s.orgID), s.admin, map[string]any{"status": "rejected", "note": "证照不符"}).Expect(t, 200, "")
	s.Do("POST", s.path("organisation-comments"), submit.Secret, body).Expect(t, 403, "organisation_not_verified")
	var logged int
	if err := s.DB.QueryRow(t.Context(), `SELECT count(*) FROM api_key_uses WHERE key_id = $1 AND status = 401`, read.ID).Scan(&logged); err != nil || logged != 1 {
		t.Fatalf("revoked key's attempt logged %d times (%v)", logged, err)
	}
}

// TestOrganisationComment submits a comment with its signatories through
// the consultation's gates, refuses a signatory named without consent, and
// replays an Idempotency-Key without a second comment.
func TestOrganisationComment(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	k := s.key(t, 0, "submit_comments", "read")
	body := map[string]any{"body": "建议课后服务延长到18点，并对低保家庭免费。", "stance": "suggestion", "article_anchor": s.anchors[2],
		"signatory_count": 120, "signatories": []map[string]any{{"name": "张三", "consent": true}, {"name": "李四", "consent": true}}}
	bad := map[string]any{"body": "同意。", "signatory_count": 2, "signatories": []map[string]any{{"name": "王五", "consent": false}}}
	s.Do("POST", s.path("organisation-comments"), k.Secret, bad).Expect(t, 422, "signatory_consent_required")
	bad = map[string]any{"body": "同意。", "signatory_count": 1, "signatories": []map[string]any{{"name": "王五", "consent": true}, {"name": "赵六", "consent": true}}}
	s.Do("POST", s.path("organisation-comments"), k.Secret, bad).Expect(t, 422, "invalid_signatory_count")
	var oc struct {
		Comment struct {
			ID      int64  `json:"id"`
			Receipt string `json:"receipt"`
			Status  string `json:"status"`
		} `json:"comment"`
		OrganisationName string   `json:"organisation_name"`
		SignatoryCount   int      `json:"signatory_count"`
		Signatories      []string `json:"signatories"`
	}
	h := map[string]string{"Idempotency-Key": "org-1"}
	s.DoHeaders("POST", s.path("organisation-comments"), k.Secret, body, h).Expect(t, 201, "").JSON(t, &oc)
	if oc.OrganisationName != "平顶山市家长互助会" || oc.SignatoryCount != 120 || strings.Join(oc.Signatories, ",") != "张三,李四" ||
		oc.Comment.Status != "pending" || oc.Comment.Receipt == "" {
		t.Fatalf("organisation comment %+v", oc)
	}
	r := s.DoHeaders("POST", s.path("organisation-comments"), k.Secret, body, h).Expect(t, 201, "")
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatal("a retry with the same key was not a replay")
	}
	var list struct {
		Comments []struct {
			CommentID      int64 `json:"comment_id"`
			SignatoryCount int   `json:"signatory_count"`
			NamedCount     int   `json:"named_count"`
		} `json:"comments"`
	}
	s.Do("GET", fmt.Sprintf("/organisations/%d/comments", s.orgID), s.manager, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Comments) != 1 || list.Comments[0].CommentID != oc.Comment.ID || list.Comments[0].NamedCount != 2 {
		t.Fatalf("organisation's comments %+v", list.Comments)
	}
	// Published, it stands under the organisation's name with the number
	// it speaks for, not under its manager's pseudonym.
	s.Do("POST", fmt.Sprintf("/comments/%d/moderation", oc.Comment.ID), s.staff, map[string]any{"action": "publish"}).Expect(t, 200, "")
	var public struct {
		Comments []struct {
			ID             int64  `json:"id"`
			AuthorName     string `json:"author_name"`
			SignatoryCount int    `json:"signatory_count"`
		} `json:"comments"`
	}
	s.Do("GET", s.path("comments"), "", nil).Expect(t, 200, "").JSON(t, &public)
	if len(public.Comments) != 1 || public.Comments[0].AuthorName != "平顶山市家长互助会" || public.Comments[0].SignatoryCount != 120 {
		t.Fatalf("the published organisation comment: %+v", public.Comments)
	}
	// The open data (exports and change feed read the open_* views) says the same.
	var openAuthor string
	if err := s.DB.QueryRow(context.Background(), `SELECT author_name FROM open_comments WHERE id = $1`, oc.Comment.ID).Scan(&openAuthor); err != nil ||
		openAuthor != "平顶山市家长互助会" {
		t.Fatalf("open_comments author %q: %v", openAuthor, err)
	}
	// The staff export names the organisation and how many it speaks for
	// beside its manager's account.
	export := s.Do("GET", fmt.Sprintf("/decisions/%d/comments/export", s.decision.ID), s.staff, nil).Expect(t, 200, "")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(export.Body), "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("export rows %v: %v", rows, err)
	}
	if rows[0][13] != "提交组织" || rows[0][14] != "联署人数" || rows[1][13] != "平顶山市家长互助会" || rows[1][14] != "120" ||
		rows[1][15] != "建议课后服务延长到18点，并对低保家庭免费。" {
		t.Fatalf("export:\n%v\n%v", rows[0], rows[1])
	}

	// The window closes: the same gate as a resident's comment.
	s.Clock.Advance(31 * 24 * time.Hour)
	body["body"] = "另一条意见"
	s.Do("POST", s.path("organisation-comments"), k.Secret, body).Expect(t, http.StatusConflict, "consultation_not_open")
}

// TestWebhookOperations: a private target is refused unless allowed; the
// secret is shown once; an event is fanned out and listed as a delivery;
// redeliver and delete answer; another resident sees none of it.
func TestWebhookOperations(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	hooks := fmt.Sprintf("/organisations/%d/webhooks", s.orgID)
	body := map[string]any{"url": "http://127.0.0.1:9/hook", "kinds": []string{"consultation_opened", "decision_published"}}
	s.Do("POST", hooks, s.manager, body).Expect(t, 422, "webhook_target_private")
	s.Do("POST", hooks, s.manager, map[string]any{"url": "https://example.org/x", "kinds": []string{"no_such_kind"}}).Expect(t, 422, "")
	s.Integrations.AllowPrivateTargets = true
	var hook struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
		Status string `json:"status"`
	}
	s.Do("POST", hooks, s.manager, body).Expect(t, 201, "").JSON(t, &hook)
	if !strings.HasPrefix(hook.Secret, "whsec_") || hook.Status != "active" {
		t.Fatalf("webhook %+v", hook)
	}
	var list struct {
		Webhooks []map[string]any `json:"webhooks"`
	}
	s.Do("GET", hooks, s.manager, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Webhooks) != 1 || list.Webhooks[0]["secret"] != nil {
		t.Fatalf("webhooks %+v", list.Webhooks)
	}
	s.Do("GET", hooks, s.reader, nil).Expect(t, 404, "organisation_not_found")
	// The consultation of the scene was opened before the webhook: its event is fanned out now.
	if _, err := s.Integrations.FanOut(t.Context()); err != nil {
		t.Fatal(err)
	}
	var deliveries struct {
		Deliveries []struct {
			ID     int64  `json:"id"`
			Kind   string `json:"kind"`
			Status string `json:"status"`
		} `json:"deliveries"`
	}
	s.Do("GET", fmt.Sprintf("%s/%d/deliveries", hooks, hook.ID), s.manager, nil).Expect(t, 200, "").JSON(t, &deliveries)
	if len(deliveries.Deliveries) != 1 || deliveries.Deliveries[0].Kind != "consultation_opened" || deliveries.Deliveries[0].Status != "pending" {
		t.Fatalf("deliveries %+v", deliveries.Deliveries)
	}
	s.Do("POST", fmt.Sprintf("%s/%d/redeliveries", hooks, hook.ID), s.manager, map[string]any{"delivery_id": 999999}).Expect(t, 404, "delivery_not_found")
	s.Do("DELETE", fmt.Sprintf("%s/%d", hooks, hook.ID), s.manager, nil).Expect(t, 204, "")
	s.Do("GET", fmt.Sprintf("%s/%d/deliveries", hooks, hook.ID), s.manager, nil).Expect(t, 404, "webhook_not_found")
}

// TestDisabledManagersKeyCommentsNoMore: an organisation's comment is filed
// as a comment of the account that manages it, and an admin who disabled
// that account (abusive comments, say) found it still commenting through
// the organisation's key (outside check sec2). The key is refused until the
// account is enabled again.
func TestDisabledManagersKeyCommentsNoMore(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	k := s.key(t, 0, "submit_comments", "read")
	var me struct {
		ID int64 `json:"id"`
	}
	s.Do("GET", "/me", s.manager, nil).Expect(t, 200, "").JSON(t, &me)
	s.Do("POST", fmt.Sprintf("/accounts/%d/disable", me.ID), s.admin, map[string]any{"reason": "多次发布辱骂性意见"}).Expect(t, 200, "")
	body := map[string]any{"body": "建议课后服务延长到18点。", "signatory_count": 3}
	s.Do("POST", s.path("organisation-comments"), k.Secret, body).Expect(t, 403, "organisation_manager_disabled")
	var n int
	if err := s.DB.QueryRow(context.Background(), `SELECT count(*) FROM comments`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d comments stored (%v)", n, err)
	}
	s.Do("POST", fmt.Sprintf("/accounts/%d/enable", me.ID), s.admin, nil).Expect(t, 200, "")
	s.Do("POST", s.path("organisation-comments"), k.Secret, body).Expect(t, 201, "")
}

// TestOrganisationKeysShareOneLimit: a key may ask for at most 1,200
// requests a minute, so that one organisation takes at most about a fifth
// of what the service answers; ten keys made ten times that (outside check
// sec2). The keys an organisation has not revoked share the 1,200.
func TestOrganisationKeysShareOneLimit(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	big := s.key(t, 1000, "read")
	path := fmt.Sprintf("/organisations/%d/api-keys", s.orgID)
	r := s.Do("POST", path, s.manager, map[string]any{"name": "第二个", "scopes": []string{"read"}, "rate_limit": 300}).
		Expect(t, 409, "organisation_rate_limit_exceeded")
	if !strings.Contains(string(r.Body), "200") {
		t.Errorf("the refusal does not say what is left: %s", r.Body)
	}
	s.key(t, 200, "read")
	s.Do("POST", path, s.manager, map[string]any{"name": "第三个", "scopes": []string{"read"}}).Expect(t, 409, "organisation_rate_limit_exceeded")
	s.Do("DELETE", fmt.Sprintf("%s/%d", path, big.ID), s.manager, nil).Expect(t, 200, "")
	s.key(t, 1000, "read")
}

// TestOrganisationCommentAnswerKeepsTheManagerApart: the answer to an
// organisation's comment named the comment's author as the pseudonym of the
// account that manages the organisation, under which that resident's own
// comments stand: whoever held the key (a contractor, say) could find them
// (outside check sec2). The answer names the organisation, first and on a
// retry alike.
func TestOrganisationCommentAnswerKeepsTheManagerApart(t *testing.T) {
	s := newOrgScene(t)
	s.verify(t)
	k := s.key(t, 0, "submit_comments")
	var me struct {
		Pseudonym string `json:"pseudonym"`
	}
	s.Do("GET", "/me", s.manager, nil).Expect(t, 200, "").JSON(t, &me)
	if me.Pseudonym == "" {
		t.Fatal("no pseudonym in /me")
	}
	body := map[string]any{"body": "建议课后服务延长到18点。", "signatory_count": 3}
	h := map[string]string{"Idempotency-Key": "org-pseudonym"}
	for _, try := range []string{"first", "retry"} {
		r := s.DoHeaders("POST", s.path("organisation-comments"), k.Secret, body, h).Expect(t, 201, "")
		var oc struct {
			Comment struct {
				AuthorName string `json:"author_name"`
			} `json:"comment"`
		}
		r.JSON(t, &oc)
		if strings.Contains(string(r.Body), me.Pseudonym) || oc.Comment.AuthorName != "平顶山市家长互助会" {
			t.Errorf("%s answer: author %q, the manager is %q", try, oc.Comment.AuthorName, me.Pseudonym)
		}
	}
}
