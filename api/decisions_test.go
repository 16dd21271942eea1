package api_test

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/api"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// decisionEnv is a city with its government, two departments and a token
// for each kind of caller.
type decisionEnv struct {
	*testenv.Env
	staffAcct                     identity.Account
	staff, other, resident, admin string
}

func newDecisionEnv(t *testing.T) *decisionEnv {
	t.Helper()
	e := newCity(t, "pdsszf", "jyj", "wjw")
	d := &decisionEnv{Env: e}
	d.staffAcct, d.staff = e.Account(identity.RoleAgencyStaff, "jyj")
	_, d.other = e.Account(identity.RoleAgencyStaff, "wjw")
	_, d.resident = e.Account(identity.RoleResident, "")
	_, d.admin = e.Account(identity.RoleAdmin, "")
	return d
}

func decisionBody(edit func(map[string]any)) map[string]any {
	b := map[string]any{"title": "平顶山市城区义务教育学校招生入学办法", "summary": "规范城区义务教育阶段学校招生入学工作。",
		"category": "public_services", "domain": "education_culture", "decision_body": "pdsszf", "lead_agency": "jyj"}
	if edit != nil {
		edit(b)
	}
	return b
}

type decisionJSON struct {
	ID              int64  `json:"id"`
	Title           string `json:"title"`
	Domain          string `json:"domain"`
	Status          string `json:"status"`
	WithdrawnReason string `json:"withdrawn_reason"`
	Public          bool   `json:"public"`
	CreatedAt       string `json:"created_at"`
	LeadAgency      struct {
		Code string `json:"code"`
	} `json:"lead_agency"`
	CoAgencies   []string `json:"co_agencies"`
	Consultation *struct {
		VersionNumber    int    `json:"version_number"`
		OpensAt          string `json:"opens_at"`
		EndsAt           string `json:"ends_at"`
		WaysToComment    string `json:"ways_to_comment"`
		ShorteningReason string `json:"shortening_reason"`
		ShowComments     bool   `json:"show_comments"`
		Extended         bool   `json:"extended"`
		Open             bool   `json:"open"`
		ClosedAt         string `json:"closed_at"`
	} `json:"consultation"`
}

type problemJSON struct {
	Code  string `json:"code"`
	Basis string `json:"basis"`
	Gates []struct {
		Code    string `json:"code"`
		Basis   string `json:"basis"`
		Message string `json:"message"`
	} `json:"gates"`
}

// create makes a drafting decision of 市教育局 and returns its id.
func (d *decisionEnv) create(t *testing.T, edit func(map[string]any)) int64 {
	t.Helper()
	var out decisionJSON
	d.Do("POST", "/decisions", d.staff, decisionBody(edit)).Expect(t, 201, "").JSON(t, &out)
	return out.ID
}

// addVersion uploads the next draft version of the decision.
func (d *decisionEnv) addVersion(t *testing.T, decisionID int64, explanation string) {
	t.Helper()
	draftVersion(t, d.Env, &d.staffAcct, decisionID, consultation.DraftVersionInput{
		Text:        "第一条 为规范城区义务教育学校招生入学工作，制定本办法。\n第二条 本办法适用于本市城区公办义务教育学校。",
		Explanation: explanation, LegalBasis: []string{"《中华人民共和国义务教育法》"}})
}

func (d *decisionEnv) openBody(ends time.Time) map[string]any {
	return map[string]any{"ends_at": ends.Format(time.RFC3339), "ways_to_comment": "登录本平台逐条提出意见，或来信寄至市教育局政策法规科"}
}

// consulting makes a decision with a version and opens a 30-day consultation.
func (d *decisionEnv) consulting(t *testing.T, edit func(map[string]any)) int64 {
	t.Helper()
	id := d.create(t, edit)
	d.addVersion(t, id, "起草说明：依据义务教育法，结合本市实际。")
	d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", id), d.staff, d.openBody(d.Clock.Now().Add(consultation.MinConsultationWindow))).Expect(t, 201, "")
	return id
}

func (d *decisionEnv) get(t *testing.T, token string, id int64) decisionJSON {
	t.Helper()
	var out decisionJSON
	d.Do("GET", fmt.Sprintf("/decisions/%d", id), token, nil).Expect(t, 200, "").JSON(t, &out)
	return out
}

func (d *decisionEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := d.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenConsultationWindowAPI(t *testing.T) {
	d := newDecisionEnv(t)
	now := d.Clock.Now()
	const window = 30 * 24 * time.Hour
	cases := []struct {
		name   string
		ends   time.Time
		reason string
		status int
		code   string
	}{
		{"Exactly30Days", now.Add(window), "", 201, ""},
		{"OneSecondShort", now.Add(window - time.Second), "", 409, "consultation_window_too_short"},
		{"OneSecondShortWithReason", now.Add(window - time.Second), "汛期临近，防汛设施建设安排紧急", 201, ""},
		{"EndsBeforeOpens", now.Add(-time.Second), "", 422, "consultation_window_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := d.create(t, nil)
			d.addVersion(t, id, "起草说明")
			records := d.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, id)
			body := d.openBody(c.ends)
			if c.reason != "" {
				body["shortening_reason"] = c.reason
			}
			r := d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", id), d.staff, body).Expect(t, c.status, c.code)
			if c.status != 201 {
				var p problemJSON
				r.JSON(t, &p)
				if p.Basis != "Decree 713 Art. 15" {
					t.Fatalf("basis: %s", r.Body)
				}
				if c.status == 409 && (len(p.Gates) != 1 || p.Gates[0].Code != c.code || p.Gates[0].Basis != "Decree 713 Art. 15" || p.Gates[0].Message == "") {
					t.Fatalf("gates: %s", r.Body)
				}
				// Nothing public, nothing recorded.
				d.Do("GET", fmt.Sprintf("/decisions/%d", id), "", nil).Expect(t, 404, "decision_not_found")
				if n := d.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, id); n != records {
					t.Fatalf("record grew from %d to %d entries", records, n)
				}
				if n := d.count(t, `SELECT count(*) FROM consultations WHERE decision_id = $1`, id); n != 0 {
					t.Fatal("a consultation row was stored")
				}
				return
			}
			// The notice, with any shortening reason, is public.
			got := d.get(t, "", id)
			cons := got.Consultation
			if got.Status != "consulting" || !got.Public || cons == nil || !cons.Open || cons.VersionNumber != 1 || !cons.ShowComments {
				t.Fatalf("public view: %+v", got)
			}
			if cons.ShorteningReason != c.reason || cons.EndsAt != c.ends.UTC().Format(time.RFC3339) || cons.OpensAt != now.UTC().Format(time.RFC3339) {
				t.Fatalf("notice: %+v", *cons)
			}
		})
	}
	t.Run("RefusedGatesAllListed", func(t *testing.T) {
		id := d.create(t, nil)
		body := d.openBody(now.Add(window - time.Second))
		delete(body, "ways_to_comment")
		r := d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", id), d.staff, body).Expect(t, 409, "procedure_gate_failed")
		var p problemJSON
		r.JSON(t, &p)
		var codes []string
		for _, g := range p.Gates {
			codes = append(codes, g.Code)
		}
		want := []string{"draft_version_required", "explanation_required", "ways_to_comment_required", "consultation_window_too_short"}
		if !slices.Equal(codes, want) {
			t.Fatalf("gates %v, want %v", codes, want)
		}
		if got := d.get(t, d.staff, id); got.Status != "drafting" || got.Consultation != nil {
			t.Fatalf("changed: %+v", got)
		}
	})
	t.Run("ShowCommentsFalseKept", func(t *testing.T) {
		id := d.create(t, nil)
		d.addVersion(t, id, "起草说明")
		body := d.openBody(now.Add(window))
		body["show_comments"] = false
		d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", id), d.staff, body).Expect(t, 201, "")
		if got := d.get(t, "", id); got.Consultation.ShowComments {
			t.Fatal("show_comments false was ignored")
		}
	})
}

func TestExtendConsultationAPI(t *testing.T) {
	d := newDecisionEnv(t)
	id := d.consulting(t, nil)
	ends := d.get(t, "", id).Consultation.EndsAt
	end, _ := time.Parse(time.RFC3339, ends)
	path := fmt.Sprintf("/decisions/%d/consultation/extend", id)
	d.Do("POST", path, d.staff, map[string]any{"ends_at": ends, "reason": "延长"}).Expect(t, 409, "consultation_shortening_refused")
	d.Do("POST", path, d.staff, map[string]any{"ends_at": end.Add(-time.Hour), "reason": "缩短"}).Expect(t, 409, "consultation_shortening_refused")
	d.Do("POST", path, d.staff, map[string]any{"ends_at": end.Add(time.Hour)}).Expect(t, 422, "extension_reason_required")
	later := end.Add(7 * 24 * time.Hour)
	d.Do("POST", path, d.staff, map[string]any{"ends_at": later, "reason": "收到较多意见，延长七日"}).Expect(t, 200, "")
	got := d.get(t, "", id).Consultation
	if got.EndsAt != later.UTC().Format(time.RFC3339) || !got.Extended {
		t.Fatalf("extended: %+v", *got)
	}
	kinds := d.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = 'consultation_extended'`, id)
	if kinds != 1 {
		t.Fatalf("%d consultation_extended entries", kinds)
	}

	// A short window (with its reason) that has ended cannot be extended.
	short := d.create(t, nil)
	d.addVersion(t, short, "起草说明")
	body := d.openBody(d.Clock.Now().Add(time.Hour))
	body["shortening_reason"] = "突发公共卫生事件，需尽快出台"
	d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", short), d.staff, body).Expect(t, 201, "")
	d.Clock.Advance(time.Hour)
	d.Do("POST", fmt.Sprintf("/decisions/%d/consultation/extend", short), d.staff, map[string]any{
		"ends_at": d.Clock.Now().Add(24 * time.Hour), "reason": "再延长"}).Expect(t, 409, "consultation_not_open")
	if got := d.get(t, "", short).Consultation; got.Open {
		t.Fatal("open after its end")
	}
}

// TestDecisionWritesForbidden: staff of another agency get 403 on every
// write, whether or not they can read the decision; residents and admins
// are not agency staff; anonymous callers must sign in.
func TestDecisionWritesForbidden(t *testing.T) {
	d := newDecisionEnv(t)
	draft := d.create(t, nil)
	d.addVersion(t, draft, "起草说明")
	public := d.consulting(t, nil)
	ends := d.Clock.Now().Add(40 * 24 * time.Hour)
	type write struct {
		name, method, path string
		body               any
	}
	writes := []write{
		{"CreateForOtherAgency", "POST", "/decisions", decisionBody(nil)},
	}
	for name, id := range map[string]int64{"Draft": draft, "Public": public} {
		writes = append(writes,
			write{"Update" + name, "PUT", fmt.Sprintf("/decisions/%d", id), decisionBody(func(b map[string]any) { b["title"] = "篡改" })},
			write{"Withdraw" + name, "POST", fmt.Sprintf("/decisions/%d/withdraw", id), map[string]any{"reason": "越权撤回"}})
	}
	writes = append(writes,
		write{"Open", "POST", fmt.Sprintf("/decisions/%d/consultation", draft), d.openBody(ends)},
		write{"Extend", "POST", fmt.Sprintf("/decisions/%d/consultation/extend", public), map[string]any{"ends_at": ends, "reason": "越权延长"}})
	callers := []struct {
		name, token string
		status      int
		code        string
	}{
		{"OtherAgencyStaff", d.other, 403, "not_lead_unit_staff"},
		{"Resident", d.resident, 403, "forbidden_role"},
		{"Admin", d.admin, 403, "forbidden_role"},
		{"Anonymous", "", 401, "authentication_required"},
	}
	for _, c := range callers {
		for _, w := range writes {
			t.Run(c.name+"/"+w.name, func(t *testing.T) {
				d.Do(w.method, w.path, c.token, w.body).Expect(t, c.status, c.code)
			})
		}
	}
	if got := d.get(t, d.staff, draft); got.Status != "drafting" || got.Title == "篡改" {
		t.Fatalf("draft changed: %+v", got)
	}
	if got := d.get(t, d.staff, public); got.Status != "consulting" || got.Title == "篡改" || got.Consultation.Extended {
		t.Fatalf("public decision changed: %+v", got)
	}
	if n := d.count(t, `SELECT count(*) FROM decisions`); n != 2 {
		t.Fatalf("%d decisions", n)
	}
}

// TestDraftsInvisible: residents and anonymous visitors see no draft
// anywhere until its consultation opens.
func TestDraftsInvisible(t *testing.T) {
	d := newDecisionEnv(t)
	id := d.create(t, func(b map[string]any) { b["title"] = "城区学区划分调整方案" })
	d.addVersion(t, id, "起草说明")
	listed := func(token, query string) bool {
		t.Helper()
		var out struct {
			Decisions []decisionJSON `json:"decisions"`
		}
		d.Do("GET", "/decisions"+query, token, nil).Expect(t, 200, "").JSON(t, &out)
		for _, x := range out.Decisions {
			if x.ID == id {
				return true
			}
		}
		return false
	}
	outsiders := []struct{ name, token string }{{"Anonymous", ""}, {"Resident", d.resident}, {"OtherAgency", d.other}}
	for _, o := range outsiders {
		t.Run(o.name+"Drafting", func(t *testing.T) {
			for _, q := range []string{"", "?status=drafting", "?q=" + url.QueryEscape("学区"), "?lead_agency=jyj", "?mine=true"} {
				if listed(o.token, q) {
					t.Fatalf("draft listed with %q", q)
				}
			}
			d.Do("GET", fmt.Sprintf("/decisions/%d", id), o.token, nil).Expect(t, 404, "decision_not_found")
			if o.token == "" {
				d.Do("GET", fmt.Sprintf("/decisions/%d/gates", id), "", nil).Expect(t, 401, "authentication_required")
			} else {
				d.Do("GET", fmt.Sprintf("/decisions/%d/gates", id), o.token, nil).Expect(t, 404, "decision_not_found")
			}
		})
	}
	if !listed(d.staff, "?mine=true") || !listed(d.staff, "") {
		t.Fatal("the lead unit does not see its draft")
	}
	d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", id), d.staff, d.openBody(d.Clock.Now().Add(consultation.MinConsultationWindow))).Expect(t, 201, "")
	for _, o := range outsiders {
		t.Run(o.name+"Consulting", func(t *testing.T) {
			if !listed(o.token, "") || !listed(o.token, "?status=consulting") {
				t.Fatal("consulting decision not listed")
			}
			if got := d.get(t, o.token, id); got.Consultation == nil || !got.Consultation.Open {
				t.Fatalf("no open notice: %+v", got)
			}
		})
	}
	// The checklist stays with the agencies concerned.
	d.Do("GET", fmt.Sprintf("/decisions/%d/gates", id), d.resident, nil).Expect(t, 403, "not_lead_unit_staff")
}

func TestCreateDecisionAPI(t *testing.T) {
	d := newDecisionEnv(t)
	cases := []struct {
		name   string
		edit   func(map[string]any)
		status int
		code   string
		basis  string
	}{
		{"Legislation", func(b map[string]any) { b["category"] = "legislation" }, 422, "excluded_matter", "Decree 713 Art. 3"},
		{"MacroControl", func(b map[string]any) { b["category"] = "fiscal_monetary_macro_control" }, 422, "excluded_matter", "Decree 713 Art. 3"},
		{"Emergency", func(b map[string]any) { b["category"] = "emergency_response" }, 422, "excluded_matter", "Decree 713 Art. 3"},
		{"NotDisclosableWithoutReason", func(b map[string]any) { b["not_disclosable"] = true }, 422, "not_disclosable_reason_required", "Decree 713 Art. 14"},
		{"UnknownCategory", func(b map[string]any) { b["category"] = "tax" }, 422, "validation_failed", ""},
		{"BadDate", func(b map[string]any) { b["planned_decision_date"] = "2026-02-30" }, 422, "", ""},
		{"NoLeadAgency", func(b map[string]any) { delete(b, "lead_agency") }, 422, "agency_not_found", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := d.Do("POST", "/decisions", d.staff, decisionBody(c.edit)).Expect(t, c.status, c.code)
			var p problemJSON
			r.JSON(t, &p)
			if p.Basis != c.basis {
				t.Fatalf("basis: %s", r.Body)
			}
		})
	}
	if n := d.count(t, `SELECT count(*) FROM decisions`); n != 0 {
		t.Fatalf("refused creations stored %d decisions", n)
	}
	t.Run("NotDisclosable", func(t *testing.T) {
		id := d.create(t, func(b map[string]any) {
			b["not_disclosable"], b["not_disclosable_reason"] = true, "涉及国家秘密（《保守国家秘密法》第九条）"
		})
		d.addVersion(t, id, "起草说明")
		r := d.Do("POST", fmt.Sprintf("/decisions/%d/consultation", id), d.staff, d.openBody(d.Clock.Now().Add(consultation.MinConsultationWindow))).
			Expect(t, 409, "consultation_not_disclosable")
		var p problemJSON
		r.JSON(t, &p)
		if p.Basis != "Decree 713 Art. 14" || len(p.Gates) != 1 {
			t.Fatalf("problem: %s", r.Body)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		var got map[string]any
		d.Do("POST", "/decisions", d.staff, decisionBody(func(b map[string]any) {
			b["co_agencies"] = []string{"wjw"}
			b["planned_decision_date"] = "2026-06-30"
			b["technical"] = true
		})).Expect(t, 201, "").JSON(t, &got)
		if got["planned_decision_date"] != "2026-06-30" || got["technical"] != true || fmt.Sprint(got["co_agencies"]) != "[wjw]" ||
			got["status"] != "drafting" || got["public"] != false || got["category_name"] == "" {
			t.Fatalf("created: %v", got)
		}
		if ts, _ := got["created_at"].(string); !strings.HasSuffix(ts, "Z") {
			t.Fatalf("created_at not in UTC: %v", got["created_at"])
		}
		id := int64(got["id"].(float64))
		d.Do("PUT", fmt.Sprintf("/decisions/%d", id), d.staff, decisionBody(func(b map[string]any) {
			delete(b, "lead_agency")
			b["title"] = "平顶山市城区义务教育学校招生入学实施办法"
		})).Expect(t, 200, "")
		if g := d.get(t, d.staff, id); g.Title != "平顶山市城区义务教育学校招生入学实施办法" || g.LeadAgency.Code != "jyj" || len(g.CoAgencies) != 0 {
			t.Fatalf("updated: %+v", g)
		}
	})
}

func TestWithdrawDecisionAPI(t *testing.T) {
	d := newDecisionEnv(t)
	draft := d.create(t, nil)
	d.Do("POST", fmt.Sprintf("/decisions/%d/withdraw", draft), d.staff, map[string]any{}).Expect(t, 422, "withdraw_reason_required")
	d.Do("POST", fmt.Sprintf("/decisions/%d/withdraw", draft), d.staff, map[string]any{"reason": " "}).Expect(t, 422, "withdraw_reason_required")
	d.Do("POST", fmt.Sprintf("/decisions/%d/withdraw", draft), d.staff, map[string]any{"reason": "并入全市教育布局规划"}).Expect(t, 200, "")
	if g := d.get(t, d.staff, draft); g.Status != "withdrawn" || g.WithdrawnReason != "并入全市教育布局规划" {
		t.Fatalf("withdrawn draft: %+v", g)
	}
	d.Do("POST", fmt.Sprintf("/decisions/%d/withdraw", draft), d.staff, map[string]any{"reason": "再撤"}).Expect(t, 409, "decision_not_withdrawable")

	public := d.consulting(t, nil)
	d.Do("POST", fmt.Sprintf("/decisions/%d/withdraw", public), d.staff, map[string]any{"reason": "上位法修订，暂停制定"}).Expect(t, 200, "")
	g := d.get(t, "", public)
	if g.Status != "withdrawn" || g.WithdrawnReason != "上位法修订，暂停制定" || g.Consultation == nil || g.Consultation.Open || g.Consultation.ClosedAt == "" {
		t.Fatalf("withdrawn consultation: %+v", g)
	}
	rows, _ := d.DB.Query(context.Background(), `SELECT kind || ':' || payload FROM record_entries WHERE decision_id = $1 ORDER BY seq`, public)
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	last := kinds[len(kinds)-2:]
	if !strings.HasPrefix(last[0], `stage_changed:{"from":"consulting","reason":"上位法修订，暂停制定","to":"withdrawn"}`) ||
		!strings.HasPrefix(last[1], "consultation_closed:") {
		t.Fatalf("record: %v", kinds)
	}
}

func TestListDecisionsAPI(t *testing.T) {
	d := newDecisionEnv(t)
	e := d.Env
	e.Agency("hbj", "平顶山市生态环境局", identity.AgencyDepartment)
	hbjAcct, hbj := e.Account(identity.RoleAgencyStaff, "hbj")
	// Six public decisions (two of them 环保局's) and one draft.
	var ids []int64
	for i := 0; i < 4; i++ {
		ids = append(ids, d.consulting(t, func(b map[string]any) { b["title"] = fmt.Sprintf("义务教育第%d号办法", i) }))
	}
	for i := 0; i < 2; i++ {
		var out decisionJSON
		e.Do("POST", "/decisions", hbj, decisionBody(func(b map[string]any) {
			b["title"], b["domain"], b["lead_agency"], b["summary"] = fmt.Sprintf("白龟湖水源地保护方案%d", i), "environment", "hbj", "饮用水水源保护区划定"
		})).Expect(t, 201, "").JSON(t, &out)
		draftVersion(t, e, &hbjAcct, out.ID, consultation.DraftVersionInput{Text: "第一条 为保护白龟湖饮用水水源，制定本方案。", Explanation: "起草说明"})
		e.Do("POST", fmt.Sprintf("/decisions/%d/consultation", out.ID), hbj, d.openBody(e.Clock.Now().Add(consultation.MinConsultationWindow))).Expect(t, 201, "")
		ids = append(ids, out.ID)
	}
	d.create(t, func(b map[string]any) { b["title"] = "义务教育草稿" })
	// One of them is withdrawn; it stays public.
	d.Do("POST", fmt.Sprintf("/decisions/%d/withdraw", ids[0]), d.staff, map[string]any{"reason": "撤回"}).Expect(t, 200, "")

	list := func(query string) ([]int64, string) {
		t.Helper()
		var out struct {
			Decisions  []decisionJSON `json:"decisions"`
			NextCursor string         `json:"next_cursor"`
		}
		e.Do("GET", "/decisions"+query, "", nil).Expect(t, 200, "").JSON(t, &out)
		var got []int64
		for _, x := range out.Decisions {
			got = append(got, x.ID)
		}
		return got, out.NextCursor
	}
	rev := func(xs ...int64) []int64 { s := slices.Clone(xs); slices.Reverse(s); return s }
	cases := []struct {
		query string
		want  []int64
	}{
		{"", rev(ids...)},
		{"?domain=environment", rev(ids[4:]...)},
		{"?domain=health", nil},
		{"?lead_agency=hbj", rev(ids[4:]...)},
		{"?lead_agency=jyj&status=consulting", rev(ids[1:4]...)},
		{"?status=withdrawn", []int64{ids[0]}},
		{"?q=" + url.QueryEscape("水源"), rev(ids[4:]...)},
		{"?q=" + url.QueryEscape("饮用水"), rev(ids[4:]...)}, // summary
		{"?q=" + url.QueryEscape("第2号"), []int64{ids[2]}},
		{"?q=%25", nil}, // a literal %, not a wildcard
		{"?q=" + url.QueryEscape("草稿"), nil},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			if got, _ := list(c.query); !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("Pagination", func(t *testing.T) {
		var all []int64
		cursor := ""
		for page := 0; ; page++ {
			q := "?limit=4"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			got, next := list(q)
			if len(got) > 4 || page > 3 {
				t.Fatalf("page %d: %v", page, got)
			}
			all = append(all, got...)
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(all, rev(ids...)) {
			t.Fatalf("pages %v, want %v", all, rev(ids...))
		}
		// The cursor keeps the filter's place.
		got, next := list("?limit=1&domain=environment")
		if !slices.Equal(got, []int64{ids[5]}) || next == "" {
			t.Fatalf("filtered page 1: %v %q", got, next)
		}
		got, next = list("?limit=1&domain=environment&cursor=" + url.QueryEscape(next))
		if !slices.Equal(got, []int64{ids[4]}) || next != "" {
			t.Fatalf("filtered page 2: %v %q", got, next)
		}
	})
	// A cursor past every id (ids are bigint) is a valid, full page.
	if got, _ := list("?cursor=" + cursor.Encode(1<<40)); !slices.Equal(got, rev(ids...)) {
		t.Fatalf("cursor past the last id: %v", got)
	}
	e.Do("GET", "/decisions?cursor=bad!", "", nil).Expect(t, 422, "invalid_cursor")
	e.Do("GET", "/decisions?domain=sports", "", nil).Expect(t, 422, "")
	e.Do("GET", "/decisions?limit=1000", "", nil).Expect(t, 422, "")
}

func TestDecisionGatesAPI(t *testing.T) {
	d := newDecisionEnv(t)
	id := d.create(t, nil)
	type report struct {
		Status    string `json:"status"`
		NextStage string `json:"next_stage"`
		Ready     bool   `json:"ready"`
		Gates     []struct {
			Code   string `json:"code"`
			Basis  string `json:"basis"`
			Passed bool   `json:"passed"`
		} `json:"gates"`
	}
	check := func(ready bool, passed map[string]bool) {
		t.Helper()
		var r report
		d.Do("GET", fmt.Sprintf("/decisions/%d/gates", id), d.staff, nil).Expect(t, 200, "").JSON(t, &r)
		if r.Status != "drafting" || r.NextStage != "consulting" || r.Ready != ready {
			t.Fatalf("report: %+v", r)
		}
		got := map[string]bool{}
		for _, g := range r.Gates {
			got[g.Code] = g.Passed
			if g.Basis == "" {
				t.Fatalf("gate without basis: %+v", g)
			}
		}
		for code, want := range passed {
			if p, ok := got[code]; !ok || p != want {
				t.Fatalf("gate %s: %v (listed %v), want %v", code, p, ok, want)
			}
		}
	}
	check(false, map[string]bool{"consultation_not_disclosable": true, "draft_version_required": false, "explanation_required": false})
	d.addVersion(t, id, "")
	check(false, map[string]bool{"draft_version_required": true, "explanation_required": false})
	d.addVersion(t, id, "起草说明")
	check(true, map[string]bool{"draft_version_required": true, "explanation_required": true})
	d.Do("GET", "/decisions/999999/gates", d.staff, nil).Expect(t, 404, "decision_not_found")
}

// TestDecisionEnums keeps the enums the spec documents equal to the
// domain's lists.
func TestDecisionEnums(t *testing.T) {
	join := func(xs any) string {
		v := reflect.ValueOf(xs)
		var s []string
		for i := 0; i < v.Len(); i++ {
			s = append(s, v.Index(i).String())
		}
		return strings.Join(s, ",")
	}
	tag := func(v any, field string) string {
		f, ok := reflect.TypeOf(v).FieldByName(field)
		if !ok {
			t.Fatalf("no field %s", field)
		}
		return f.Tag.Get("enum")
	}
	cases := []struct {
		name      string
		got, want string
	}{
		{"DecisionView.Category", tag(api.DecisionView{}, "Category"), join(consultation.Categories)},
		{"DecisionInputBody.Category", tag(api.DecisionInputBody{}, "Category"), join(consultation.Categories)},
		{"DecisionView.Domain", tag(api.DecisionView{}, "Domain"), join(consultation.Domains)},
		{"DecisionInputBody.Domain", tag(api.DecisionInputBody{}, "Domain"), join(consultation.Domains)},
		{"DecisionView.Status", tag(api.DecisionView{}, "Status"), join(consultation.Statuses)},
		{"GateReportView.Status", tag(api.GateReportView{}, "Status"), join(consultation.Statuses)},
		{"GateReportView.NextStage", tag(api.GateReportView{}, "NextStage"), join(consultation.Statuses)},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s enum %q, want %q", c.name, c.got, c.want)
		}
	}
}
