package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/consultation"
)

// documentsData is the list of a decision's procedure documents.
type documentsData struct {
	Decision  consultation.Decision
	Documents []documentView
	Kinds     []consultation.DocumentKind
	LeadStaff bool
	NextURL   string
}

// documentView is a stored document with its content laid out for reading.
type documentView struct {
	consultation.ProcedureDocument
	Facts []documentFact
}

// documentFact is one labelled value of a document's content.
type documentFact struct {
	Label, Value string
}

func (s *site) documents(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	cur := r.URL.Query().Get("cursor")
	docs, next, err := s.svc.Consultation.ListProcedureDocuments(r.Context(), currentAccount(r), d.ID, consultation.DocumentFilter{Cursor: cur})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := documentsData{Decision: d, Kinds: consultation.DocumentKinds, LeadStaff: currentAccount(r).IsStaffOf(d.LeadAgencyID)}
	for _, doc := range docs {
		data.Documents = append(data.Documents, documentView{ProcedureDocument: doc, Facts: documentFacts(doc)})
	}
	data.NextURL = nextPageURL(staffURL(d.ID, "/documents"), nil, next)
	s.show(w, r, "staff_documents", "程序性文件", data)
}

// documentLabels name the content fields of every kind, in display order.
var documentLabels = []documentFact{
	{"topic", "论证事项"}, {"date", "日期"}, {"assessor", "评估主体"}, {"method", "方式"}, {"reviewer_unit", "审查单位"},
	{"place", "地点"}, {"presiding_officer", "主持人"}, {"participant_selection", "参加人遴选方式"},
	{"groups", "听取意见的群体"}, {"participant_count", "参加人数"}, {"experts", "参加论证的专家"},
	{"participants", "听证参加人"}, {"risk_points", "风险点"}, {"opinion_summary", "论证意见摘要"},
	{"dissenting_views", "不同意见"}, {"measures", "风险防范化解措施"}, {"contingency_plan", "处置预案"},
	{"views_summary", "意见摘要"}, {"response", "意见处理和回应情况"}, {"main_views", "主要观点"},
	{"record_summary", "听证笔录摘要"}, {"conclusion", "结论"}, {"reasoning", "审查理由"},
}

// choiceNames are the Chinese names of the enumerated values in documents.
var choiceNames = map[string]string{
	string(consultation.RiskControllable): "风险可控", string(consultation.RiskNotControllable): "风险不可控",
	string(consultation.FairCompetitionCompliant): "符合公平竞争审查标准", string(consultation.FairCompetitionRevised): "经修改后符合公平竞争审查标准",
	string(consultation.FairCompetitionException): "适用例外规定", string(consultation.FairCompetitionNonCompliant): "不符合公平竞争审查标准",
}

// documentFacts lays a document's content out as labelled text.
func documentFacts(doc consultation.ProcedureDocument) []documentFact {
	var content map[string]json.RawMessage
	if json.Unmarshal(doc.Content, &content) != nil {
		return nil
	}
	var out []documentFact
	for _, l := range documentLabels {
		raw, ok := content[l.Label]
		if !ok {
			continue
		}
		if v := factText(l.Label, raw); v != "" {
			out = append(out, documentFact{Label: l.Value, Value: v})
		}
	}
	return out
}

func factText(key string, raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if n, ok := choiceNames[str]; ok {
			return n
		}
		return str
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	var list []map[string]any
	if json.Unmarshal(raw, &list) == nil {
		var lines []string
		for _, item := range list {
			lines = append(lines, listItemText(key, item))
		}
		return strings.Join(lines, "\n")
	}
	var strs []string
	if json.Unmarshal(raw, &strs) == nil {
		return strings.Join(strs, "、")
	}
	return ""
}

func listItemText(key string, m map[string]any) string {
	s := func(k string) string { v, _ := m[k].(string); return v }
	switch key {
	case "experts":
		decl := "未声明利益冲突情况"
		if b, _ := m["conflict_of_interest_declared"].(bool); b {
			decl = "已声明利益冲突情况"
		}
		out := s("name") + "（" + s("affiliation") + "，" + s("field") + "；" + decl
		if n := s("conflict_of_interest_note"); n != "" {
			out += "：" + n
		}
		return out + "）"
	case "dissenting_views":
		return s("expert") + "：" + s("view")
	case "risk_points":
		return s("description") + "（可能性：" + consultation.RiskLevels[s("likelihood")] + "，影响：" + consultation.RiskLevels[s("impact")] + "）"
	case "participants":
		return s("name") + "（" + s("capacity") + "）"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Rows of repeated fields offered by the forms; blank rows are ignored.
const (
	expertRows      = 5
	dissentRows     = 3
	riskPointRows   = 5
	participantRows = 8
)

// documentFormData backs the form of one kind of procedure document.
type documentFormData struct {
	Decision        consultation.Decision
	Kind            consultation.DocumentKind
	Kinds           []consultation.DocumentKind
	ExpertRows      []int
	DissentRows     []int
	RiskRows        []int
	ParticipantRows []int
	Levels          []choice
	RiskConclusions []choice
	FairConclusions []choice
}

// choice is an option of a select or radio group.
type choice struct{ Value, Label string }

func rows(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func (s *site) documentFormData(d consultation.Decision, kind consultation.DocumentKind) documentFormData {
	return documentFormData{Decision: d, Kind: kind, Kinds: consultation.DocumentKinds,
		ExpertRows: rows(expertRows), DissentRows: rows(dissentRows), RiskRows: rows(riskPointRows), ParticipantRows: rows(participantRows),
		Levels:          []choice{{"high", "高"}, {"medium", "中"}, {"low", "低"}},
		RiskConclusions: []choice{{string(consultation.RiskControllable), "风险可控"}, {string(consultation.RiskNotControllable), "风险不可控"}},
		FairConclusions: []choice{{string(consultation.FairCompetitionCompliant), "符合公平竞争审查标准"},
			{string(consultation.FairCompetitionRevised), "经修改后符合公平竞争审查标准"},
			{string(consultation.FairCompetitionException), "适用例外规定"},
			{string(consultation.FairCompetitionNonCompliant), "不符合公平竞争审查标准，不得出台"}}}
}

func (s *site) newDocumentForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	kind, ok := kindInQuery(w, r, consultation.DocumentKindNames, staffURL(d.ID, "/documents"))
	if !ok {
		return
	}
	s.show(w, r, "staff_document_new", "添加"+consultation.DocumentKindNames[kind], s.documentFormData(d, kind))
}

// documentForm reads the posted form of a kind into the document content.
// Blank rows of repeated fields are dropped and the rest moved up, so that
// the service's field names (experts[1].name) match the rows shown again.
func documentForm(r *http.Request, p *page, kind consultation.DocumentKind) any {
	v := func(name string) string {
		p.Form[name] = r.PostFormValue(name)
		return p.Form[name]
	}
	row := func(list string, i int, name string) string {
		return r.PostFormValue(list + "[" + strconv.Itoa(i) + "]." + name)
	}
	keep := func(list string, i int, names []string, vals map[string]string) {
		for _, n := range names {
			p.Form[list+"["+strconv.Itoa(i)+"]."+n] = vals[n]
		}
	}
	collect := func(list string, n int, names []string) []map[string]string {
		var out []map[string]string
		for i := range n {
			vals := map[string]string{}
			blank := true
			for _, name := range names {
				vals[name] = row(list, i, name)
				if strings.TrimSpace(vals[name]) != "" {
					blank = false
				}
			}
			if blank {
				continue
			}
			keep(list, len(out), names, vals)
			out = append(out, vals)
		}
		return out
	}
	switch kind {
	case consultation.DocExpertArgumentation:
		c := consultation.ExpertArgumentation{Topic: v("topic"), Date: v("date"), OpinionSummary: v("opinion_summary")}
		for _, e := range collect("experts", expertRows, []string{"name", "affiliation", "field", "conflict_of_interest_declared", "conflict_of_interest_note"}) {
			c.Experts = append(c.Experts, consultation.Expert{Name: e["name"], Affiliation: e["affiliation"], Field: e["field"],
				ConflictOfInterestDeclared: e["conflict_of_interest_declared"] != "", ConflictOfInterestNote: e["conflict_of_interest_note"]})
		}
		for _, e := range collect("dissenting_views", dissentRows, []string{"expert", "view"}) {
			c.DissentingViews = append(c.DissentingViews, consultation.DissentingView{Expert: e["expert"], View: e["view"]})
		}
		return c
	case consultation.DocRiskAssessment:
		c := consultation.RiskAssessment{Date: v("date"), Assessor: v("assessor"), Method: v("method"), Measures: v("measures"),
			ContingencyPlan: v("contingency_plan"), Conclusion: consultation.RiskConclusion(v("conclusion"))}
		for _, e := range collect("risk_points", riskPointRows, []string{"description", "likelihood", "impact"}) {
			c.RiskPoints = append(c.RiskPoints, consultation.RiskPoint{Description: e["description"], Likelihood: e["likelihood"], Impact: e["impact"]})
		}
		return c
	case consultation.DocStakeholderConsultation:
		c := consultation.StakeholderConsultation{Groups: splitLines(v("groups")), Method: v("method"), Date: v("date"),
			ViewsSummary: v("views_summary"), Response: v("response")}
		c.ParticipantCount, _ = strconv.Atoi(strings.TrimSpace(v("participant_count")))
		return c
	case consultation.DocHearingRecord:
		c := consultation.HearingRecord{Date: v("date"), Place: v("place"), PresidingOfficer: v("presiding_officer"),
			ParticipantSelection: v("participant_selection"), MainViews: v("main_views"), RecordSummary: v("record_summary")}
		for _, e := range collect("participants", participantRows, []string{"name", "capacity"}) {
			c.Participants = append(c.Participants, consultation.HearingParticipant{Name: e["name"], Capacity: e["capacity"]})
		}
		return c
	case consultation.DocFairCompetitionReview:
		return consultation.FairCompetitionReview{ReviewerUnit: v("reviewer_unit"), Date: v("date"),
			Conclusion: consultation.FairCompetitionConclusion(v("conclusion")), Reasoning: v("reasoning")}
	}
	return nil
}

func (s *site) addDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := s.decisionID(w, r)
	if !ok || !s.parseUpload(w, r) {
		return
	}
	kind := consultation.DocumentKind(r.URL.Query().Get("kind"))
	if k := r.PostFormValue("kind"); k != "" {
		kind = consultation.DocumentKind(k)
	}
	p := s.newPage(r, "添加"+consultation.DocumentKindNames[kind])
	in := consultation.ProcedureDocumentInput{Kind: kind}
	if content := documentForm(r, &p, kind); content != nil {
		raw, err := json.Marshal(content)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		in.Content = raw
	}
	if in.Attachments, ok = s.readAttachments(w, r); !ok {
		return
	}
	_, err := s.svc.Consultation.AddProcedureDocument(r.Context(), currentAccount(r), id, in)
	if err == nil {
		http.Redirect(w, r, staffURL(id, "/documents?flash=document_added"), http.StatusSeeOther)
		return
	}
	d, status, ok := s.refusedDecisionForm(w, r, &p, err)
	if !ok {
		return
	}
	// The service names content fields content.xxx; the form names them xxx.
	for k, msg := range p.Errors {
		if rest, ok := strings.CutPrefix(k, "content."); ok {
			delete(p.Errors, k)
			p.Errors[rest] = msg
		}
	}
	foldIndexedErrors(&p, "attachments", "groups")
	for _, list := range []string{"experts", "dissenting_views", "risk_points", "participants"} {
		if msg, ok := p.Errors[list]; ok {
			p.Errors[list+"[0].name"] = msg
		}
	}
	askToReselect(&p, in.Attachments)
	if consultation.DocumentKindNames[kind] == "" {
		http.Redirect(w, r, staffURL(d.ID, "/documents"), http.StatusSeeOther)
		return
	}
	p.Data = s.documentFormData(d, kind)
	s.render(w, r, status, "staff_document_new", p)
}
