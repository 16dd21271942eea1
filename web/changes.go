package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// revisedVersion is a draft version later than the one consulted on, with
// its articles, for naming the articles an opinion changed (issue 17).
type revisedVersion struct {
	Number    int
	Consulted int
	Articles  []consultation.AnchoredArticle
}

// revisedVersion returns the latest draft version of the decision when it
// is later than the version of its latest consultation, else nil.
func (s *site) revisedVersion(r *http.Request, decisionID int64) (*revisedVersion, error) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	c, err := svc.CurrentConsultation(ctx, actor, decisionID)
	if errs.HasCode(err, "consultation_not_found") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	versions, err := s.allVersions(r, decisionID)
	if err != nil || len(versions) == 0 {
		return nil, err
	}
	latest := versions[len(versions)-1]
	for _, v := range versions {
		if v.Number > latest.Number {
			latest = v
		}
	}
	if latest.Number <= c.VersionNumber {
		return nil, nil
	}
	v, err := svc.GetDraftVersion(ctx, actor, decisionID, latest.Number)
	if err != nil {
		return nil, err
	}
	return &revisedVersion{Number: v.Number, Consulted: c.VersionNumber, Articles: v.Articles}, nil
}

// changedArticle is one article an opinion changed, as a link into the
// public comparison of the consulted and the changed version.
type changedArticle struct {
	Label string
	URL   string
}

// articleChanges turns a disposition's changed anchors into links to the
// comparison (from the consulted version to the changed one), labelled
// with the article's number in the changed version.
func articleChanges(decisionID int64, consulted int, version *int, anchors []string, arts []consultation.AnchoredArticle) []changedArticle {
	if version == nil || len(anchors) == 0 {
		return nil
	}
	var out []changedArticle
	for _, a := range arts {
		if !slices.Contains(anchors, a.Anchor) {
			continue
		}
		label := a.Label
		if label == "" {
			label = "第" + strconv.Itoa(a.Number) + "段"
		}
		out = append(out, changedArticle{Label: label, URL: compareURL(decisionID, consulted, *version) + "#art-" + a.Anchor})
	}
	return out
}

func compareURL(decisionID int64, from, to int) string {
	return "/decisions/" + strconv.FormatInt(decisionID, 10) + "/compare?from=" + strconv.Itoa(from) + "&to=" + strconv.Itoa(to)
}

// myChanges finds, for each of the resident's comments whose answer names
// changed articles, those articles in the changed version (each version
// read once).
func (s *site) myChanges(r *http.Request, list []consultation.MyComment) (map[int64][]changedArticle, error) {
	type key struct {
		decision int64
		version  int
	}
	versions := map[key][]consultation.AnchoredArticle{}
	out := map[int64][]changedArticle{}
	for _, c := range list {
		if c.ChangedVersion == nil || len(c.ChangedArticles) == 0 {
			continue
		}
		k := key{c.DecisionID, *c.ChangedVersion}
		arts, ok := versions[k]
		if !ok {
			v, err := s.svc.Consultation.GetDraftVersion(r.Context(), currentAccount(r), c.DecisionID, *c.ChangedVersion)
			if err != nil {
				if e, ok := errs.As(err); ok && e.Kind == errs.KindNotFound {
					versions[k] = nil // not public yet: shown once it is
					continue
				}
				return nil, err
			}
			arts, versions[k] = v.Articles, v.Articles
		}
		out[c.ID] = articleChanges(c.DecisionID, c.VersionNumber, c.ChangedVersion, c.ChangedArticles, arts)
	}
	return out, nil
}
