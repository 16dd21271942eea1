package hearing

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// Evidence hashers (issue 12): the entries this package appends bind the
// rows they stand for (evidence in hearing.go); registering how each row's
// canonical content is read again lets `record verify` and the archive
// re-read them and catch a row changed behind the service's back. The
// hearing's content hash covers the hearing record and the report through
// their hashes, which are recomputed here from the stored text (a stored
// hash left alone while the text is edited is not trusted).

func init() {
	record.RegisterEvidence("hearings", hashHearing)
	record.RegisterEvidence("offline_opinions", hashOfflineOpinion)
	record.RegisterEvidence("hearing_requirements", hashRequirement)
	record.RegisterEvidence("hearing_signatures", hashSignature)
	record.RegisterEvidence("participation_activities", hashActivity)
	record.RegisterEvidence("hearing_applications", hashApplication)
}

// hashActivity is the activity as CreateParticipationActivity bound it
// (the row insertActivity returns); the public list and the offline
// opinions' channel check read it.
func hashActivity(ctx context.Context, q record.Querier, id int64) ([]byte, error) {
	rows, err := q.Query(ctx, `SELECT `+activityColumns+` FROM participation_activities WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Activity])
	if err != nil {
		return nil, err
	}
	return consultation.CanonicalJSON(a)
}

// hashApplication is an application's public number and side, as
// ApplyToHearing bound them: the draw and the signatures of the hearing
// record read them (the name and statement stay out, so that data
// deletion does not change what is hashed).
//
// A withdrawal and a replacement (递补) are bound too, by the entries that
// record them; they enter the content only when set, so that the hash of
// an application bound before they existed stays what it was.
func hashApplication(ctx context.Context, q record.Querier, id int64) ([]byte, error) {
	var a DrawApplication
	var withdrawn bool
	var replaces *string
	if err := q.QueryRow(ctx, `SELECT code, side, withdrawn_at IS NOT NULL, replaces FROM hearing_applications WHERE id = $1`, id).
		Scan(&a.Code, &a.Side, &withdrawn, &replaces); err != nil {
		return nil, err
	}
	if !withdrawn && replaces == nil {
		return consultation.CanonicalJSON(a)
	}
	v := map[string]any{"code": a.Code, "side": a.Side}
	if withdrawn {
		v["withdrawn"] = true
	}
	if replaces != nil {
		v["replaces"] = *replaces
	}
	return consultation.CanonicalJSON(v)
}

// hashHearing is the canonical publicView of a hearing, with the record's
// and the report's hashes recomputed from their text.
func hashHearing(ctx context.Context, q record.Querier, id int64) ([]byte, error) {
	h, err := getHearing(ctx, q, id, false)
	if errs.HasCode(err, "hearing_not_found") {
		return nil, pgx.ErrNoRows
	}
	if err != nil {
		return nil, err
	}
	if h.MinutesHash != nil || h.ReportHash != nil {
		sts, err := statements(ctx, q, h.ID)
		if err != nil {
			return nil, err
		}
		if h.MinutesHash != nil {
			m := minutesHash(deref(h.Minutes), sts)
			h.MinutesHash = &m
		}
		if h.ReportHash != nil {
			r := ContentHash(map[string]any{"body": deref(h.Report), "answers": reportAnswers(sts), "minutes_hash": h.MinutesHash})
			h.ReportHash = &r
		}
	}
	return consultation.CanonicalJSON(h.publicView())
}

// reportAnswers lists the report's answer to each statement, as
// PublishReport hashes them.
func reportAnswers(sts []Statement) []map[string]any {
	list := make([]map[string]any, 0, len(sts))
	for _, st := range sts {
		if st.Disposition == nil {
			continue
		}
		list = append(list, map[string]any{"position": st.Position, "speaker": st.Speaker, "points": st.Points,
			"disposition": *st.Disposition, "answer": deref(st.Answer)})
	}
	return list
}

func hashOfflineOpinion(ctx context.Context, q record.Querier, id int64) ([]byte, error) {
	ops, err := getOpinions(ctx, q, "o.id = $1 ORDER BY o.id", id)
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, pgx.ErrNoRows
	}
	return consultation.CanonicalJSON(ops[0])
}

// hashRequirement: a decision's hearing requirement is bound under the
// decision's id.
func hashRequirement(ctx context.Context, q record.Querier, decisionID int64) ([]byte, error) {
	r, err := getRequirement(ctx, q, decisionID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, pgx.ErrNoRows
	}
	return consultation.CanonicalJSON(*r)
}

// hashSignature: a participant's signature of the hearing record, bound
// under their application's id, as sign records it.
func hashSignature(ctx context.Context, q record.Querier, applicationID int64) ([]byte, error) {
	var hearingID int64
	var code, kind, minutes string
	var scan, note *string
	err := q.QueryRow(ctx, `SELECT s.hearing_id, a.code, s.kind, s.minutes_hash, f.sha256, s.note
		FROM hearing_signatures s JOIN hearing_applications a ON a.id = s.application_id
		LEFT JOIN hearing_files f ON f.id = s.scan_file_id WHERE s.application_id = $1`, applicationID).
		Scan(&hearingID, &code, &kind, &minutes, &scan, &note)
	if err != nil {
		return nil, err
	}
	return consultation.CanonicalJSON(signaturePayload(hearingID, code, kind, minutes, scan, note))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
