package consultation

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Opinions from every channel are answered and counted (Decree 713 Art. 14,
// 18): the online consultation's comments are this package's; opinions that
// arrive by letter, by the 12345 hotline, at a forum, a site visit, through a
// written request or at a hearing are kept by the package that records them
// (consultation/hearing), which registers an OpinionSource so that the
// adoption report counts and answers them by channel without this package
// reading its tables.

// ChannelOnline is the key of the online consultation in ByChannel.
const ChannelOnline = "online"

// ChannelFigure counts the opinions of one channel and how they were
// answered. Replies lists the distinct answers (disposition and reason)
// given to them, most frequent first; empty for the online channel, whose
// answers are in MainOpinions and TopArticles.
type ChannelFigure struct {
	Key                string        `json:"key"`
	Name               string        `json:"name"`
	Opinions           int           `json:"opinions"`
	WithoutDisposition int           `json:"without_disposition"`
	ByDisposition      []CountFigure `json:"by_disposition"`
	Replies            []ReplyFigure `json:"replies"`
}

// OpinionSource returns the figures of the channels it keeps for a
// decision, read inside the report's transaction tx. A channel with no
// opinion may be left out.
type OpinionSource func(ctx context.Context, tx pgx.Tx, decisionID int64) ([]ChannelFigure, error)

var opinionSources []OpinionSource

// AddOpinionSource registers a source of opinions received outside the
// online consultation. Call it from an init function only.
func AddOpinionSource(src OpinionSource) { opinionSources = append(opinionSources, src) }

// countChannels fills ByChannel: the online consultation first, then every
// registered source's channels that hold opinions.
func (f *AdoptionFigures) countChannels(ctx context.Context, tx pgx.Tx, decisionID int64) error {
	f.ByChannel = []ChannelFigure{{Key: ChannelOnline, Name: "网上公开征求意见", Opinions: f.Published,
		WithoutDisposition: f.WithoutDisposition, ByDisposition: f.ByDisposition, Replies: []ReplyFigure{}}}
	for _, src := range opinionSources {
		chs, err := src(ctx, tx, decisionID)
		if err != nil {
			return errs.Internal(err)
		}
		for _, c := range chs {
			if c.Opinions > 0 {
				f.ByChannel = append(f.ByChannel, c)
			}
		}
	}
	return nil
}

// offlineWithoutDisposition is how many opinions received outside the
// online consultation have no answer yet.
func (f *AdoptionFigures) offlineWithoutDisposition() int {
	n := 0
	for _, c := range f.ByChannel {
		if c.Key != ChannelOnline {
			n += c.WithoutDisposition
		}
	}
	return n
}

func errOfflineWithoutDisposition(n int) error {
	return &errs.Error{Kind: errs.KindConflict, Code: "offline_opinions_without_disposition", Basis: dispositionBasis,
		Message: fmt.Sprintf("尚有%d条通过来信、热线、座谈会等渠道收到的意见未作出处理，请先逐条答复", n)}
}

// writeChannels writes the section of the report text on the channels,
// when any opinion came from outside the online consultation.
func writeChannels(b *strings.Builder, f AdoptionFigures, heading func(string)) {
	if len(f.ByChannel) < 2 {
		return
	}
	heading("各渠道意见及处理情况")
	total := 0
	var parts []string
	for _, c := range f.ByChannel {
		total += c.Opinions
		parts = append(parts, fmt.Sprintf("%s%d条", c.Name, c.Opinions))
	}
	fmt.Fprintf(b, "各渠道共收到意见%d条：%s。\n", total, strings.Join(parts, "，"))
	for _, c := range f.ByChannel {
		if c.Key == ChannelOnline {
			continue
		}
		var ds []string
		for _, d := range c.ByDisposition {
			if d.Count > 0 {
				ds = append(ds, fmt.Sprintf("%s%d条", d.Name, d.Count))
			}
		}
		fmt.Fprintf(b, "%s收到意见%d条", c.Name, c.Opinions)
		if len(ds) > 0 {
			fmt.Fprintf(b, "，%s", strings.Join(ds, "，"))
		}
		if c.WithoutDisposition > 0 {
			fmt.Fprintf(b, "，尚有%d条未作出处理", c.WithoutDisposition)
		}
		b.WriteString("。\n")
		for _, r := range c.Replies {
			fmt.Fprintf(b, "处理情况：%s（%d条）。理由：%s\n", r.Name, r.Count, r.Reason)
		}
	}
	b.WriteString("\n")
}
