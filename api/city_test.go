package api_test

import (
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// cityAgencies are the agencies of the test city (平顶山) by the codes the
// tests use; several codes name the same government, as decisions name
// their decision body by code.
var cityAgencies = map[string]struct {
	name string
	kind identity.AgencyKind
}{
	"pdsszf": {"平顶山市人民政府", identity.AgencyGovernment},
	"gov":    {"平顶山市人民政府", identity.AgencyGovernment},
	"zf":     {"平顶山市人民政府", identity.AgencyGovernment},
	"gov2":   {"某区人民政府", identity.AgencyGovernment},
	"jyj":    {"平顶山市教育局", identity.AgencyDepartment},
	"wjw":    {"平顶山市卫生健康委员会", identity.AgencyDepartment},
	"zjj":    {"平顶山市住房和城乡建设局", identity.AgencyDepartment},
	"hbj":    {"平顶山市生态环境局", identity.AgencyDepartment},
	"sljj":   {"平顶山市水利局", identity.AgencyDepartment},
	"fgw":    {"平顶山市发展和改革委员会", identity.AgencyDepartment},
	"mzj":    {"平顶山市民政局", identity.AgencyDepartment},
	"sfj":    {"平顶山市司法局", identity.AgencyLegalityReview},
	"sfj2":   {"某区司法局", identity.AgencyLegalityReview},
}

// newCity starts a test environment with the named agencies of the test
// city, created in the order given.
func newCity(t *testing.T, codes ...string) *testenv.Env {
	t.Helper()
	e := testenv.New(t)
	for _, c := range codes {
		a, ok := cityAgencies[c]
		if !ok {
			t.Fatalf("no test agency %q", c)
		}
		e.Agency(c, a.name, a.kind)
	}
	return e
}
