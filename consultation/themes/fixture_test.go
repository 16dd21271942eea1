package themes_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// heatingDraft is the draft the scenario and the benchmark comment on.
const heatingDraft = `平顶山市城市集中供热管理办法（征求意见稿）

第一条 为规范城市集中供热，保障供热质量，制定本办法。
第二条 供热期为每年11月15日至次年3月15日，可以根据气温提前或者延长。
第三条 居民供热价格按建筑面积每平方米每月五元计收，未入住房屋按百分之三十收取基本热费。
第四条 供热期间居民室内温度不得低于18摄氏度，不达标的，供热单位应当退还相应热费。
第五条 供热单位应当设立24小时服务热线，接到报修后4小时内到场处理。
第六条 新建住宅应当安装分户计量装置，逐步推行按用热量计费。`

// generated themes: each a pool of subjects, complaints and asks; a comment
// combines one of each (with fillers), so comments of a theme share words
// without repeating one another.
var generated = []struct {
	key      string
	article  int // index of the article most comments of the theme are on
	subjects []string
	claims   []string
	asks     []string
}{
	{"period", 1, []string{"供暖时间", "供热期", "开始供暖的日子", "停暖时间"},
		[]string{"十一月中旬才供暖太晚了", "三月中旬就停暖，倒春寒冻得受不了", "今年降温早，家里老人孩子都冻感冒了", "每年都要等到15号"},
		[]string{"建议提前到11月1日供暖", "希望根据气温灵活提前供暖", "建议延长到3月底再停暖", "气温低于5度就应该开始供暖"}},
	{"price", 2, []string{"取暖费", "供暖费", "热费价格", "供热收费"},
		[]string{"每平方米五块钱太贵了", "退休工资一个月才两千，取暖费交不起", "比周边城市贵了不少", "收费一年比一年高"},
		[]string{"建议降低收费标准", "希望对低保户减免取暖费", "收费标准应当公开成本核算", "建议分档收费减轻负担"}},
	{"vacant", 2, []string{"空置房", "未入住的房子", "没人住的房屋", "空房子"},
		[]string{"不用暖气也要交百分之三十基本热费不合理", "常年在外地，房子空着还要交钱", "空置房收基本热费没有道理", "关了阀门还收费"},
		[]string{"建议空置房免收基本热费", "空置房基本热费降到百分之十", "报停的房屋不应该收费", "希望空置房可以申请报停"}},
	{"temperature", 3, []string{"室内温度", "家里暖气温度", "屋里的温度", "暖气片温度"},
		[]string{"只有十五六度根本不达标", "暖气不热，屋里穿棉袄", "顶楼和边户温度特别低", "测温了才十四度"},
		[]string{"温度不达标要按天退费", "建议把标准提高到20度", "希望上门测温并公开结果", "不达标的供热单位要处罚"}},
	{"service", 4, []string{"服务热线", "报修电话", "维修师傅", "客服电话"},
		[]string{"打了好几天都占线", "报修后三天都没人来", "来了也解决不了问题", "客服态度很差"},
		[]string{"建议4小时改为2小时到场", "报修要有回访和评价", "热线要增加人手", "建议公布维修进度"}},
	{"metering", 5, []string{"分户计量", "热计量表", "按用热量计费", "计量装置"},
		[]string{"装了计量表还是按面积收费", "计量表是摆设", "老小区没法装计量装置", "计量收费推了好多年没落实"},
		[]string{"建议尽快全面推行按用热量收费", "计量表费用不应该由居民承担", "老旧小区改造时一并安装计量表", "希望公布计量收费的时间表"}},
}

var fillers = []string{"", "我觉得", "说实话，", "大家都反映", "作为老住户，", "我家在新华区，"}

// campaignText is the mass campaign's template; copies differ by small edits.
const campaignText = "强烈要求降低取暖费！每平方米五元的价格太高，退休老人和低收入家庭负担太重，请政府考虑群众困难。"

// genComment is one generated comment.
type genComment struct {
	theme    string
	article  int // -1: the whole draft
	body     string
	campaign bool
}

// generate makes n comments: about 8% copies of the campaign, the rest
// from the generated themes.
func generate(n int, seed uint64) []genComment {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]genComment, 0, n)
	for len(out) < n {
		if r.IntN(100) < 8 {
			b := []rune(campaignText)
			i := r.IntN(len(b) - 3)
			body := string(b[:i]) + string(b[i+1:])
			if r.IntN(2) == 0 {
				body = strings.ReplaceAll(body, "！", "!")
			}
			out = append(out, genComment{theme: "price", article: 2, body: body, campaign: true})
			continue
		}
		g := generated[r.IntN(len(generated))]
		body := fillers[r.IntN(len(fillers))] + g.subjects[r.IntN(len(g.subjects))] + "的问题，" +
			g.claims[r.IntN(len(g.claims))] + "。" + g.asks[r.IntN(len(g.asks))] + "。"
		if r.IntN(3) == 0 {
			body += g.claims[r.IntN(len(g.claims))] + "。"
		}
		a := g.article
		if r.IntN(10) == 0 {
			a = -1
		}
		out = append(out, genComment{theme: g.key, article: a, body: body})
	}
	return out
}

// scene is a decision of the 供热 draft with generated comments.
type scene struct {
	e         *testenv.Env
	svc       *themes.Service
	staff     *identity.Account
	d         consultation.Decision
	c         consultation.Consultation
	anchors   []string
	commentID []int64
	comments  []genComment
}

func newScene(t testing.TB, n int) *scene {
	t.Helper()
	ctx := context.Background()
	e := testenv.New(t)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("zjj", "平顶山市住房和城乡建设局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "zjj")
	s := &scene{e: e, staff: &staff}
	s.svc = themes.NewService(e.DB, e.Consultation)
	s.svc.Now = e.Clock.Now
	d, err := e.Consultation.CreateDecision(ctx, s.staff, consultation.DecisionInput{Title: "平顶山市城市集中供热管理办法",
		Summary: "规范城市集中供热。", Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture,
		DecisionBody: "pdsszf", LeadAgency: "zjj"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.Consultation.CreateDraftVersion(ctx, s.staff, d.ID, consultation.DraftVersionInput{Text: heatingDraft,
		Explanation: "依据《城市供热价格管理暂行办法》起草。", LegalBasis: []string{"《城市供热价格管理暂行办法》"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range v.Articles {
		s.anchors = append(s.anchors, a.Anchor)
	}
	if s.c, err = e.Consultation.OpenConsultation(ctx, s.staff, d.ID, consultation.ConsultationInput{
		EndsAt: e.Clock.Now().Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台逐条提出意见", ShowComments: true}); err != nil {
		t.Fatal(err)
	}
	s.d = d
	s.comments = generate(n, 42)
	s.insert(t, s.comments)
	return s
}

// insert stores comments as published (test set-up in bulk: submitting
// 5,000 through SubmitComment and moderating each would take minutes on a
// shared machine; the rows are what SubmitComment and moderation write),
// then lets consultation group them.
func (s *scene) insert(t testing.TB, cs []genComment) {
	t.Helper()
	s.insertUngrouped(t, cs)
	if _, err := s.e.Consultation.GroupComments(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// insertUngrouped stores comments as insert does and leaves them as
// submission does: not yet grouped nor sealed by a checkpoint.
func (s *scene) insertUngrouped(t testing.TB, cs []genComment) {
	t.Helper()
	ctx := context.Background()
	residents := make([]int64, 50)
	for i := range residents {
		a, _ := s.e.Account(identity.RoleResident, "")
		residents[i] = a.ID
	}
	now := s.e.Clock.Now()
	rows := make([][]any, len(cs))
	start := len(s.commentID)
	for i, c := range cs {
		var anchor *string
		if c.article >= 0 {
			anchor = &s.anchors[c.article]
		}
		bh := sha256.Sum256([]byte(c.body))
		nh := sha256.Sum256([]byte(consultation.NormalizeComment(c.body)))
		rows[i] = []any{s.d.ID, s.c.ID, s.c.VersionID, anchor, residents[i%len(residents)],
			fmt.Sprintf("T%d-%06d", s.d.ID, start+i), c.body, hex.EncodeToString(bh[:]), hex.EncodeToString(nh[:]),
			"published", now.Add(time.Duration(i) * time.Millisecond)}
	}
	if _, err := s.e.DB.CopyFrom(ctx, pgx.Identifier{"comments"}, []string{"decision_id", "consultation_id", "version_id",
		"article_anchor", "account_id", "receipt", "body", "body_hash", "normalized_hash", "status", "created_at"},
		pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, len(cs))
	r, err := s.e.DB.Query(ctx, `SELECT id FROM comments WHERE decision_id = $1 ORDER BY id OFFSET $2`, s.d.ID, start)
	if err != nil {
		t.Fatal(err)
	}
	if ids, err = pgx.CollectRows(r, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	s.commentID = append(s.commentID, ids...)
}

// closeWindow ends the consultation: the decision moves to handling.
func (s *scene) closeWindow(t testing.TB) {
	t.Helper()
	s.e.CloseConsultations()
}

// campaignThemes is the number of themes the campaign's copies are in as
// their first theme.
func (s *scene) campaignThemes(t testing.TB) (copies, themes int) {
	t.Helper()
	var campaign []int64
	for i, c := range s.comments {
		if c.campaign {
			campaign = append(campaign, s.commentID[i])
		}
	}
	if err := s.e.DB.QueryRow(context.Background(), `SELECT count(DISTINCT theme_id) FROM theme_members WHERE comment_id = ANY($1) AND is_primary`,
		campaign).Scan(&themes); err != nil {
		t.Fatal(err)
	}
	return len(campaign), themes
}
