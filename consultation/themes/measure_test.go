package themes

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
)

// labelledDraft is a draft with comments coded into themes: the committed
// coded set (testdata/coded, for measuring only) or the development set
// (testdata/dev, for tuning).
type labelledDraft struct {
	Key      string            `json:"key"`
	Title    string            `json:"title"`
	Articles []labelledArticle `json:"articles"`
	Comments []labelledComment `json:"comments"`
}

type labelledArticle struct {
	Anchor string `json:"anchor"`
	Label  string `json:"label"`
	Text   string `json:"text"`
}

type labelledComment struct {
	ID       string   `json:"id"`
	Article  string   `json:"article"`
	Text     string   `json:"text"`
	Themes   []string `json:"themes"`
	Stance   string   `json:"stance"`
	Campaign bool     `json:"campaign"`
}

func loadCoded(t *testing.T) []labelledDraft {
	t.Helper()
	b, err := os.ReadFile("testdata/coded/coded.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Drafts []labelledDraft `json:"drafts"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	return set.Drafts
}

// loadDev reads the development set (testdata/dev).
func loadDev(t *testing.T) []labelledDraft { return loadLines(t, "testdata/dev") }

// loadLines reads the drafts of a directory in the development set's line
// format (see testdata/dev/dogs.txt).
func loadLines(t *testing.T, dir string) []labelledDraft {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	var out []labelledDraft
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		var d labelledDraft
		sc := bufio.NewScanner(fh)
		n := 0
		for sc.Scan() {
			l := sc.Text()
			switch {
			case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "theme "):
			case strings.HasPrefix(l, "draft "):
				f := strings.SplitN(l, " ", 3)
				d.Key, d.Title = f[1], f[2]
			case strings.HasPrefix(l, "article "):
				f := strings.SplitN(l, " ", 4)
				d.Articles = append(d.Articles, labelledArticle{f[1], f[2], f[3]})
			default:
				f := strings.SplitN(l, "\t", 5)
				if len(f) != 5 {
					t.Fatalf("%s: bad line %q", fh.Name(), l)
				}
				n++
				d.Comments = append(d.Comments, labelledComment{fmt.Sprintf("%s-%d", d.Key, n), f[1], f[4],
					strings.Split(f[0], ","), f[2], f[3] == "1"})
			}
		}
		fh.Close()
		out = append(out, d)
	}
	return out
}

// shingles are the character bigrams of consultation's normalised text.
func shingles(s string) map[string]bool {
	r := []rune(consultation.NormalizeComment(s))
	m := map[string]bool{}
	for i := 0; i+consultation.ShingleSize <= len(r); i++ {
		m[string(r[i:i+consultation.ShingleSize])] = true
	}
	return m
}

// campaignGroups groups near-identical texts as consultation's grouping
// does (identical normalised text, or Jaccard similarity of character
// bigrams at or above consultation.NearDuplicateThreshold against a group's
// first text for texts of consultation.MinNearDuplicateRunes or more): the
// measurement sees the groups the service would see, not the coding.
func campaignGroups(texts []string) []int64 {
	out := make([]int64, len(texts))
	type rep struct {
		norm string
		sh   map[string]bool
		id   int64
	}
	var reps []rep
	for i, t := range texts {
		n := consultation.NormalizeComment(t)
		sh := shingles(t)
		for _, r := range reps {
			if r.norm == n {
				out[i] = r.id
				break
			}
			if len([]rune(n)) >= consultation.MinNearDuplicateRunes && jaccard(sh, r.sh) >= consultation.NearDuplicateThreshold {
				out[i] = r.id
				break
			}
		}
		if out[i] == 0 {
			reps = append(reps, rep{n, sh, int64(i + 1)})
			out[i] = int64(i + 1)
		}
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	u := len(a) + len(b) - inter
	if u == 0 {
		return 0
	}
	return float64(inter) / float64(u)
}

// scores are the agreement of a clustering with a coding.
type scores struct {
	Precision, Recall, F1, ARI float64
	CampaignThemes             int // distinct first themes of the campaign's comments
	Themes                     int
}

// measure clusters one labelled draft with p and compares with its coding.
//
// Pairwise precision and recall count pairs of comments: a pair is together
// in the coding when their coded theme sets intersect (a comment coded into
// two themes is together with the comments of both), and together in the
// result when their theme sets (first and second theme) intersect; a comment
// in no theme is together with nobody. The adjusted Rand index needs a
// partition: it compares first coded theme with first theme found, each
// comment in no theme counted as a cluster of its own.
func measure(d labelledDraft, p Params) (scores, *Clustering) {
	docs, arts := prepare(d)
	cl := ClusterDocs(docs, arts, p)
	return score(d, cl), cl
}

// prepare is a labelled draft as the service would cluster it: its
// comments as docs with the campaign groups consultation would find, and
// the texts of its articles.
func prepare(d labelledDraft) ([]Doc, []string) {
	texts := make([]string, len(d.Comments))
	for i, c := range d.Comments {
		texts[i] = c.Text
	}
	groups := campaignGroups(texts)
	docs := make([]Doc, len(d.Comments))
	for i, c := range d.Comments {
		docs[i] = Doc{ID: int64(i + 1), Text: c.Text, Article: c.Article, Stance: c.Stance}
		if groups[i] != int64(i+1) || countOf(groups, groups[i]) > 1 {
			docs[i].Group = groups[i]
		}
	}
	var arts []string
	for _, a := range d.Articles {
		arts = append(arts, a.Text)
	}
	return docs, arts
}

// score compares a clustering of d's comments with d's coding (see measure).
func score(d labelledDraft, cl *Clustering) scores {
	sets := make([]map[int]bool, len(d.Comments))
	for i := range sets {
		sets[i] = map[int]bool{}
	}
	for g, c := range cl.Clusters {
		for _, m := range c.Members {
			sets[m][g] = true
		}
	}
	var tp, fp, fn float64
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			gold := intersects(d.Comments[i].Themes, d.Comments[j].Themes)
			pred := false
			for g := range sets[i] {
				if sets[j][g] {
					pred = true
				}
			}
			switch {
			case gold && pred:
				tp++
			case pred:
				fp++
			case gold:
				fn++
			}
		}
	}
	var s scores
	s.Themes = len(cl.Clusters)
	if tp+fp > 0 {
		s.Precision = tp / (tp + fp)
	}
	if tp+fn > 0 {
		s.Recall = tp / (tp + fn)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	goldFirst := make([]string, len(sets))
	predFirst := make([]string, len(sets))
	camp := map[int]bool{} // first themes of the campaign's comments (none: no campaign)
	for i, c := range d.Comments {
		goldFirst[i] = c.Themes[0]
		if cl.First[i] >= 0 {
			predFirst[i] = fmt.Sprint(cl.First[i])
		} else {
			predFirst[i] = fmt.Sprint("none-", i)
		}
		if c.Campaign {
			camp[cl.First[i]] = true
		}
	}
	s.ARI = adjustedRand(goldFirst, predFirst)
	s.CampaignThemes = len(camp)
	if camp[-1] {
		s.CampaignThemes = 99 // in no theme: not "one theme"
	}
	return s
}

func countOf(xs []int64, x int64) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

func intersects(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

// adjustedRand is the Hubert–Arabie adjusted Rand index of two partitions.
func adjustedRand(a, b []string) float64 {
	n := float64(len(a))
	pairs := func(x float64) float64 { return x * (x - 1) / 2 }
	cont := map[[2]string]float64{}
	ra, rb := map[string]float64{}, map[string]float64{}
	for i := range a {
		cont[[2]string{a[i], b[i]}]++
		ra[a[i]]++
		rb[b[i]]++
	}
	var index, sa, sb float64
	for _, v := range cont {
		index += pairs(v)
	}
	for _, v := range ra {
		sa += pairs(v)
	}
	for _, v := range rb {
		sb += pairs(v)
	}
	expected := sa * sb / pairs(n)
	maxIndex := (sa + sb) / 2
	if maxIndex == expected {
		return 0
	}
	return (index - expected) / (maxIndex - expected)
}

// TestDevSet measures the method on the development set, the only data
// its parameters were tuned on.
func TestDevSet(t *testing.T) {
	for _, d := range loadDev(t) {
		s, cl := measure(d, DefaultParams)
		t.Logf("dev %-6s n=%3d themes=%2d  P=%.3f R=%.3f F1=%.3f ARI=%.3f campaign-themes=%d",
			d.Key, len(d.Comments), s.Themes, s.Precision, s.Recall, s.F1, s.ARI, s.CampaignThemes)
		if testing.Verbose() {
			docs := make([]Doc, len(d.Comments))
			for i, c := range d.Comments {
				docs[i] = Doc{ID: int64(i + 1), Text: c.Text, Article: c.Article}
			}
			for g, desc := range Describe(docs, cl, DefaultParams) {
				t.Logf("  theme %d label %q", g, desc.Label)
				for _, s := range desc.Summary {
					t.Logf("     summary %s %v", s.Text, s.Sources)
				}
			}
			for g, c := range cl.Clusters {
				var b strings.Builder
				for _, m := range c.Members {
					fmt.Fprintf(&b, "\n    %v %s", d.Comments[m].Themes, d.Comments[m].Text)
				}
				t.Logf("  theme %d off=%v:%s", g, c.OffTopic, b.String())
			}
		}
		if s.CampaignThemes != 1 && s.CampaignThemes != 0 {
			t.Errorf("dev %s: the campaign is in %d themes", d.Key, s.CampaignThemes)
		}
	}
}

// TestValidationSet measures the method on the validation set
// (testdata/validation): three drafts written and coded in session 8 by a
// helper that saw neither the method nor the other sets, after the method
// was chosen. It is for choosing between methods tuned on the development
// set without spending a reading of the coded set, never for tuning
// parameters. Every method is measured with its own parameters;
// DefaultParams' is the one the service uses.
func TestValidationSet(t *testing.T) {
	drafts := loadLines(t, "testdata/validation")
	if len(drafts) == 0 {
		t.Fatal("no validation drafts")
	}
	for _, p := range validationMethods() {
		m := p.Method
		var f1, f1n float64
		for _, d := range drafts {
			s, _ := measure(d, p)
			noArticles := d
			noArticles.Comments = slices.Clone(d.Comments)
			for j := range noArticles.Comments {
				noArticles.Comments[j].Article = ""
			}
			sn, _ := measure(noArticles, p)
			t.Logf("validation method=%-8q %-9s n=%3d themes=%2d/%2d (coded %d)  P=%.3f R=%.3f F1=%.3f ARI=%.3f campaign-themes=%d; without articles F1=%.3f",
				m, d.Key, len(d.Comments), s.Themes, sn.Themes, codedThemes(d), s.Precision, s.Recall, s.F1, s.ARI, s.CampaignThemes, sn.F1)
			f1 += s.F1 / float64(len(drafts))
			f1n += sn.F1 / float64(len(drafts))
			if m == DefaultParams.Method && s.CampaignThemes != 1 {
				t.Errorf("validation %s: the campaign is in %d themes", d.Key, s.CampaignThemes)
			}
		}
		t.Logf("validation method=%-8q mean pairwise F1 %.3f, without articles %.3f", m, f1, f1n)
	}
}

// TestCodedSet measures the method against the committed coded set
// (testdata/coded: 398 comments on three drafts, coded into themes by a
// helper who never saw the method). It is for measuring only: no
// parameter was tuned on it (DefaultParams come from TestDevRobustSweep
// on testdata/dev; no coded text was read to fix an error). It prints pairwise precision, recall and F1 and the
// adjusted Rand index per draft, and requires the campaign in one theme.
// The target is pairwise F1 ≥ 0.75, which the method does not
// reach; the test fails below codedFloor, a regression guard set under
// the first measured figures.
func TestCodedSet(t *testing.T) {
	measureHeldOut(t, "coded", loadCoded(t), codedFloor)
}

// measureHeldOut measures the method on a held-out set of three drafts:
// pairwise figures per draft and their mean, failing below floor or when
// a draft's campaign (if it has one) is in more than one theme.
func measureHeldOut(t *testing.T, set string, drafts []labelledDraft, floor float64) {
	t.Helper()
	if len(drafts) != 3 {
		t.Fatalf("%s set: %d drafts", set, len(drafts))
	}
	var meanF1 float64
	for _, d := range drafts {
		s, _ := measure(d, DefaultParams)
		meanF1 += s.F1 / float64(len(drafts))
		t.Logf("%s %-9s n=%3d themes=%2d (coded %d)  P=%.3f R=%.3f F1=%.3f ARI=%.3f campaign-themes=%d",
			set, d.Key, len(d.Comments), s.Themes, codedThemes(d), s.Precision, s.Recall, s.F1, s.ARI, s.CampaignThemes)
		if s.CampaignThemes > 1 { // 0: the draft has no comment coded as a campaign copy
			t.Errorf("%s %s: the campaign is in %d themes", set, d.Key, s.CampaignThemes)
		}
	}
	t.Logf("%s mean pairwise F1 %.3f (target 0.75)", set, meanF1)
	if meanF1 < floor {
		t.Errorf("%s: mean pairwise F1 %.3f below the regression floor %.2f", set, meanF1, floor)
	}
}

// TestSecondCodedSet measures the method on a second held-out set
// (testdata/coded2: 380 comments on three drafts, eldercare, water prices
// and bus routes, written and coded in session 12 by a helper who saw
// neither the method nor any other data, to the coded set's brief). It was
// measured once, after every choice of this session, and never tuned on.
// First measurement (DefaultParams of session 11): bus 0.770, eldercare
// 0.623, water 0.709, mean 0.701 (without the articles comments are on
// 0.503); the Dirichlet mixture 0.718 and the spectral method 0.704, the
// same within noise. The set's coders filed most comments on the article
// they discuss, where the coded set's often did not: the two held-out
// sets together average 0.632. The test fails below coded2Floor, a
// regression guard, or when the campaign is split.
func TestSecondCodedSet(t *testing.T) {
	drafts := loadLines(t, "testdata/coded2")
	for _, d := range drafts {
		if !slices.ContainsFunc(d.Comments, func(c labelledComment) bool { return c.Campaign }) {
			t.Errorf("coded2 %s: no campaign", d.Key)
		}
	}
	measureHeldOut(t, "coded2", drafts, coded2Floor)
}

// coded2Floor guards against regressions on the second coded set, under
// its first measurement (0.701).
const coded2Floor = 0.65

// codedFloor guards against regressions of the method on the coded set.
// Every measurement taken, in order: 0.346 (first method: bigrams and
// words, cosine cut at 0.12); 0.345 (with content characters, pinyin
// bigrams and synonym groups, no feature for comments on the whole draft);
// 0.488 (with the second-order similarity and the cut at 0.20 chosen on
// the development set with and without articles; 12–16 themes where the
// coders found 8–9); 0.512 (a theme needs 5% of the units, capped at 40,
// k-means refinement, cut 0.25, join 0.10, again chosen on the development
// set; 7–10 themes for 8–9, precision 0.60–0.87, recall 0.31–0.54); 0.550
// (aspect features of concepts.txt and content characters weighing 1.5,
// chosen on the eight drafts of the development set, three of them with
// themes across articles; per draft 0.468, 0.540, 0.643, precision
// 0.60–0.79, recall 0.39–0.54); 0.527 (ten more aspects in concepts.txt
// weighing 2.5, chosen on the development set where they gave 0.700 and
// 0.591 for 0.700 and 0.566; per draft 0.433, 0.524, 0.624, lower on all
// three: the dev gain came from aspects picked after reading the dev
// themes, and did not carry); 0.562 (session 11: the article a comment's
// text is closest to as a feature, InferredArticleWeight 1.2 and least
// cosine 0.05 chosen on the development set, where it gave 0.712 / 0.642
// for 0.700 / 0.591, then 0.542 / 0.424 for 0.535 / 0.376 on the
// validation set; per draft 0.466, 0.595, 0.625, precision 0.56–0.79,
// recall 0.40–0.55). The target 0.75 is not reached; bound_test.go
// measures why (a second coder agrees at 0.914; a classifier that knows
// the other comments' coded themes reaches 0.660 in the same features).
const codedFloor = 0.50

func codedThemes(d labelledDraft) int {
	seen := map[string]bool{}
	for _, c := range d.Comments {
		for _, th := range c.Themes {
			seen[th] = true
		}
	}
	return len(seen)
}

// validationMethods are the methods TestValidationSet measures, each with
// the parameters chosen for it on the development set.
func validationMethods() []Params { return []Params{DefaultParams, DMMParams, SpectralParams} }

// checkDescribed fails t when a theme of cl has a centroid that is not over
// the whole vocabulary (the incremental join needs it) or, unless it is
// off-topic, no label.
func checkDescribed(t *testing.T, d labelledDraft, cl *Clustering, p Params) {
	t.Helper()
	docs := make([]Doc, len(d.Comments))
	for i, c := range d.Comments {
		docs[i] = Doc{ID: int64(i + 1), Text: c.Text, Article: c.Article}
	}
	desc := Describe(docs, cl, p)
	for g, c := range cl.Clusters {
		if len(c.Centroid) != len(cl.Vocab.Terms) {
			t.Errorf("%s (method %q) theme %d: centroid over %d terms of %d", d.Key, p.Method, g, len(c.Centroid), len(cl.Vocab.Terms))
		}
		if !c.OffTopic && desc[g].Label == "" {
			t.Errorf("%s (method %q) theme %d: no label", d.Key, p.Method, g)
		}
	}
}
