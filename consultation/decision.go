// Package consultation carries a decision item (决策事项) from drafting to
// publication as DOMAIN.md describes: draft versions and their articles,
// the consultation window, procedure documents, the stages with their
// statutory gates, and the tamper-evident process record. Every stage change
// goes through Service.transition, which runs the gates and records the step.
package consultation

import (
	"time"
)

// Domain is the livelihood domain of a decision (national indicator system).
type Domain string

// The livelihood domains.
const (
	DomainEducationCulture Domain = "education_culture" // 文化教育
	DomainHealth           Domain = "health"            // 医疗卫生
	DomainFoodSafety       Domain = "food_safety"       // 食品安全
	DomainResources        Domain = "resources"         // 资源开发
	DomainEnvironment      Domain = "environment"       // 环境保护
	DomainPublicUtilities  Domain = "public_utilities"  // 公用事业
	DomainOther            Domain = "other"
)

// DomainNames are the Chinese names of the domains.
var DomainNames = map[Domain]string{
	DomainEducationCulture: "文化教育", DomainHealth: "医疗卫生", DomainFoodSafety: "食品安全",
	DomainResources: "资源开发", DomainEnvironment: "环境保护", DomainPublicUtilities: "公用事业", DomainOther: "其他",
}

// Domains lists the domains in display order.
var Domains = []Domain{DomainEducationCulture, DomainHealth, DomainFoodSafety, DomainResources, DomainEnvironment, DomainPublicUtilities, DomainOther}

// Livelihood reports whether d is one of the six livelihood domains for
// which an opinion survey is expected.
func (d Domain) Livelihood() bool { return d != DomainOther && DomainNames[d] != "" }

// Category is the statutory category of Henan provincial decree No. 210 Art. 3.
type Category string

// The categories. The excluded matters of Decree 713 Art. 3 are listed so
// that choosing one is refused with its reason rather than silently accepted.
const (
	CategoryPublicServices    Category = "public_services"
	CategoryMarketRegulation  Category = "market_regulation"
	CategorySocialManagement  Category = "social_management"
	CategoryEnvironment       Category = "environment_protection"
	CategoryNaturalResources  Category = "natural_resources"
	CategoryCulturalHeritage  Category = "cultural_heritage"
	CategoryPlans             Category = "development_plans"
	CategoryMajorProjects     Category = "major_public_projects"
	CategoryOther             Category = "other"
	ExcludedMacroControl      Category = "fiscal_monetary_macro_control"
	ExcludedLegislation       Category = "legislation"
	ExcludedEmergencyResponse Category = "emergency_response"
)

// CategoryNames are the Chinese names of the categories.
var CategoryNames = map[Category]string{
	CategoryPublicServices:    "公共服务（就业、社会保障、教育、医疗卫生、文化体育等）",
	CategoryMarketRegulation:  "市场监管",
	CategorySocialManagement:  "社会管理",
	CategoryEnvironment:       "生态环境保护",
	CategoryNaturalResources:  "自然资源开发利用",
	CategoryCulturalHeritage:  "历史文化保护",
	CategoryPlans:             "经济和社会发展等方面的重要规划",
	CategoryMajorProjects:     "重大公共建设项目",
	CategoryOther:             "其他重大事项",
	ExcludedMacroControl:      "财政政策、货币政策等宏观调控决策（不适用）",
	ExcludedLegislation:       "政府立法决策（不适用）",
	ExcludedEmergencyResponse: "突发事件应急处置决策（不适用）",
}

// Categories lists the categories in display order.
var Categories = []Category{CategoryPublicServices, CategoryMarketRegulation, CategorySocialManagement, CategoryEnvironment,
	CategoryNaturalResources, CategoryCulturalHeritage, CategoryPlans, CategoryMajorProjects, CategoryOther,
	ExcludedMacroControl, ExcludedLegislation, ExcludedEmergencyResponse}

// Excluded reports whether the category is a matter Decree 713 Art. 3
// excludes from the procedure.
func (c Category) Excluded() bool {
	return c == ExcludedMacroControl || c == ExcludedLegislation || c == ExcludedEmergencyResponse
}

// Status is the stage of a decision (DOMAIN.md, "Stages").
type Status string

// The stages in order, and the states after publication.
const (
	StatusDrafting     Status = "drafting"
	StatusConsulting   Status = "consulting"
	StatusHandling     Status = "handling"
	StatusUnderReview  Status = "under_review"
	StatusDeliberation Status = "deliberation"
	StatusPublished    Status = "published"
	StatusInEffect     Status = "in_effect"
	StatusSuspended    Status = "suspended"
	StatusEvaluated    Status = "evaluated"
	StatusWithdrawn    Status = "withdrawn"
	// StatusEnded: execution stopped for good (停止执行) after the body's
	// decision, e.g. on a post-evaluation that found it should stop
	// (Decree 713 Art. 36–37).
	StatusEnded Status = "ended"
)

// StatusNames are the Chinese names of the stages.
var StatusNames = map[Status]string{
	StatusDrafting: "起草", StatusConsulting: "公开征求意见", StatusHandling: "意见处理", StatusUnderReview: "合法性审查",
	StatusDeliberation: "集体讨论决定", StatusPublished: "决策公布", StatusInEffect: "实施中", StatusSuspended: "暂停执行",
	StatusEvaluated: "决策后评估", StatusWithdrawn: "已撤回", StatusEnded: "已停止执行",
}

// Statuses lists the stages in order.
var Statuses = []Status{StatusDrafting, StatusConsulting, StatusHandling, StatusUnderReview, StatusDeliberation,
	StatusPublished, StatusInEffect, StatusSuspended, StatusEvaluated, StatusWithdrawn, StatusEnded}

// Decision is a decision item.
type Decision struct {
	ID                    int64      `db:"id"`
	Title                 string     `db:"title"`
	Summary               string     `db:"summary"`
	Category              Category   `db:"category"`
	Domain                Domain     `db:"domain"`
	DecisionBodyID        int64      `db:"decision_body_id"`
	DecisionBodyCode      string     `db:"decision_body_code"`
	DecisionBodyName      string     `db:"decision_body_name"`
	LeadAgencyID          int64      `db:"lead_agency_id"`
	LeadAgencyCode        string     `db:"lead_agency_code"`
	LeadAgencyName        string     `db:"lead_agency_name"`
	CoAgencyIDs           []int64    `db:"co_agency_ids"`
	CoAgencyCodes         []string   `db:"co_agency_codes"`
	Technical             bool       `db:"technical"`
	StabilityRisk         bool       `db:"stability_risk"`
	AffectsSpecificGroups bool       `db:"affects_specific_groups"`
	MarketRelated         bool       `db:"market_related"`
	NotDisclosable        bool       `db:"not_disclosable"`
	NotDisclosableReason  string     `db:"not_disclosable_reason"`
	PlannedDecisionDate   *time.Time `db:"planned_decision_date"`
	Status                Status     `db:"status"`
	WithdrawnReason       string     `db:"withdrawn_reason"`
	PublicSince           *time.Time `db:"public_since"`
	CreatedBy             int64      `db:"created_by"`
	CreatedAt             time.Time  `db:"created_at"`
	UpdatedAt             time.Time  `db:"updated_at"`
	// ReviewAgencyIDs are the legality-review departments the decision was
	// submitted to and AdviserIDs the legal advisers assigned to those
	// reviews: the only reviewers and advisers who see it internally.
	ReviewAgencyIDs []int64 `db:"review_agency_ids"`
	AdviserIDs      []int64 `db:"adviser_ids"`
}

// Public reports whether anonymous visitors and residents may see the
// decision at all: from the moment its consultation opened (or, for a
// decision withheld from consultation, its publication). Drafts before that
// are internal working documents.
func (d *Decision) Public() bool { return d.PublicSince != nil }
