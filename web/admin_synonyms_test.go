package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestAdminSynonymsPage: an admin adds a near-synonym group in the page and
// a resident's search for one word then finds a comment that uses the
// other (it did not before); deleting the group undoes it; residents
// cannot open the page.
func TestAdminSynonymsPage(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "平顶山市城区义务教育学校招生入学办法")
	e.publish(t, d)
	ctx := context.Background()
	if _, err := e.DB.Exec(ctx, `UPDATE consultations SET show_comments = true WHERE decision_id = $1`, d.ID); err != nil {
		t.Fatal(err)
	}
	resident, residentToken := e.Account(identity.RoleResident, "")
	publishedComment(t, e.Consultation, &resident, &e.staff, d.ID, consultation.CommentInput{
		Body: "学校门口的冒菜摊子卫生没保障", ClientAddr: "10.2.2.3"})
	e.DrainSearch()
	if _, ok := searchFinds(t, e, "麻辣烫"); ok {
		t.Fatal("found before the synonym exists: the test proves nothing")
	}

	_, adminToken := e.Account(identity.RoleAdmin, "")
	admin := newBrowser(t, e.URL, adminToken)
	status, body := admin.get("/admin/synonyms")
	wantStatus(t, "admin page", status, http.StatusOK, body)
	if !strings.Contains(body, `name="words"`) || !strings.Contains(body, "<label") {
		t.Fatalf("no labelled form: %s", snippet(body))
	}
	status, loc := admin.post("/admin/synonyms", url.Values{"words": {"麻辣烫、冒菜"}})
	if status != http.StatusSeeOther || !strings.Contains(loc, "synonyms_added") {
		t.Fatalf("add: %d %s", status, loc)
	}
	if _, ok := searchFinds(t, e, "麻辣烫"); !ok {
		t.Fatal("the new synonym does not find the comment")
	}
	_, body = admin.get("/admin/synonyms")
	if !strings.Contains(body, "麻辣烫、冒菜") {
		t.Fatalf("group not listed: %s", snippet(body))
	}
	status, body = admin.post("/admin/synonyms", url.Values{"words": {"麻辣烫"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "2到12个词") {
		t.Fatalf("one word: %d %s", status, snippet(body))
	}
	var id string
	if err := e.DB.QueryRow(ctx, `SELECT id::text FROM search_synonyms`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if status, loc := admin.post("/admin/synonyms/"+id+"/delete", nil); status != http.StatusSeeOther || !strings.Contains(loc, "synonyms_deleted") {
		t.Fatalf("delete: %d %s", status, loc)
	}
	if _, ok := searchFinds(t, e, "麻辣烫"); ok {
		t.Fatal("still found after the group was deleted")
	}
	if status, _ := newBrowser(t, e.URL, residentToken).get("/admin/synonyms"); status != http.StatusForbidden {
		t.Errorf("resident: %d, want 403", status)
	}
}
