package themes

// A full re-analysis keeps what staff decided. Staff who renamed, merged,
// split, marked or answered a theme, or moved comments into it, have told
// the machine something it cannot see in the words; a re-analysis that
// threw that away would leave them to do it again on every new version.
// So the themes they worked on are carried into the new version, the
// comments they placed (and those answered through the theme) stay where
// they put them, and the machine regroups only the rest: the other
// comments start where they were and may move to a closer theme, and the
// comments in no kept theme are clustered afresh.

// KeptTheme is a theme staff worked on, as a re-analysis keeps it: its
// current first-theme members (indexes into the docs) start in it and the
// pinned ones stay there.
type KeptTheme struct {
	Members []int
	Pinned  []bool
}

// keepingThemes is the clustering of ClusterDocsKeeping. It returns each
// unit's theme (-1 for none) and the themes' centroids, the kept themes
// first in kept's order; a kept theme is never dropped, even if it ends
// with no comments, and a pinned unit (a campaign group one of whose
// copies is pinned) never leaves its kept theme. It also returns which
// units are pinned.
func keepingThemes(units []unit, docs []Doc, docTerms [][]string, voc *Vocabulary, kept []KeptTheme, p Params) ([]int, [][]float32, []bool) {
	dim := len(voc.Terms)
	unitOf := make([]int, len(docs))
	for u, un := range units {
		for _, d := range un.docs {
			unitOf[d] = u
		}
	}
	firstOf := make([]int, len(units))
	pinned := make([]bool, len(units))
	for u := range firstOf {
		firstOf[u] = -1
	}
	// A unit pinned in one kept theme stays there; otherwise it starts in
	// the first kept theme that lists it.
	for k, t := range kept {
		for i, d := range t.Members {
			if d < 0 || d >= len(docs) {
				continue
			}
			u := unitOf[d]
			pin := i < len(t.Pinned) && t.Pinned[i]
			switch {
			case pinned[u]:
			case pin:
				firstOf[u], pinned[u] = k, true
			case firstOf[u] < 0:
				firstOf[u] = k
			}
		}
	}
	cents := make([][]float32, len(kept))
	followMembers(cents, firstOf, units, dim)
	// The units in no kept theme are clustered afresh, as ClusterDocs
	// would cluster them.
	var free []int
	for u := range units {
		if firstOf[u] < 0 {
			free = append(free, u)
		}
	}
	if len(free) > 0 {
		sub := make([]unit, len(free))
		for i, u := range free {
			sub[i] = units[u]
		}
		var subFirst []int
		var subCents [][]float32
		if p.Method == MethodSpectral {
			subFirst, subCents = spectralThemes(sub, dim, p)
		} else {
			subFirst, subCents = linkThemes(sub, docs, docTerms, voc, p)
		}
		// A new theme as close to a kept one as two themes the method
		// would merge is that kept theme.
		into := make([]int, len(subCents))
		for g, c := range subCents {
			into[g] = len(cents)
			if k, s := closestCentroid(c, cents[:len(kept)]); k >= 0 && p.MergeThreshold > 0 && s >= p.MergeThreshold {
				into[g] = k
				continue
			}
			cents = append(cents, c)
		}
		for i, u := range free {
			if g := subFirst[i]; g >= 0 {
				firstOf[u] = into[g]
			}
		}
	}
	followMembers(cents, firstOf, units, dim)
	// A comment in no theme joins a kept theme it is close enough to; then
	// every unpinned comment moves to the theme it is closest to, a few
	// rounds, as in linkThemes.
	for u := range units {
		if firstOf[u] >= 0 {
			continue
		}
		if k, s := nearest(units[u].vec, cents[:len(kept)], -1); k >= 0 && s >= p.JoinThreshold {
			firstOf[u] = k
		}
	}
	followMembers(cents, firstOf, units, dim)
	refine(units, firstOf, cents, pinned, dim, p.Refine)
	// New themes that lost every comment are dropped; kept ones stay.
	return firstOf, dropEmpty(firstOf, cents, len(kept)), pinned
}

// closestCentroid is nearest for a dense vector.
func closestCentroid(v []float32, cents [][]float32) (int, float64) {
	best, bs := -1, -1.0
	for g, c := range cents {
		if s := dot32(v, c); s > bs {
			best, bs = g, s
		}
	}
	return best, bs
}

// dot32 is the dot product of two dense vectors of one length.
func dot32(a, b []float32) float64 {
	var s float64
	for i, w := range a {
		if w != 0 {
			s += float64(w) * float64(b[i])
		}
	}
	return s
}
