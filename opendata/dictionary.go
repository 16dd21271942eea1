package opendata

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// collection is one public collection: its feed kind, its open_* view and
// its files in an export.
type collection struct {
	Kind, View, File, Title string
}

var collections = []collection{
	{"decision", "open_decisions", "decisions", "决策事项"},
	{"version", "open_versions", "versions", "公开的草案版本"},
	{"comment", "open_comments", "comments", "已公开的公众意见"},
	{"disposition", "open_dispositions", "dispositions", "意见处理结果"},
	{"adoption_report", "open_adoption_reports", "adoption_reports", "意见采纳情况说明"},
	{"survey", "open_surveys", "surveys", "民意调查"},
	{"survey_results", "open_survey_results", "survey_results", "已公布的调查结果"},
	{"record_head", "open_record_heads", "record_heads", "决策档案的最新条目"},
}

// fieldNotes explains the fields whose name does not say enough.
var fieldNotes = map[string]string{
	"id":                         "编号；意见处理结果的编号即意见编号，调查结果和档案头的编号即调查和决策事项编号",
	"decision_id":                "所属决策事项编号",
	"domain":                     "民生领域代码：education_culture, health, food_safety, resources, environment, public_utilities, other",
	"status":                     "阶段或状态代码",
	"public_since":               "决策事项公开的时间",
	"number":                     "草案版本号，从 1 起",
	"content_hash":               "草案全文的 SHA-256（十六进制），与决策档案记载的一致",
	"version_number":             "意见针对的草案版本号",
	"article_anchor":             "意见针对的条文锚点；空表示针对草案整体",
	"stance":                     "support（支持）、oppose（反对）、suggestion（建议）或空",
	"author_name":                "作者化名或其自愿公开的显示名，从不含手机号；组织以自身名义提交的意见为该组织的名称",
	"body":                       "正文（纯文本，原文照录，与 body_hash 一致）。居民的文字可能以 = + - @ 开头：在电子表格软件中打开 CSV 时请按文本导入，不要当作公式执行",
	"body_hash":                  "正文的 SHA-256（十六进制），与决策档案中的默克尔检查点一致",
	"disposition":                "adopted（采纳）、partially_adopted（部分采纳）、not_adopted（不采纳）、out_of_scope（不属于征求意见范围）",
	"reason":                     "处理理由（原文照录；在电子表格软件中打开 CSV 时请按文本导入）",
	"figures":                    "意见采纳情况说明的统计数字（JSON）",
	"published_hash":             "公布时说明全文的 SHA-256",
	"questions":                  "调查问题（JSON 数组）",
	"respondents":                "参与人数",
	"tallies":                    "每个问题每个选项的计数（JSON 数组）",
	"seq":                        "决策档案最新条目的序号",
	"entry_hash":                 "决策档案最新条目的哈希，可用于核对档案链",
	"results_public_after_close": "结束后是否公布结果",
}

// DictionaryField describes one field of a collection.
type DictionaryField struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Note string `json:"note,omitempty"`
}

// DictionaryCollection describes one collection of the export and the feed.
type DictionaryCollection struct {
	Kind   string            `json:"kind"`
	Title  string            `json:"title"`
	Files  []string          `json:"files"`
	Fields []DictionaryField `json:"fields"`
}

// Dictionary returns the data dictionary: every public collection and its
// fields, read from the open_* views themselves so it cannot drift.
func (s *Service) Dictionary(ctx context.Context) ([]DictionaryCollection, error) {
	return dictionary(ctx, s.DB)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func dictionary(ctx context.Context, q querier) ([]DictionaryCollection, error) {
	out := make([]DictionaryCollection, 0, len(collections))
	for _, c := range collections {
		rows, err := q.Query(ctx, `SELECT column_name::text, data_type::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, c.View)
		if err != nil {
			return nil, errs.Internal(err)
		}
		fields, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DictionaryField, error) {
			var f DictionaryField
			err := r.Scan(&f.Name, &f.Type)
			f.Note = fieldNotes[f.Name]
			return f, err
		})
		if err != nil {
			return nil, errs.Internal(err)
		}
		out = append(out, DictionaryCollection{Kind: c.Kind, Title: c.Title, Files: []string{c.File + ".jsonl.gz", c.File + ".csv.gz"}, Fields: fields})
	}
	return out, nil
}

// FileTitles names each export file in Chinese, for pages.
func FileTitles() map[string]string {
	out := map[string]string{"data-dictionary.json": "数据字典（JSON）", "LICENSE.txt": "许可协议"}
	for _, c := range collections {
		out[c.File+".jsonl.gz"] = c.Title + "（JSON Lines，gzip 压缩）"
		out[c.File+".csv.gz"] = c.Title + "（CSV，gzip 压缩）"
	}
	return out
}
