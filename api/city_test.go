package api_test

import (
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// The agencies of the test city (平顶山) by the codes the tests use, by
// kind; several codes name the same government, as decisions name their
// decision body by code.
var (
	cityGovernments = map[string]string{
		"pdsszf": "平顶山市人民政府",
		"gov":    "平顶山市人民政府",
		"zf":     "平顶山市人民政府",
		"gov2":   "某区人民政府",
	}
	cityDepartments = map[string]string{
		"jyj":  "平顶山市教育局",
		"wjw":  "平顶山市卫生健康委员会",
		"zjj":  "平顶山市住房和城乡建设局",
		"hbj":  "平顶山市生态环境局",
		"sljj": "平顶山市水利局",
		"fgw":  "平顶山市发展和改革委员会",
		"mzj":  "平顶山市民政局",
	}
	cityReviewers = map[string]string{
		"sfj":  "平顶山市司法局",
		"sfj2": "某区司法局",
	}
)

// newCity starts a test environment with the named agencies of the test
// city, created in the order given.
func newCity(t *testing.T, codes ...string) *testenv.Env {
	t.Helper()
	e := testenv.New(t)
	for _, c := range codes {
		switch {
		case cityGovernments[c] != "":
			e.Agency(c, cityGovernments[c], identity.AgencyGovernment)
		case cityDepartments[c] != "":
			e.Agency(c, cityDepartments[c], identity.AgencyDepartment)
		case cityReviewers[c] != "":
			e.Agency(c, cityReviewers[c], identity.AgencyLegalityReview)
		default:
			t.Fatalf("no test agency %q", c)
		}
	}
	return e
}
