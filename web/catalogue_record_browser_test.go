package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestCatalogueRecordPublicPage: the catalogue record (目录档案) of a
// decision body lists every entry in order, in Chinese, with its time and
// the chain's hashes, each entry's previous hash the entry before's hash,
// for anyone who may see the catalogue, on a phone and a desktop. It had
// no public list (outside check: the decisions' record page has one).
func TestCatalogueRecordPublicPage(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	resident, _ := e.Account(identity.RoleResident, "")
	c, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2026)
	must(t, err)
	_, err = e.Catalogue.AddCatalogueItem(ctx, &body, c.ID, catalogue.ItemInput{Title: "义务教育阶段课后服务办法", LeadAgency: "jyj",
		Domain: consultation.DomainEducationCulture, Category: consultation.CategoryPublicServices, PlannedQuarter: 2})
	must(t, err)
	_, err = e.Catalogue.RecordCatalogueApproval(ctx, &body, c.ID, catalogue.ApprovalInput{DocumentNumber: "平市委办〔2026〕3号", Date: e.Today()})
	must(t, err)
	_, err = e.Catalogue.PublishCatalogue(ctx, &body, c.ID)
	must(t, err)
	_, err = e.Catalogue.ProposeDecisionItem(ctx, &resident, catalogue.ProposalInput{DecisionBody: "pdsszf",
		ProposerKind: catalogue.ProposerResident, Title: "困难家庭课后托管补贴", Description: "建议对困难家庭课后托管给予补贴。"})
	must(t, err)
	// Next year's catalogue, still a draft, is not public: nor its record.
	draft, err := e.Catalogue.CreateCatalogue(ctx, &body, "pdsszf", 2027)
	must(t, err)
	if resp, err := http.Get(fmt.Sprintf("%s/catalogues/%d/record", e.URL, draft.ID)); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the record page of a draft catalogue answers %v (%v), want 404", resp.StatusCode, err)
	}
	chain, err := record.ChainEntries(ctx, e.DB, catalogue.ChainOf(c.DecisionBodyID))
	must(t, err)

	for _, vp := range viewports {
		b := chrome(t, vp.size, 60*time.Second)
		must(t, chromedp.Do(b, chromedp.Navigate(fmt.Sprintf("%s/catalogues/%d", e.URL, c.ID)),
			chromedp.Click(chromedp.ID("record-link")), chromedp.WaitVisible(chromedp.ID("record-entries"))))
		text := textOf(t, b, chromedp.CSS("main"))
		for _, want := range []string{"平顶山市人民政府目录档案", "第1条：编制目录", "增加事项", "党委同意", "公布目录", "收到决策事项建议",
			"记录人：居民", "前一条校验值：" + record.GenesisHash} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the page does not say %q: %s", vp.name, want, text)
			}
		}
		if strings.Contains(text, "catalogue_") || strings.Contains(text, "decision_proposal") || strings.Contains(text, "困难家庭") {
			t.Errorf("%s: the page shows an internal kind or a proposal's content: %s", vp.name, text)
		}
		pairs, err := chromedp.Run(b, chromedp.Evaluate[[][2]string](`[...document.querySelectorAll('#record-entries li')].map(li =>
			[li.querySelector('.prev-hash').textContent, li.querySelector('.entry-hash').textContent])`))
		must(t, err)
		if len(pairs) != len(chain) {
			t.Fatalf("%s: %d entries listed, the chain has %d", vp.name, len(pairs), len(chain))
		}
		for i, p := range pairs {
			if p[0] != chain[i].PrevHash || p[1] != chain[i].EntryHash || (i > 0 && p[0] != pairs[i-1][1]) {
				t.Errorf("%s: entry %d shows %v, the chain holds %s → %s", vp.name, i+1, p, chain[i].PrevHash, chain[i].EntryHash)
			}
		}
		noSideScroll(t, b, "catalogue record")
		browsertest.Screenshot(t, b, "catalogue-record-"+vp.name)
	}
}
