package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestCatalogueFormsNameAgencies: the catalogue and proposal forms choose
// the decision body and the lead unit by name. They used to ask for an
// agency's internal code (决策机关代码, 承办单位代码), which a resident
// proposing an item or a staff member adding one cannot know.
func TestCatalogueFormsNameAgencies(t *testing.T) {
	e := testenv.NewCity(t, "pdsszf", "jyj", "sfj")
	_, bodyToken := e.Account(identity.RoleAgencyStaff, "pdsszf")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	_, residentToken := e.Account(identity.RoleResident, "")
	c, err := e.Catalogue.CreateCatalogue(context.Background(), &body, "pdsszf", e.Clock.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	staff := newBrowser(t, e.URL, bodyToken)
	for _, p := range []string{"/catalogues", "/catalogues/" + strconv.FormatInt(c.ID, 10)} {
		status, page := staff.get(p)
		wantStatus(t, p, status, http.StatusOK, page)
		if strings.Contains(page, "代码") {
			t.Errorf("%s asks for an agency code: %s", p, snippet(page))
		}
	}
	_, page := staff.get("/catalogues")
	wantContains(t, "/catalogues", page, `<option value="pdsszf" selected>平顶山市人民政府</option>`)
	_, page = staff.get("/catalogues/" + strconv.FormatInt(c.ID, 10))
	wantContains(t, "catalogue page", page, `<option value="jyj">平顶山市教育局</option>`)
	if strings.Contains(page, `<option value="sfj">`) {
		t.Errorf("the legality-review department offered as lead unit")
	}
	status, page := newBrowser(t, e.URL, residentToken).get("/proposals")
	wantStatus(t, "/proposals", status, http.StatusOK, page)
	wantContains(t, "/proposals", page, `<option value="pdsszf">平顶山市人民政府</option>`)
	if strings.Contains(page, "代码") {
		t.Errorf("/proposals asks a resident for an agency code: %s", snippet(page))
	}
}

// TestCatalogueRecordVerifiedOnPage: the catalogue page verifies the
// decision body's catalogue record on request and says in Chinese whether
// it is intact; a row changed behind the service's back makes it say so.
func TestCatalogueRecordVerifiedOnPage(t *testing.T) {
	e := testenv.NewCity(t, "pdsszf", "jyj")
	ctx := context.Background()
	_, bodyToken := e.Account(identity.RoleAgencyStaff, "pdsszf")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", e.Clock.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	staff := newBrowser(t, e.URL, bodyToken)
	path := "/catalogues/" + strconv.FormatInt(c.ID, 10)
	_, page := staff.get(path)
	wantContains(t, "catalogue page", page, `<a href="?verify=1#verify-result">核验目录档案</a>`)
	status, page := staff.get(path + "?verify=1")
	wantStatus(t, path, status, http.StatusOK, page)
	wantContains(t, "verified catalogue page", page, "<strong>核验通过。</strong>平顶山市人民政府的目录档案")
	e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE catalogues SET year = year - 1 WHERE id = $1`, c.ID)
		return err
	})
	_, page = staff.get(path + "?verify=1")
	wantContains(t, "changed catalogue", page, "<strong>核验未通过。</strong>平顶山市人民政府的目录档案第1条记录与所记录的数据不一致")
}
