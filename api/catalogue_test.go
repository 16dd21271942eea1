package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestCatalogueAdjustments: after publication a catalogue changes only
// through adjustments agreed by the Party committee and published, each in
// the history; an accepted proposal becomes an add adjustment.
func TestCatalogueAdjustments(t *testing.T) {
	p := newProcedure(t)
	var cat struct {
		ID    int64 `json:"id"`
		Items []struct {
			ID      int64  `json:"id"`
			Title   string `json:"title"`
			Removed bool   `json:"removed"`
		} `json:"items"`
		Adjustments []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"adjustments"`
		History []struct {
			Kind string `json:"kind"`
		} `json:"history"`
	}
	p.Do("POST", "/catalogues", p.tok("body"), map[string]any{"decision_body": "gov", "year": 2026}).Expect(t, 201, "").JSON(t, &cat)
	path := fmt.Sprintf("/catalogues/%d", cat.ID)
	item := func(title string) map[string]any {
		return map[string]any{"title": title, "lead_agency": "jyj", "domain": "education_culture", "category": "public_services", "planned_quarter": 2}
	}
	p.Do("POST", path+"/items", p.tok("body"), item("甲事项")).Expect(t, 201, "")
	p.Do("POST", path+"/items", p.tok("body"), item("乙事项")).Expect(t, 201, "")
	bad := item("丙")
	bad["category"] = "legislation"
	p.Do("POST", path+"/items", p.tok("body"), bad).Expect(t, 422, "excluded_matter")
	p.Do("POST", path+"/adjustments", p.tok("body"), map[string]any{"kind": "add", "item": item("丁"), "reason": "x"}).Expect(t, 409, "catalogue_not_published")
	p.Do("POST", path+"/approvals", p.tok("body"), map[string]any{"document_number": "平市委办〔2026〕3号", "date": p.today()}).Expect(t, 200, "")
	p.Do("POST", path+"/items", p.tok("body"), item("戊")).Expect(t, 409, "catalogue_not_draft")
	p.Do("POST", path+"/publication", p.tok("body"), nil).Expect(t, 200, "").JSON(t, &cat)
	first, second := cat.Items[0].ID, cat.Items[1].ID

	p.Do("POST", path+"/adjustments", p.tok("body"), map[string]any{"kind": "change", "item_id": first, "item": item("甲事项（修改）"),
		"reason": "名称调整"}).Expect(t, 201, "")
	p.Do("POST", path+"/adjustments", p.tok("body"), map[string]any{"kind": "remove", "item_id": second, "reason": "上级已统一规定"}).Expect(t, 201, "")
	// A resident's proposal accepted into the published catalogue.
	var prop struct {
		ID int64 `json:"id"`
	}
	p.Do("POST", "/decision-proposals", p.tok("alice"), map[string]any{"decision_body": "gov", "proposer_kind": "resident",
		"title": "课后托管补贴", "description": "建议对困难家庭课后托管给予补贴。"}).Expect(t, 201, "").JSON(t, &prop)
	p.Do("POST", fmt.Sprintf("/decision-proposals/%d/answer", prop.ID), p.tok("alice"), map[string]any{"accepted": false, "answer": "x"}).Expect(t, 403, "")
	p.Do("POST", fmt.Sprintf("/decision-proposals/%d/answer", prop.ID), p.tok("body"), map[string]any{"accepted": true,
		"answer": "采纳，列入年度目录。", "catalogue_id": cat.ID, "item": item("困难家庭课后托管补贴办法")}).Expect(t, 200, "")
	p.Do("POST", fmt.Sprintf("/decision-proposals/%d/answer", prop.ID), p.tok("body"), map[string]any{"accepted": false, "answer": "再答"}).
		Expect(t, 409, "proposal_already_answered")

	// Nothing changes before the agreement; publishing without one is refused.
	p.Do("POST", path+"/publication", p.tok("body"), nil).Expect(t, 409, "party_agreement_required")
	p.Do("GET", path, "", nil).Expect(t, 200, "").JSON(t, &cat)
	if len(cat.Adjustments) != 3 || cat.Items[0].Title != "甲事项" || cat.Items[1].Removed {
		t.Fatalf("before agreement: %+v", cat)
	}
	for _, a := range cat.Adjustments {
		p.Do("POST", path+"/approvals", p.tok("body"), map[string]any{"adjustment_id": a.ID, "document_number": "平市委办〔2026〕9号",
			"date": p.today()}).Expect(t, 200, "")
	}
	p.Do("POST", path+"/publication", p.tok("body"), nil).Expect(t, 200, "").JSON(t, &cat)
	if len(cat.Items) != 3 || cat.Items[0].Title != "甲事项（修改）" || !cat.Items[1].Removed || cat.Items[2].Title != "困难家庭课后托管补贴办法" {
		t.Fatalf("after publication: %+v", cat.Items)
	}
	published := 0
	for _, h := range cat.History {
		if h.Kind == "adjustment_published" {
			published++
		}
	}
	if published != 3 {
		t.Fatalf("history: %+v", cat.History)
	}

	// The decision body's catalogue record verifies, for anyone who may
	// see the catalogue, and names a row changed behind the service's back.
	var v struct {
		OK      bool   `json:"ok"`
		Chain   string `json:"chain"`
		Entries int    `json:"entries"`
		Problem string `json:"problem"`
	}
	p.Do("POST", path+"/record/verify", "", nil).Expect(t, 200, "").JSON(t, &v)
	if !v.OK || !strings.HasPrefix(v.Chain, "catalogue:") || v.Entries < 15 {
		t.Fatalf("intact catalogue record: %+v", v)
	}
	recordTamper(t, p.Env, `UPDATE decision_proposals SET answer = '不予采纳。' WHERE id = $1`, prop.ID)
	p.Do("POST", path+"/record/verify", "", nil).Expect(t, 200, "").JSON(t, &v)
	if v.OK || !strings.Contains(v.Problem, fmt.Sprintf("decision_proposals row %d was changed", prop.ID)) {
		t.Fatalf("changed answer: %+v", v)
	}
	p.Do("POST", "/catalogues/999999/record/verify", "", nil).Expect(t, 404, "catalogue_not_found")
}
