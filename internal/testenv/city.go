package testenv

import (
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
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

// City creates the named agencies of the test city, in the order given:
// pdsszf (the city government), jyj (the education bureau), sfj (the
// legality-review office) and the others in the tables above.
func (e *Env) City(codes ...string) {
	e.T.Helper()
	for _, c := range codes {
		switch {
		case cityGovernments[c] != "":
			e.Agency(c, cityGovernments[c], identity.AgencyGovernment)
		case cityDepartments[c] != "":
			e.Agency(c, cityDepartments[c], identity.AgencyDepartment)
		case cityReviewers[c] != "":
			e.Agency(c, cityReviewers[c], identity.AgencyLegalityReview)
		default:
			e.T.Fatalf("no test agency %q", c)
		}
	}
}

// NewCity starts a test environment (New) with the named agencies of the
// test city.
func NewCity(tb testing.TB, codes ...string) *Env {
	tb.Helper()
	e := New(tb)
	e.City(codes...)
	return e
}
