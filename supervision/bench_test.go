package supervision_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/supervision"
)

// benchSize reads a size from the environment (CANYU_SUPERVISION_BENCH_*).
func benchSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv("CANYU_SUPERVISION_BENCH_" + name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchCity fills a city in bulk, as a month's worth of activity: the
// decisions in every stage across twenty departments, their comments
// and dispositions, surveys with responses, reviews and conclusions, all in
// November 2026. Triggers are off while it loads (the search outbox and
// append-only guards are not what is measured).
func benchCity(b *testing.B) (*testenv.Env, *supervision.Service, *identity.Account) {
	b.Helper()
	ctx := context.Background()
	e := testenv.New(b)
	decisions, comments, responses := benchSize("DECISIONS", 200), benchSize("COMMENTS", 100000), benchSize("RESPONSES", 20000)
	e.Agency("zf", "平顶山市人民政府", identity.AgencyGovernment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "zf")
	office, _ := e.Account(identity.RoleAdmin, "")
	conn, err := e.DB.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	start := time.Now()
	steps := []string{
		`SET session_replication_role = replica`,
		`INSERT INTO agencies (code, name, kind) SELECT 'dept' || g, '第' || g || '局', 'department' FROM generate_series(1, 20) g`,
		`INSERT INTO accounts (role, phone, display_name, pseudonym, password_hash, verified_at)
		 SELECT 'resident', '16' || lpad(g::text, 9, '0'), '居民' || g, 'bench' || g, 'x', now() FROM generate_series(1, 5000) g`,
		`INSERT INTO decisions (title, category, domain, decision_body_id, lead_agency_id, status, created_by, created_at, updated_at)
		 SELECT '第' || g || '项决策', 'public_services',
		        (ARRAY['education_culture','health','food_safety','resources','environment','public_utilities','other'])[1 + g % 7],
		        (SELECT id FROM agencies WHERE code = 'zf'), (SELECT id FROM agencies WHERE code = 'dept' || (1 + g % 20)),
		        (ARRAY['drafting','consulting','handling','under_review','deliberation','published'])[1 + g % 6],
		        $1::bigint, timestamptz '2026-06-01' + (g % 150) * interval '1 day', now()
		 FROM generate_series(1, $2::int) g`,
		`INSERT INTO draft_versions (decision_id, number, text, content_hash, created_by, created_at)
		 SELECT id, 1, '第一条 本办法。', md5(id::text), $1::bigint, created_at FROM decisions`,
		`INSERT INTO consultations (decision_id, version_id, opens_at, ends_at, original_ends_at, ways_to_comment, opened_by, closed_at)
		 SELECT d.id, v.id, timestamptz '2026-10-20' + (d.id % 20) * interval '1 day', timestamptz '2026-11-19' + (d.id % 20) * interval '1 day',
		        timestamptz '2026-11-19' + (d.id % 20) * interval '1 day', '网上', $1::bigint,
		        CASE WHEN d.status <> 'consulting' THEN timestamptz '2026-11-19' + (d.id % 20) * interval '1 day' END
		 FROM decisions d JOIN draft_versions v ON v.decision_id = d.id WHERE d.status <> 'drafting'`,
		`INSERT INTO comments (decision_id, consultation_id, version_id, account_id, receipt, body, body_hash, normalized_hash, status, created_at)
		 SELECT c.decision_id, c.id, c.version_id, (SELECT min(id) FROM accounts WHERE role = 'resident') + g % 5000,
		        'R' || g, '意见' || g, md5(g::text), md5(g::text), 'published',
		        timestamptz '2026-11-01 00:00+08' + (g % 2592000) * interval '1 second'
		 FROM (SELECT array_agg(id ORDER BY id) AS ids FROM consultations) cs, generate_series(1, $3::int) g
		 JOIN consultations c ON true WHERE c.id = cs.ids[1 + g % cardinality(cs.ids)]`,
		`INSERT INTO comment_dispositions (comment_id, decision_id, disposition, reason, decided_by, decided_at)
		 SELECT id, decision_id, (ARRAY['adopted','partially_adopted','not_adopted','out_of_scope'])[1 + id % 4], '理由', $1::bigint,
		        created_at + interval '1 day'
		 FROM comments WHERE id % 3 = 0 AND created_at < timestamptz '2026-11-29'`,
		`INSERT INTO surveys (agency_id, decision_id, title, opens_at, closes_at, privacy_notice, status, created_by, created_at, updated_at, opened_at, closed_at)
		 SELECT d.lead_agency_id, d.id, '调查', timestamptz '2026-11-02', timestamptz '2026-11-25', '说明', 'closed', $1::bigint, now(), now(),
		        timestamptz '2026-11-02', timestamptz '2026-11-25'
		 FROM decisions d WHERE d.id % 10 = 1`,
		`INSERT INTO survey_responses (survey_id, respondent_key, answers, submitted_at)
		 SELECT s.id, 'k' || g, '{}', timestamptz '2026-11-03' + (g % 1800000) * interval '1 second'
		 FROM (SELECT array_agg(id ORDER BY id) AS ids FROM surveys) ss, generate_series(1, $4::int) g
		 JOIN surveys s ON true WHERE s.id = ss.ids[1 + g % cardinality(ss.ids)]`,
		`INSERT INTO legality_reviews (decision_id, version_id, version_hash, review_agency_id, status, procedure_statement, submitted_by,
		        submitted_at, received_at, updated_at)
		 SELECT d.id, v.id, v.content_hash, d.decision_body_id, 'received', '说明', $1::bigint,
		        timestamptz '2026-11-03' + (d.id % 20) * interval '1 day', timestamptz '2026-11-03' + (d.id % 20) * interval '1 day', now()
		 FROM decisions d JOIN draft_versions v ON v.decision_id = d.id WHERE d.status IN ('under_review', 'deliberation', 'published')`,
		`INSERT INTO review_conclusions (review_id, decision_id, version_id, version_hash, reviewer_id, questions, outcome, earliest_at,
		        calendar_version, record_seq, created_at)
		 SELECT r.id, r.decision_id, r.version_id, r.version_hash, $1::bigint, '[]', 'lawful', r.received_at, '2026', 1,
		        r.received_at + interval '12 days'
		 FROM legality_reviews r JOIN decisions d ON d.id = r.decision_id WHERE d.status IN ('deliberation', 'published')`,
		// After the review: the meeting of every decision in deliberation
		// or published, the Party report and publication of the published
		// ones (in effect from 1 September, reporting every 30 days), and
		// two periodic reports each, the second in November.
		`INSERT INTO deliberations (decision_id, version_id, version_hash, review_id, sign_off_seq, meeting_kind, meeting_date, members,
		        head_name, outcome, majority, recorded_by, record_seq, created_at)
		 SELECT r.decision_id, r.version_id, r.version_hash, r.id, 1, 'executive', date '2026-08-20', '[]', '市长', 'adopted', 'for',
		        $1::bigint, 2, timestamptz '2026-08-20'
		 FROM legality_reviews r JOIN decisions d ON d.id = r.decision_id WHERE d.status IN ('deliberation', 'published')`,
		`INSERT INTO party_reports (decision_id, deliberation_id, report_date, reference_number, recorded_by, record_seq, created_at)
		 SELECT g.decision_id, g.id, date '2026-08-25', '请' || g.id, $1::bigint, 3, timestamptz '2026-08-25'
		 FROM deliberations g JOIN decisions d ON d.id = g.decision_id WHERE d.status = 'published'`,
		`INSERT INTO decision_publications (decision_id, deliberation_id, party_report_id, version_id, version_hash, document_number,
		        channels, published_on, effective_on, published_by, record_seq, created_at, implementing_agency_id, report_interval_days)
		 SELECT p.decision_id, p.deliberation_id, p.id, g.version_id, g.version_hash, '文' || p.id, '[]', date '2026-09-01',
		        date '2026-09-01', $1::bigint, 4, timestamptz '2026-09-01', d.lead_agency_id, 30
		 FROM party_reports p JOIN deliberations g ON g.id = p.deliberation_id JOIN decisions d ON d.id = p.decision_id`,
		`INSERT INTO implementation_reports (decision_id, agency_id, kind, period_end, progress, effect_achieved, reported_by, record_seq, created_at)
		 SELECT p.decision_id, p.implementing_agency_id, 'periodic', date '2026-09-01' + n * 30, '进展', true, $1::bigint, 4 + n,
		        timestamptz '2026-09-01' + n * interval '30 days' + (p.decision_id % 20) * interval '1 day'
		 FROM decision_publications p, generate_series(1, 2) n`,
		// Before: the city's published catalogue, with every other decision
		// as an entry and the body requiring it.
		`INSERT INTO catalogues (decision_body_id, year, status, party_doc_number, party_doc_date, published_at, created_by, created_at)
		 SELECT id, 2026, 'published', '市委〔2026〕1号', date '2026-02-01', timestamptz '2026-02-02', $1::bigint, timestamptz '2026-01-10'
		 FROM agencies WHERE code = 'zf'`,
		`INSERT INTO catalogue_items (catalogue_id, title, lead_agency_id, domain, category, planned_quarter, decision_id, created_at)
		 SELECT c.id, d.title, d.lead_agency_id, d.domain, d.category, 1 + d.id % 4, d.id, timestamptz '2026-01-10'
		 FROM decisions d, catalogues c WHERE d.id % 2 = 0`,
		`INSERT INTO catalogue_events (catalogue_id, item_id, kind, payload, actor_id, created_at)
		 SELECT catalogue_id, id, 'decision_linked', '{}', $1::bigint, timestamptz '2026-03-01' FROM catalogue_items`,
		`INSERT INTO decision_body_settings (decision_body_id, catalogue_required) SELECT id, true FROM agencies WHERE code = 'zf'`,
		`SET session_replication_role = origin`,
		`ANALYZE`,
	}
	// The sizes are numbers of ours: written into the statements.
	fill := strings.NewReplacer("$1", strconv.FormatInt(staff.ID, 10), "$2", strconv.Itoa(decisions),
		"$3", strconv.Itoa(comments), "$4", strconv.Itoa(responses))
	for _, sql := range steps {
		sql = fill.Replace(sql)
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
	}
	b.Logf("fixture: %d decisions, %d comments, %d survey responses loaded in %s", decisions, comments, responses,
		time.Since(start).Round(time.Second))
	sup := supervision.NewService(e.DB, nil)
	sup.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	return e, sup, &office
}

// BenchmarkSupervision loads the city once and measures, on it:
//
//   - MonthlyReport: November's reports generated (the city and every
//     department, with the twelve-month trend). Target (issue 14): under
//     10 s for 2,000 decisions, 1,000,000 comments and 200,000 survey
//     responses in the month.
//   - ComplianceDashboard: the office's dashboard for the whole city, every
//     decision's steps (catalogue and implementation included). Target:
//     under 200 ms at 2,000 decisions.
//
// The size (loading takes a few minutes):
//
//	CANYU_SUPERVISION_BENCH_DECISIONS=2000 CANYU_SUPERVISION_BENCH_COMMENTS=1000000 \
//	CANYU_SUPERVISION_BENCH_RESPONSES=200000 go test ./supervision -run '^$' -bench Supervision -benchtime 5x -timeout 30m
func BenchmarkSupervision(b *testing.B) {
	_, sup, office := benchCity(b)
	ctx := context.Background()
	b.Run("MonthlyReport", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			rs, err := sup.GenerateMonthlyReports(ctx, supervision.Month{Year: 2026, Month: time.November})
			if err != nil {
				b.Fatal(err)
			}
			if got := rs[0].Figures.CommentsReceived; got != benchSize("COMMENTS", 100000) {
				b.Fatalf("the city's report counts %d comments", got)
			}
			if got := rs[0].Figures.ImplementationReports; got == 0 {
				b.Fatal("the city's report counts no implementation report")
			}
		}
	})
	b.Run("ComplianceDashboard", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			o, err := sup.GetComplianceOverview(ctx, office, 0)
			if err != nil {
				b.Fatal(err)
			}
			if o.Decisions != benchSize("DECISIONS", 200) {
				b.Fatalf("dashboard of %d decisions", o.Decisions)
			}
			if o.Steps[supervision.StepDone] == 0 || o.Steps[supervision.StepProblem] == 0 {
				b.Fatalf("dashboard steps %v", o.Steps)
			}
		}
	})
}
