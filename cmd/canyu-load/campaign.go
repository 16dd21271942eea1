package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// campaignTemplate is the text of the abuse campaign (issue 8: "a campaign
// of 10,000 near-identical comments from 1,000 accounts lands in one
// group"), a form letter of about 100 characters as the 2017 FCC docket's
// were paragraphs: copies share it with small edits.
const campaignTemplate = "我是本市的普通市民，每天坐公交车上下班。公交票价从一元涨到两元，对我们这些低收入家庭来说负担太重了。" +
	"公交是公益事业，不应该靠涨价解决亏损问题。请市政府收回票价调整方案，保留一元线路，维护普通市民的出行权利。"

// The edits a copy gets, as people who paste a form letter make them.
var (
	campaignPunct   = []string{"，", "。", "！", "!", "、", " ", "…", "！！", "？"}
	campaignChars   = []rune("的了是很都也就要们这我你他在有")
	campaignAppends = []string{"强烈反对！", "请三思！", "谢谢！", "希望采纳。", "——一位老市民", "顶", "同上", "坚决反对涨价"}
)

// campaignCopy is the template with one to three edits: punctuation
// inserted, a character changed or dropped, a few words appended.
func campaignCopy(rng *rand.Rand) string {
	r := []rune(campaignTemplate)
	for range 1 + rng.IntN(3) {
		i := rng.IntN(len(r))
		switch rng.IntN(4) {
		case 0: // punctuation inserted
			p := []rune(campaignPunct[rng.IntN(len(campaignPunct))])
			r = append(r[:i], append(p, r[i:]...)...)
		case 1: // a character changed (a typo or a word swapped)
			r[i] = campaignChars[rng.IntN(len(campaignChars))]
		case 2: // a character dropped
			r = append(r[:i], r[i+1:]...)
		case 3: // words appended
			r = append(r, []rune(campaignAppends[rng.IntN(len(campaignAppends))])...)
		}
	}
	return string(r)
}

// groupView is what the campaign check reads of a comment group.
type groupView struct {
	ID                 int64  `json:"id"`
	Size               int    `json:"size"`
	Pending            int    `json:"pending"`
	RepresentativeText string `json:"representative_text"`
}

// checkCampaign lists the decision's comment groups as its staff member
// (GET /api/v1/decisions/{id}/comment-groups, which catches up with the
// background grouper first) and reports whether the campaign landed in one
// group: exactly one group, holding every acknowledged copy.
func (l *load) checkCampaign(ctx context.Context, w io.Writer) (bool, error) {
	acked := map[string]bool{}
	for _, a := range l.commentAcks {
		acked[fmt.Sprint(a.account, "/", a.key)] = true
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	var groups []groupView
	start := time.Now()
	cursor := ""
	for {
		u := fmt.Sprintf("%s/api/v1/decisions/%d/comment-groups?limit=100", l.cfg.baseURL, l.fx.decisionID)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+l.fx.staffToken)
		status, code, body, _, err := do(client, req)
		if err != nil {
			return false, fmt.Errorf("list comment groups: %w", err)
		}
		if status != http.StatusOK {
			return false, fmt.Errorf("list comment groups: HTTP %d %s", status, code)
		}
		var page struct {
			Groups     []groupView `json:"groups"`
			NextCursor string      `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return false, fmt.Errorf("list comment groups: %w", err)
		}
		groups = append(groups, page.Groups...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	took := time.Since(start)
	largest, members := 0, 0
	for _, g := range groups {
		largest = max(largest, g.Size)
		members += g.Size
	}
	fmt.Fprintf(w, "campaign: %d copies acknowledged from %d accounts; the decision's comment groups (staff API, %s to answer): %d, holding %d comments; largest %d = %.2f%% of the campaign\n",
		len(acked), len(l.fx.residents), took.Round(time.Millisecond), len(groups), members, largest, 100*float64(largest)/float64(max(1, len(acked))))
	for i, g := range groups[:min(len(groups), 5)] {
		fmt.Fprintf(w, "  group %d: id %d, size %d, representative %q\n", i+1, g.ID, g.Size, clip(g.RepresentativeText, 40))
	}
	if len(groups) == 1 && largest >= len(acked) && len(acked) > 0 {
		fmt.Fprintln(w, "campaign: OK, one group")
		return true, nil
	}
	fmt.Fprintln(w, "campaign: FAILED, the campaign is split (or not grouped)")
	return false, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}
