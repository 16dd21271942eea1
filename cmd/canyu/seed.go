package main

import (
	"context"
	"fmt"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/survey"
)

// DemoPassword is the password of every demo account (printed by seed).
const DemoPassword = "canyu-demo-2026"

func cmdSeed(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "seed --demo [--if-empty]", "Creates a demo prefecture-level city (平顶山市): agencies, staff, reviewer,\nlegal adviser, admin and resident accounts, and decision items in all six\nlivelihood domains in different stages, with Chinese drafts.")
	demo := fs.Bool("demo", false, "create the demo data (required)")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the database already has agencies")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	if !*demo {
		return fmt.Errorf("only --demo is supported")
	}
	db, cfg, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM agencies`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		if *ifEmpty {
			fmt.Fprintln(env.stdout, "seed: the database already has data; nothing done")
			return nil
		}
		return fmt.Errorf("the database already has agencies: seed --demo only fills an empty database")
	}
	ids := identity.NewService(db, nil)
	cs := consultation.NewService(db, nil)
	// The demo signs review sign-offs with the key serve will use.
	cs.Passwords = ids
	cs.Audit = ids
	if cs.Signer, err = record.LoadOrCreateSigningKey(cfg.DataDir, cfg.SigningKeyFile); err != nil {
		return err
	}
	// The demo's survey responses are keyed as serve will key them.
	keys, err := openSurveyKeys(ctx, db, cfg)
	if err != nil {
		return err
	}
	if err := seedDemo(ctx, ids, cs, keys, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "seed: demo city created. Accounts (password %s):\n", DemoPassword)
	for _, a := range append(demoAccounts, demoLifeAccounts...) {
		fmt.Fprintf(env.stdout, "  %-14s %-24s %s\n", a.role, a.login(), a.name)
	}
	fmt.Fprintf(env.stdout, "  and %d more residents who commented and answered the survey: %s … %s\n",
		len(demoCrowd), demoCrowd[0].login(), demoCrowd[len(demoCrowd)-1].login())
	return nil
}

type demoAccount struct {
	role   identity.Role
	phone  string
	email  string
	name   string
	agency string
}

func (a demoAccount) login() string {
	if a.email != "" {
		return a.email
	}
	return a.phone
}

var demoAgencies = []identity.AgencyInput{
	{Code: "pds-gov", Name: "平顶山市人民政府", Kind: identity.AgencyGovernment},
	{Code: "pds-sfj", Name: "平顶山市司法局", Kind: identity.AgencyLegalityReview},
	{Code: "pds-jyj", Name: "平顶山市教育局", Kind: identity.AgencyDepartment},
	{Code: "pds-wjw", Name: "平顶山市卫生健康委员会", Kind: identity.AgencyDepartment},
	{Code: "pds-scjg", Name: "平顶山市市场监督管理局", Kind: identity.AgencyDepartment},
	{Code: "pds-slj", Name: "平顶山市水利局", Kind: identity.AgencyDepartment},
	{Code: "pds-sthj", Name: "平顶山市生态环境局", Kind: identity.AgencyDepartment},
	{Code: "pds-fgw", Name: "平顶山市发展和改革委员会", Kind: identity.AgencyDepartment},
	{Code: "pds-jtj", Name: "平顶山市交通运输局", Kind: identity.AgencyDepartment},
}

var demoAccounts = []demoAccount{
	{role: identity.RoleAdmin, email: "admin@pds.example.gov.cn", name: "平台管理员"},
	{role: identity.RoleAgencyStaff, email: "jyj@pds.example.gov.cn", name: "王敏（市教育局）", agency: "pds-jyj"},
	{role: identity.RoleAgencyStaff, email: "wjw@pds.example.gov.cn", name: "刘洋（市卫健委）", agency: "pds-wjw"},
	{role: identity.RoleAgencyStaff, email: "scjg@pds.example.gov.cn", name: "陈静（市市场监管局）", agency: "pds-scjg"},
	{role: identity.RoleAgencyStaff, email: "slj@pds.example.gov.cn", name: "赵磊（市水利局）", agency: "pds-slj"},
	{role: identity.RoleAgencyStaff, email: "sthj@pds.example.gov.cn", name: "孙丽（市生态环境局）", agency: "pds-sthj"},
	{role: identity.RoleAgencyStaff, email: "fgw@pds.example.gov.cn", name: "周强（市发展改革委）", agency: "pds-fgw"},
	{role: identity.RoleReviewer, email: "sfj@pds.example.gov.cn", name: "吴审（市司法局）", agency: "pds-sfj"},
	{role: identity.RoleLegalAdviser, email: "lawyer@pds.example.gov.cn", name: "郑律师（法律顾问）"},
	{role: identity.RoleResident, phone: "13800000001", name: "李市民"},
	{role: identity.RoleSupervisor, email: "ducha@pds.example.gov.cn", name: "何督察（市法治督察办）", agency: "pds-gov"},
}

// demoDecision is one demo decision and how far to take it.
type demoDecision struct {
	staff       string // e-mail of the lead unit's staff account
	in          consultation.DecisionInput
	text        string
	explanation string
	basis       []string
	stage       consultation.Status // drafting, consulting or handling
	shortReason string
}

func seedDemo(ctx context.Context, ids *identity.Service, cs *consultation.Service, keys *survey.RespondentKeys, now time.Time) error {
	for i, a := range append(append([]identity.AgencyInput{}, demoAgencies...), demoLifeAgencies...) {
		if i > 0 && i < len(demoAgencies) {
			a.ParentCode = "pds-gov" // the city's departments belong to the city government
		}
		if _, err := ids.CreateAgency(ctx, nil, a); err != nil {
			return fmt.Errorf("agency %s: %w", a.Code, err)
		}
	}
	accounts := map[string]identity.Account{}
	all := append(append(append([]demoAccount{}, demoAccounts...), demoLifeAccounts...), demoCrowd...)
	for _, a := range all {
		acct, err := ids.CreateAccount(ctx, nil, identity.AccountInput{Role: a.role, Phone: a.phone, Email: a.email,
			DisplayName: a.name, AgencyCode: a.agency, Password: DemoPassword})
		if err != nil {
			return fmt.Errorf("account %s: %w", a.login(), err)
		}
		accounts[a.login()] = acct
	}
	// The adviser's entry in the roster reviewers choose from.
	if err := seedRoster(ctx, ids, accounts["admin@pds.example.gov.cn"], accounts["lawyer@pds.example.gov.cn"]); err != nil {
		return err
	}
	for _, d := range demoDecisions() {
		staff := accounts[d.staff]
		dec, err := cs.CreateDecision(ctx, &staff, d.in)
		if err != nil {
			return fmt.Errorf("decision %s: %w", d.in.Title, err)
		}
		if _, err := cs.CreateDraftVersion(ctx, &staff, dec.ID, consultation.DraftVersionInput{Text: d.text, Explanation: d.explanation, LegalBasis: d.basis}); err != nil {
			return fmt.Errorf("draft of %s: %w", d.in.Title, err)
		}
		switch d.stage {
		case consultation.StatusConsulting:
			days := 30
			if d.shortReason != "" {
				days = 15
			}
			// The window ends at midnight Beijing time after `days` full days.
			if _, err := cs.OpenConsultation(ctx, &staff, dec.ID, consultation.ConsultationInput{EndsAt: endOfDayShanghai(now.AddDate(0, 0, days)),
				WaysToComment: demoWays, ShorteningReason: d.shortReason, ShowComments: true}); err != nil {
				return fmt.Errorf("consultation of %s: %w", d.in.Title, err)
			}
		case consultation.StatusHandling:
			// A consultation that ran 30 days up to yesterday: open it on a
			// clock set in the past, then let the closing job's logic run.
			past := *cs
			past.Now = func() time.Time { return now.AddDate(0, 0, -31) }
			if _, err := past.OpenConsultation(ctx, &staff, dec.ID, consultation.ConsultationInput{EndsAt: now.AddDate(0, 0, -1),
				WaysToComment: demoWays, ShowComments: true}); err != nil {
				return fmt.Errorf("consultation of %s: %w", d.in.Title, err)
			}
			if _, err := cs.CloseDueConsultations(ctx); err != nil {
				return err
			}
		}
	}
	if err := seedLife(ctx, cs, accounts, now); err != nil {
		return err
	}
	return seedParticipation(ctx, cs, keys, accounts, now)
}

const demoWays = "1. 登录本平台，在草案条文旁点击“发表意见”逐条提出意见，或对草案整体提出意见；\n2. 信函寄至平顶山市新华区建设路中段（信封注明“征求意见”）；\n3. 电子邮件发送至 zqyj@pds.example.gov.cn。"

// endOfDayShanghai is the midnight (Asia/Shanghai) that ends t's day there.
func endOfDayShanghai(t time.Time) time.Time {
	loc := workday.Location()
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

func seedRoster(ctx context.Context, ids *identity.Service, admin, lawyer identity.Account) error {
	_, err := ids.SaveLegalAdviserProfile(ctx, &admin, lawyer.ID, identity.AdviserProfileInput{Firm: "河南鹰城律师事务所",
		LicenceNumber: "14104201510000001", Fields: []string{"行政法、教育、城市管理"},
		Conflicts: "无（2026年1月声明）"}, true)
	if err != nil {
		return fmt.Errorf("adviser roster: %w", err)
	}
	return nil
}
