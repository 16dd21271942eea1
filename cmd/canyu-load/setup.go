package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/survey"
)

// loadPassword is the password of every account the generator creates.
const loadPassword = "canyu-load-2026"

// resident is one verified resident with a session token.
type resident struct {
	id    int64
	token string
}

// fixture is what a run needs: a decision under consultation, an open survey
// linked to it and signed-in residents.
type fixture struct {
	run        string
	decisionID int64
	anchors    []string
	surveyID   int64
	questions  []survey.Question
	residents  []resident
	// accountIDs of the residents, for verification.
	accountIDs []int64
	// staffToken is the session of the lead unit's staff member, who
	// publishes comments (index lag) and lists comment groups (campaign).
	staffToken string
}

const loadDraft = `平顶山市城市公共汽车票价调整方案（征求意见稿）
第一条 为促进城市公共交通可持续发展，根据《中华人民共和国价格法》，制定本方案。
第二条 市区公共汽车普通线路票价由1元调整为2元，空调线路票价由2元调整为2.5元。
第三条 使用公交卡乘车的，享受八折优惠；60周岁以上老年人、残疾人、现役军人免费乘车。
第四条 学生凭学生卡乘车享受五折优惠。
第五条 换乘优惠：90分钟内换乘第二辆公共汽车的，第二次乘车免费。
第六条 本方案自2027年7月1日起施行。`

// setup creates the fixture through the service layer (the generator ships
// with the service, so this is the fastest correct route), then inserts the
// residents in bulk and signs them in.
func setup(ctx context.Context, db *pgxpool.Pool, cfg config, logf func(string, ...any)) (*fixture, error) {
	ids := identity.NewService(db, nil)
	cs := consultation.NewService(db, nil)
	ss := survey.NewService(db, cs, nil)
	run := fmt.Sprintf("%x", time.Now().UnixNano()/1e6)
	fx := &fixture{run: run}
	gov, dept := "load-gov-"+run, "load-dept-"+run
	for _, a := range []identity.AgencyInput{
		{Code: gov, Name: "压测市人民政府" + run, Kind: identity.AgencyGovernment},
		{Code: dept, Name: "压测市交通运输局" + run, Kind: identity.AgencyDepartment},
	} {
		if _, err := ids.CreateAgency(ctx, nil, a); err != nil {
			return nil, fmt.Errorf("agency %s: %w", a.Code, err)
		}
	}
	staffEmail := "load-" + run + "@load.example.gov.cn"
	staff, err := ids.CreateAccount(ctx, nil, identity.AccountInput{Role: identity.RoleAgencyStaff, Email: staffEmail,
		DisplayName: "压测工作人员", AgencyCode: dept, Password: loadPassword})
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	d, err := cs.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "城市公共汽车票价调整方案（压测" + run + "）",
		Summary: "调整市区公共汽车票价，完善优惠政策。", Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities,
		DecisionBody: gov, LeadAgency: dept, AffectsSpecificGroups: true})
	if err != nil {
		return nil, fmt.Errorf("decision: %w", err)
	}
	fx.decisionID = d.ID
	if _, err := cs.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{Text: loadDraft,
		Explanation: "公交运营成本上涨，现行票价自2008年以来未作调整。", LegalBasis: []string{"《中华人民共和国价格法》"}}); err != nil {
		return nil, fmt.Errorf("draft: %w", err)
	}
	loc := workday.Location()
	y, m, dd := time.Now().In(loc).AddDate(0, 0, 31).Date()
	cons, err := cs.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{EndsAt: time.Date(y, m, dd+1, 0, 0, 0, 0, loc),
		WaysToComment: "登录本平台逐条发表意见。", ShowComments: true})
	if err != nil {
		return nil, fmt.Errorf("consultation: %w", err)
	}
	if err := db.QueryRow(ctx, `SELECT coalesce(array_agg(anchor ORDER BY number), '{}') FROM draft_articles WHERE version_id = $1`,
		cons.VersionID).Scan(&fx.anchors); err != nil {
		return nil, err
	}
	sv, err := ss.CreateSurvey(ctx, &staff, survey.Input{Title: "公交票价调整问卷（压测）", DecisionID: &d.ID,
		ClosesAt: time.Now().Add(30 * 24 * time.Hour), PrivacyNotice: "市交通运输局收集，仅用于决策参考，保存一年。"})
	if err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	opts := func(labels ...string) []survey.Option {
		out := make([]survey.Option, len(labels))
		for i, l := range labels {
			out[i] = survey.Option{Label: l}
		}
		return out
	}
	for _, q := range []survey.QuestionInput{
		{Kind: survey.KindSingleChoice, Title: "是否赞成票价调整", Required: true, Config: survey.Config{Options: opts("赞成", "反对", "无所谓")}},
		{Kind: survey.KindMultipleChoice, Title: "您最关心", Config: survey.Config{Options: opts("票价", "班次", "换乘", "老年人优惠"), MinChoices: 1, MaxChoices: 2}},
		{Kind: survey.KindScale, Title: "对公交服务的满意度", Required: true, Config: survey.Config{ScaleMin: 0, ScaleMax: 10}},
		{Kind: survey.KindText, Title: "其他建议", Config: survey.Config{MaxLength: 200}},
	} {
		if sv, _, err = ss.AddQuestion(ctx, &staff, sv.ID, q); err != nil {
			return nil, fmt.Errorf("question: %w", err)
		}
	}
	if sv, err = ss.OpenSurvey(ctx, &staff, sv.ID); err != nil {
		return nil, fmt.Errorf("open survey: %w", err)
	}
	fx.surveyID, fx.questions = sv.ID, sv.Questions
	logf("setup: decision %d (consultation %d, %d articles), survey %d", d.ID, cons.ID, len(fx.anchors), sv.ID)

	// One resident through the service gives the password hash every other
	// resident shares (argon2id per account would take minutes); the rest
	// are inserted in bulk, verified.
	var base int64
	if err := db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM accounts`).Scan(&base); err != nil {
		return nil, err
	}
	first, err := ids.CreateAccount(ctx, nil, identity.AccountInput{Role: identity.RoleResident, Phone: fmt.Sprintf("19%09d", (base+1)%1e9),
		DisplayName: "压测居民0", Password: loadPassword})
	if err != nil {
		return nil, fmt.Errorf("resident: %w", err)
	}
	rows, err := db.Query(ctx, `INSERT INTO accounts (role, phone, display_name, pseudonym, password_hash, verified_at)
		SELECT 'resident', '19' || lpad((($1 + g) % 1000000000)::text, 9, '0'), '压测居民' || g, '压测' || $3 || '-' || g,
			(SELECT password_hash FROM accounts WHERE id = $4), now()
		FROM generate_series(2, $2) g RETURNING id`, base, cfg.residents+abuseResidents(cfg), run, first.ID)
	if err != nil {
		return nil, fmt.Errorf("residents: %w", err)
	}
	more, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("residents: %w", err)
	}
	fx.accountIDs = append([]int64{first.ID}, more...)
	start := time.Now()
	if err := signIn(ctx, db, cfg, fx, base); err != nil {
		return nil, err
	}
	logf("setup: %d residents signed in (%s, %d through POST /api/v1/sessions) in %s", len(fx.residents), cfg.login,
		min(cfg.apiLogins, len(fx.residents)), time.Since(start).Round(time.Millisecond))
	// Fresh planner statistics for the two tables the bulk insert above
	// grew by orders of magnitude: a server with autovacuum off (as the
	// benchmark machine's is) would otherwise plan sign-ins for the tables
	// as they were. Not the tables the run fills (comments, responses):
	// analysed while empty they would be planned as empty for the whole run
	// (measured: 268 comments/s instead of ~1,000, PostgreSQL at 5.9 ms of
	// CPU per comment), whereas never analysed they are planned from their
	// actual size.
	if _, err := db.Exec(ctx, `ANALYZE accounts, sessions`); err != nil {
		return nil, err
	}
	if !cfg.setupOnly {
		if fx.staffToken, err = staffSignIn(ctx, cfg.baseURL, staffEmail); err != nil {
			return nil, err
		}
	}
	return fx, nil
}

// staffSignIn signs the staff member in through POST /api/v1/sessions.
func staffSignIn(ctx context.Context, baseURL, email string) (string, error) {
	body, _ := json.Marshal(map[string]string{"login": email, "password": loadPassword})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/v1/sessions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	status, code, resp, _, err := do(&http.Client{Timeout: 30 * time.Second}, req)
	if err != nil || status != http.StatusCreated {
		return "", fmt.Errorf("staff sign-in: HTTP %d %s %v", status, code, err)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(resp, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("staff sign-in: no token (%v)", err)
	}
	return out.Token, nil
}

// signIn gives every resident a session token. With --login api every
// resident signs in through create-session (one argon2id check each: slow
// on two cores); with --login db (default) the first --api-logins sign in
// through the API, which proves the path, and the rest get sessions
// inserted directly, as create-session would store them.
func signIn(ctx context.Context, db *pgxpool.Pool, cfg config, fx *fixture, base int64) error {
	n := len(fx.accountIDs)
	fx.residents = make([]resident, n)
	viaAPI := min(cfg.apiLogins, n)
	if cfg.login == "api" {
		viaAPI = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	client := &http.Client{Timeout: 30 * time.Second}
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= viaAPI {
					return
				}
				phone := fmt.Sprintf("19%09d", (base+int64(i)+1)%1e9)
				body, _ := json.Marshal(map[string]string{"login": phone, "password": loadPassword})
				resp, err := client.Post(cfg.baseURL+"/api/v1/sessions", "application/json", bytes.NewReader(body))
				if err != nil {
					errc <- err
					return
				}
				var out struct {
					Token   string `json:"token"`
					Account struct {
						ID int64 `json:"id"`
					} `json:"account"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated || err != nil || out.Account.ID != fx.accountIDs[i] {
					errc <- fmt.Errorf("sign-in of %s: HTTP %d (account %d, want %d) %v", phone, resp.StatusCode, out.Account.ID, fx.accountIDs[i], err)
					return
				}
				fx.residents[i] = resident{id: out.Account.ID, token: out.Token}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	var hashes [][]byte
	var accts []int64
	for i := viaAPI; i < n; i++ {
		b := make([]byte, 32)
		rand.Read(b)
		tok := base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(tok))
		hashes = append(hashes, h[:])
		accts = append(accts, fx.accountIDs[i])
		fx.residents[i] = resident{id: fx.accountIDs[i], token: tok}
	}
	if len(hashes) > 0 {
		if _, err := db.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, expires_at, user_agent, client_addr)
			SELECT h, a, now() + interval '1 day', 'canyu-load', '127.0.0.1' FROM unnest($1::bytea[], $2::bigint[]) AS t(h, a)`,
			hashes, accts); err != nil {
			return fmt.Errorf("sessions: %w", err)
		}
	}
	return nil
}
