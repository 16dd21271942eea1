package consultation

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// CampaignTemplate is the text of a mass campaign on a draft about after-school
// services (课后服务): the kind of paragraph a parents' chat group circulates.
const CampaignTemplate = "我是一名小学生家长，坚决反对第五条规定的课后服务收费标准。每生每学期300元对双职工家庭负担太重，" +
	"建议降低到150元以下，并对低保家庭、残疾学生家庭全额免除费用，请教育局认真考虑家长的意见！"

// DistinctOpinions are 20 genuinely different comments on the same draft.
// They share its vocabulary (课后服务, 收费, 学校, 家长, 第五条) on purpose:
// grouping must tell opinions apart, not topics.
var DistinctOpinions = []string{
	"支持出台课后服务管理办法，双职工家庭接孩子确实困难，学校延时到下午六点可以解决我们的实际问题。",
	"第五条的收费标准偏低，聘请校外专业老师开展艺术和体育课程的成本远高于每学期300元，建议按课程分类定价。",
	"建议明确课后服务期间发生意外伤害时学校和家长各自的责任，并要求学校统一购买校方责任险。",
	"课后服务不能变成集体补课，建议在第八条中明确禁止讲授新课，以作业辅导和兴趣活动为主。",
	"参加课后服务的教师应当发放合理补助，并在职称评审和绩效考核中予以体现，否则老师负担过重。",
	"农村学校缺少场地和师资，办法应当对乡镇学校给予专项经费支持，不要一刀切。",
	"希望允许家长自愿选择参加的天数，例如每周只参加两天，按实际天数收费更公平。",
	"建议引入第三方机构评估课后服务质量，评估结果向社会公开，接受家长监督。",
	"第十二条关于退费的规定不清楚，学生中途退出时应当按剩余课时比例退还费用。",
	"课后服务期间应当保证学生有足够的户外活动时间，每天不少于一小时，保护孩子视力。",
	"反对强制要求所有学生参加课后服务，有老人接送的家庭应当可以不参加。",
	"建议在办法中规定课后服务的晚餐和点心由学校食堂统一提供，并公开食品安全检查结果。",
	"残疾学生参加课后服务需要特殊教育老师陪护，办法应当对融合教育作出专门规定。",
	"校外培训机构进入校园提供课后服务必须经过公开招标，防止利益输送，名单要公示。",
	"希望寒暑假期间也能提供托管服务，很多家长假期没有人照看孩子。",
	"课后服务的收费应当纳入政府定价目录，由发展改革部门核定，而不是学校自行决定。",
	"建议建立家长委员会参与课后服务课程设置的机制，每学期征求一次家长意见。",
	"放学时间延后会影响交通，建议交警部门在学校周边增加高峰时段的疏导警力。",
	"教师每天工作时间已经超过十小时，应当实行弹性上下班，课后服务值班的老师第二天可以晚到。",
	"办法第三条的适用范围应当包括民办学校，民办学校的学生同样有课后服务的需求。",
}

// CampaignCopy returns one copy of a campaign text as people pass it on: 1–3
// random insertions or deletions of 1–3 characters, punctuation changed or
// dropped, some digits made full-width, stray spaces. rng makes it repeatable.
func CampaignCopy(rng *rand.Rand, template string) string {
	const pool = "的了我们是很非常真也都就还请各位这个那大家希望"
	poolRunes := []rune(pool)
	r := []rune(template)
	for range 1 + rng.IntN(3) {
		n := 1 + rng.IntN(3)
		pos := rng.IntN(len(r))
		if rng.IntN(2) == 0 {
			ins := make([]rune, n)
			for i := range ins {
				ins[i] = poolRunes[rng.IntN(len(poolRunes))]
			}
			r = append(r[:pos], append(ins, r[pos:]...)...)
		} else {
			end := min(pos+n, len(r))
			r = append(r[:pos], r[end:]...)
		}
	}
	var b strings.Builder
	for _, c := range r {
		switch {
		case strings.ContainsRune("，。、！；", c):
			switch rng.IntN(5) {
			case 0:
				b.WriteString(",")
			case 1:
				b.WriteString(" ")
			case 2: // dropped
			case 3:
				b.WriteString("！！")
			default:
				b.WriteRune(c)
			}
		case c >= '0' && c <= '9' && rng.IntN(2) == 0:
			b.WriteRune(c - '0' + '０')
		default:
			b.WriteRune(c)
		}
	}
	if rng.IntN(4) == 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// exactJaccard is the Jaccard similarity of two sorted sets of shingle
// hashes.
func exactJaccard(a, b []uint64) float64 {
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

func TestNormalizeComment(t *testing.T) {
	cases := []struct{ in, want string }{
		{"我反对！收费标准２００元太高。", "我反对收费标准200元太高"},
		{"  我 反对，收费标准200元\n太高!!! ", "我反对收费标准200元太高"},
		{"ＡＢＣ abc", "abcabc"},
		{"①条款", "1条款"},
		{"<script>alert(1)</script>", "scriptalert1script"},
		{"，。！", ""},
		{"同意\u200b", "同意"},
	}
	for _, c := range cases {
		if got := NormalizeComment(c.in); got != c.want {
			t.Errorf("NormalizeComment(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCampaignSimilarityMeasured measures what the constants of grouping.go
// rest on: how similar two copies of one campaign are (each edited, as the
// representative is itself a copy), and how similar different opinions on
// the same draft are, for 2- and 3-character shingles. It fails if the gap no
// longer holds the threshold with a margin.
func TestCampaignSimilarityMeasured(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{2, 3} {
		var copies []float64
		for range 2000 {
			a := shingles(NormalizeComment(CampaignCopy(rng, CampaignTemplate)), k)
			b := shingles(NormalizeComment(CampaignCopy(rng, CampaignTemplate)), k)
			copies = append(copies, exactJaccard(a, b))
		}
		sort.Float64s(copies)
		maxDistinct := 0.0
		texts := append([]string{CampaignTemplate}, DistinctOpinions...)
		for i := range texts {
			for j := i + 1; j < len(texts); j++ {
				s := exactJaccard(shingles(NormalizeComment(texts[i]), k), shingles(NormalizeComment(texts[j]), k))
				maxDistinct = max(maxDistinct, s)
			}
		}
		mean := 0.0
		for _, c := range copies {
			mean += c
		}
		mean /= float64(len(copies))
		t.Logf("k=%d: copies min %.2f p1 %.2f mean %.2f; distinct max %.2f", k, copies[0], copies[len(copies)/100], mean, maxDistinct)
		if k == ShingleSize && (copies[0] < NearDuplicateThreshold+0.1 || maxDistinct > NearDuplicateThreshold-0.3) {
			t.Errorf("k=%d: the threshold %.2f no longer sits in the gap %.2f … %.2f with a margin", k, NearDuplicateThreshold, maxDistinct, copies[0])
		}
	}
}

// TestSignatureSimilarity checks that the MinHash estimate follows the exact
// Jaccard similarity closely enough for the threshold.
func TestSignatureSimilarity(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	worst := 0.0
	for range 300 {
		a := NormalizeComment(CampaignCopy(rng, CampaignTemplate))
		b := NormalizeComment(CampaignCopy(rng, CampaignTemplate))
		if rng.IntN(3) == 0 {
			b = NormalizeComment(DistinctOpinions[rng.IntN(len(DistinctOpinions))])
		}
		sa, sb := shingles(a, ShingleSize), shingles(b, ShingleSize)
		exact := exactJaccard(sa, sb)
		est := signatureSimilarity(minHash(sa), minHash(sb))
		worst = max(worst, abs(exact-est))
	}
	t.Logf("worst |estimate - exact| over 300 pairs: %.3f", worst)
	if worst > 0.15 {
		t.Errorf("MinHash estimate off by %.3f", worst)
	}
	if s := signatureSimilarity(fingerprintComment(CampaignTemplate).signature, fingerprintComment(CampaignTemplate+"。").signature); s != 1 {
		t.Errorf("same normalised text: similarity %v", s)
	}
	if fp := fingerprintComment("不同意！"); fp.signature != nil || fp.buckets != nil {
		t.Errorf("a short comment got a signature: %+v", fp)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
