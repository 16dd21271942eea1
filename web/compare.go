package web

import (
	"net/http"
	"strconv"

	"github.com/canyu-gov/canyu/consultation"
)

// publicCompareData backs the public comparison of two draft versions
// (issue 17): the redline by article, moved and renumbered articles, and
// for each changed article the opinions whose answers name it.
type publicCompareData struct {
	Decision   consultation.Decision
	Versions   []consultation.DraftVersion
	From, To   int
	Comparison *consultation.Comparison
	// Moved are unchanged articles at a new position or number.
	Moved []consultation.ArticleChange
	// OldLabels and NewLabels name articles by anchor in each version.
	OldLabels, NewLabels map[string]string
	// Opinions are, per anchor of the new version, the opinions behind
	// its change.
	Opinions map[string][]consultation.OpinionBehindChange
	// ConsultedVersion is the version the latest consultation was on.
	ConsultedVersion int
}

// OldLabel is the article's label in the old version ("第三条"), or its
// position when it has none.
func (d publicCompareData) OldLabel(c consultation.ArticleChange) string {
	return labelOr(d.OldLabels[c.Anchor], c.OldNumber)
}

// NewLabel is the article's label in the new version.
func (d publicCompareData) NewLabel(c consultation.ArticleChange) string {
	return labelOr(d.NewLabels[c.Anchor], c.NewNumber)
}

func labelOr(label string, n int) string {
	if label != "" {
		return label
	}
	return "第" + strconv.Itoa(n) + "段"
}

// publicCompare shows what changed between two public versions
// (?from=&to=; by default the last two).
func (s *site) publicCompare(w http.ResponseWriter, r *http.Request) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return
	}
	id, ctx, actor, svc := d.ID, r.Context(), currentAccount(r), s.svc.Consultation
	versions, err := s.allVersions(r, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := s.newPage(r, "草案版本比较 · "+d.Title)
	data := publicCompareData{Decision: d, Versions: versions}
	q := r.URL.Query()
	data.From, _ = strconv.Atoi(q.Get("from"))
	data.To, _ = strconv.Atoi(q.Get("to"))
	if n := len(versions); (data.From == 0 || data.To == 0) && n >= 2 {
		data.From, data.To = versions[n-2].Number, versions[n-1].Number
	}
	if c, err := svc.CurrentConsultation(ctx, actor, id); err == nil {
		data.ConsultedVersion = c.VersionNumber
	}
	status := http.StatusOK
	if data.From > 0 && data.To > 0 {
		if status, err = s.fillComparison(r, &data); err != nil {
			if status != http.StatusNotFound {
				s.pageError(w, r, err)
				return
			}
			s.formError(r, &p, err)
		}
	}
	p.Data = data
	s.render(w, r, status, "compare", p)
}

func (s *site) fillComparison(r *http.Request, data *publicCompareData) (int, error) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	id := data.Decision.ID
	c, err := svc.CompareDraftVersions(ctx, actor, id, data.From, data.To)
	if err != nil {
		return http.StatusNotFound, err
	}
	data.Comparison = &c
	for _, u := range c.Unchanged {
		if u.OldNumber != u.NewNumber {
			data.Moved = append(data.Moved, u)
		}
	}
	data.OldLabels, data.NewLabels = map[string]string{}, map[string]string{}
	for _, side := range []struct {
		n      int
		labels map[string]string
	}{{data.From, data.OldLabels}, {data.To, data.NewLabels}} {
		v, err := svc.GetDraftVersion(ctx, actor, id, side.n)
		if err != nil {
			return http.StatusInternalServerError, err
		}
		for _, a := range v.Articles {
			side.labels[a.Anchor] = a.Label
		}
	}
	if data.Opinions, err = svc.OpinionsBehindChanges(ctx, actor, id, data.To); err != nil {
		return http.StatusInternalServerError, err
	}
	return http.StatusOK, nil
}
