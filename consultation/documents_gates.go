package consultation

import "context"

// The gates on procedure documents a decision needs before the legality
// review (DOMAIN.md, stage 4). get-decision-gates shows them while the
// decision is in handling; the submission to the legality review refuses
// while one fails.

// currentVersionSQL selects the id of the decision's latest draft version
// ($1 is the decision id).
const currentVersionSQL = `(SELECT id FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1)`

func documentExists(ctx context.Context, st *GateState, kind DocumentKind) (bool, error) {
	var ok bool
	err := st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM procedure_documents WHERE decision_id = $1 AND kind = $2)`,
		st.Decision.ID, kind).Scan(&ok)
	return ok, err
}

// riskAssessmentOnCurrentVersion: Art. 22 asks for an assessment of the
// decision as it will be taken, so an assessment of an earlier draft does
// not count for a changed one.
func riskAssessmentOnCurrentVersion(ctx context.Context, st *GateState) (bool, error) {
	var ok bool
	err := st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM procedure_documents
		WHERE decision_id = $1 AND kind = 'risk_assessment' AND version_id = `+currentVersionSQL+`)`, st.Decision.ID).Scan(&ok)
	return ok, err
}

// riskControllable implements Art. 24: once an assessment found the risk
// not controllable, the decision may go on only after the draft was changed
// (a newer version) and an assessment of that version found the risk
// controllable. Documents are always tied to the version current when they
// were added, so "on the current version, no not_controllable and at least
// one controllable" says exactly that: a not_controllable finding on an
// earlier version is answered by the newer version's assessment, and a
// second opinion on the same, unchanged version answers nothing. With no
// assessment at all this gate passes; risk_assessment_required reports it.
func riskControllable(ctx context.Context, st *GateState) (bool, error) {
	var ok bool
	err := st.Tx.QueryRow(ctx, `SELECT
		NOT EXISTS (SELECT 1 FROM procedure_documents WHERE decision_id = $1 AND kind = 'risk_assessment'
			AND content->>'conclusion' = 'not_controllable')
		OR (EXISTS (SELECT 1 FROM procedure_documents WHERE decision_id = $1 AND kind = 'risk_assessment'
				AND content->>'conclusion' = 'controllable' AND version_id = `+currentVersionSQL+`)
			AND NOT EXISTS (SELECT 1 FROM procedure_documents WHERE decision_id = $1 AND kind = 'risk_assessment'
				AND content->>'conclusion' = 'not_controllable' AND version_id = `+currentVersionSQL+`))`,
		st.Decision.ID).Scan(&ok)
	return ok, err
}

// fairCompetitionPassed: the latest review must allow the measure; a
// not_compliant conclusion means it may not be issued until revised and
// reviewed again.
func fairCompetitionPassed(ctx context.Context, st *GateState) (bool, error) {
	var ok bool
	err := st.Tx.QueryRow(ctx, `SELECT coalesce((SELECT content->>'conclusion' <> 'not_compliant' FROM procedure_documents
		WHERE decision_id = $1 AND kind = 'fair_competition_review' ORDER BY id DESC LIMIT 1), false)`, st.Decision.ID).Scan(&ok)
	return ok, err
}

func init() {
	addGate(StatusUnderReview, Gate{Code: "expert_argumentation_required", Basis: "Decree 713 Art. 19", Title: "已组织专家论证（专业性、技术性较强的决策事项）",
		Message: "该决策事项专业性、技术性较强，须先组织专家论证并上传经专家签字的论证意见",
		Applies: func(d *Decision) bool { return d.Technical },
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			return documentExists(ctx, st, DocExpertArgumentation)
		}})
	addGate(StatusUnderReview, Gate{Code: "risk_assessment_required", Basis: "Decree 713 Art. 22", Title: "已对当前草案版本开展风险评估",
		Message: "该决策事项可能影响社会稳定或公共安全，须对当前草案版本开展风险评估",
		Applies: func(d *Decision) bool { return d.StabilityRisk },
		Check:   riskAssessmentOnCurrentVersion})
	addGate(StatusUnderReview, Gate{Code: "risk_not_controllable", Basis: "Decree 713 Art. 24", Title: "风险评估结论为风险可控",
		Message: "风险评估认为风险不可控：须调整决策草案（上传新的草案版本），并对新版本重新评估得出风险可控的结论",
		Applies: func(d *Decision) bool { return d.StabilityRisk },
		Check:   riskControllable})
	addGate(StatusUnderReview, Gate{Code: "stakeholder_consultation_required", Basis: "Decree 713 Art. 14", Title: "已听取特定利益群体意见",
		Message: "该决策事项涉及特定群体利益，须与相关人民团体、社会组织以及群众代表沟通协商并记录听取意见情况",
		Applies: func(d *Decision) bool { return d.AffectsSpecificGroups },
		// A hearing record does not stand in for it: a hearing's
		// participants are chosen to represent every side (Art. 17), not
		// the particular group Art. 14 names.
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			return documentExists(ctx, st, DocStakeholderConsultation)
		}})
	addGate(StatusUnderReview, Gate{Code: "fair_competition_review_required", Basis: "Decree 713 Art. 29; Fair Competition Review Regulations Art. 2",
		Title:   "已通过公平竞争审查（涉及经营者经济活动的决策事项）",
		Message: "该决策事项涉及经营者经济活动，须经公平竞争审查且最近一次审查结论允许出台",
		Applies: func(d *Decision) bool { return d.MarketRelated },
		Check:   fairCompetitionPassed})
}
