package themes

import (
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

// The evidence of a theme analysis (record.Bind): the entry that stores an
// analysis (RecordThemesAnalysed) binds its theme_analyses row, and
// verification re-reads it.
//
// Form 1 cannot be re-read. Entries written before this hasher existed
// bound the SHA-256 of the result as Analyze computed it in memory (the
// themes with the labels, off-topic marks and members it gave them, the
// members in the order of the clustering's units), which is also the
// row's content_hash. The database does not keep that result: staff
// rename, mark, merge and split the themes and move comments afterwards,
// and putting a comment back into a theme it was once in rewrites its
// membership row. No query reproduces the hash exactly, so those entries
// stay unchecked, as they were.
//
// Form 2 reads every column of the row but last_comment_id (which the
// incremental joiner advances after the analysis is recorded) and, of the
// themes the analysis wrote, what never changes after it: the machine's
// label, words, off-topic suggestion, centroid, cited summary and
// representatives, the origin and the theme each carries on. What staff
// change later (names, marks, members) their own steps record.
const analysisForm2 = `SELECT a.id, a.decision_id, a.version, a.params, a.vocabulary, a.comment_count, a.content_hash, a.created_by,
	a.created_at AT TIME ZONE 'UTC' AS created_at,
	(SELECT coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'origin', t.origin, 'machine_label', t.machine_label,
			'words', t.words, 'machine_off_topic', t.machine_off_topic, 'centroid', t.centroid, 'summary', t.summary,
			'representative_ids', t.representative_ids, 'carried_from', t.carried_from,
			'created_at', t.created_at AT TIME ZONE 'UTC') ORDER BY t.id), '[]')
		FROM themes t WHERE t.analysis_id = a.id AND t.split_from IS NULL) AS themes
	FROM theme_analyses a WHERE a.id = $1`

func init() {
	record.RegisterEvidenceForm("theme_analyses", 1, nil)
	record.RegisterEvidenceForm("theme_analyses", 2, consultation.RowHasher(analysisForm2))
}
