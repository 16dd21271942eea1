package web

import (
	"net/http"
	"strconv"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
)

// recordKinds are the steps the public process-record page lists: the
// timeline's steps and the later ones of the procedure (issue 17).
var recordKinds = append(append([]consultation.RecordKind{}, timelineKinds...),
	consultation.RecordAdoptionReportPublished, consultation.RecordReviewSubmitted, consultation.RecordLegalOpinion,
	consultation.RecordReviewConclusion, consultation.RecordReviewConfirmation, consultation.RecordDeliberation, consultation.RecordPartyReport, consultation.RecordDecisionPublished)

// recordStep is one step of the procedure on the record page: the
// timeline event with its legal basis and the document that shows it.
type recordStep struct {
	timelineEvent
	Basis   string
	DocURL  string
	DocName string
	// Signed says how a signed step was signed (signedHow).
	Signed string
	// Signer, SignedNumber, SignedHash and SignerKey say who signed (the
	// role), over which draft version and with which key (signedWhat).
	Signer, SignedHash, SignerKey string
	SignedNumber                  int64
}

// signedWhat fills in who signed a signed step (the signer's role: the
// public record names no person), the draft version it covers by number
// and full content hash (a later version is never covered by it), and the
// key that made the platform's signature, so that a reader years later can
// check it against the published keys. The hash and the key are for staff
// (withHash); public pages show no hashes.
func (st *recordStep) signedWhat(e consultation.RecordEntry, withHash bool) {
	if e.Signature == "" {
		return
	}
	p, err := record.ParsePayload(e.Payload)
	if err != nil {
		return
	}
	sb, _ := p["signed_by"].(map[string]any)
	if role := roleNames[identity.Role(record.PayloadString(sb, "role"))]; role != "" {
		st.Signer = role
	}
	st.SignedNumber, _ = record.PayloadInt(p, "version_number")
	if withHash {
		st.SignedHash, st.SignerKey = record.PayloadString(p, "version_hash"), e.SignerKey
	}
}

// signedHow says in words how a signed entry was signed (the record's
// signed_by.method): with the signer's own key, countersigned by the
// platform (naming the key), by the platform after the signer re-entered
// their password, or by the platform alone; "" for an unsigned entry.
func signedHow(e consultation.RecordEntry) string {
	switch record.SignatureMethod(e) {
	case record.MethodPersonalKey:
		p, _ := record.ParsePayload(e.Payload)
		sb, _ := p["signed_by"].(map[string]any)
		personal, _ := sb["personal"].(map[string]any)
		return "本人电子签名（密钥编号 " + record.PayloadString(personal, "key_id") + "），平台加签"
	case record.MethodPassword:
		return "本人输入密码确认后，由平台电子签名"
	case record.MethodPlatform:
		return "平台电子签名"
	}
	return ""
}

// stepBasis is the legal basis of each recorded step, in the short form
// basisName renders in Chinese.
var stepBasis = map[consultation.RecordKind]string{
	consultation.RecordDecisionCreated:         "Decree 713 Art. 9",
	consultation.RecordDraftVersionCreated:     "Decree 713 Art. 12",
	consultation.RecordConsultationOpened:      "Decree 713 Art. 15",
	consultation.RecordConsultationExtended:    "Decree 713 Art. 15",
	consultation.RecordConsultationClosed:      "Decree 713 Art. 15",
	consultation.RecordAdoptionReportPublished: "Decree 713 Art. 18",
	consultation.RecordReviewSubmitted:         "Decree 713 Art. 25",
	consultation.RecordReviewConclusion:        "Decree 713 Art. 27",
	consultation.RecordLegalOpinion:            "Decree 713 Art. 28",
	consultation.RecordDeliberation:            "Decree 713 Art. 30",
	consultation.RecordPartyReport:             "Decree 713 Art. 31",
	consultation.RecordDecisionPublished:       "Decree 713 Art. 32",
}

// recordPageData backs the public process-record page.
type recordPageData struct {
	Decision consultation.Decision
	Steps    []recordStep
	Verify   consultation.VerifyResult
	Verified bool // the verification ran
}

// publicRecord shows a decision's procedure as its process record holds
// it, the result of verifying the record, and how anyone can verify it.
func (s *site) publicRecord(w http.ResponseWriter, r *http.Request) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return
	}
	id, ctx, actor, svc := d.ID, r.Context(), currentAccount(r), s.svc.Consultation
	entries, err := svc.GetDecisionRecordKinds(ctx, actor, id, recordKinds, maxTimelineEvents)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := recordPageData{Decision: d}
	base := "/decisions/" + strconv.FormatInt(id, 10)
	// Public pages show no hashes (issue 17): residents and visitors read
	// the version's number; staff also its content hash and the key.
	staffView := actor != nil && actor.Role != identity.RoleResident
	for _, e := range entries {
		step := recordStep{Basis: stepBasis[e.Kind]}
		ev, ok := timelineEventOf(e)
		if !ok {
			ev = timelineEvent{At: e.RecordedAt, Stage: true}
			switch e.Kind {
			case consultation.RecordAdoptionReportPublished:
				ev.Title, step.DocURL, step.DocName = "公布意见采纳情况说明", base+"/adoption-report", "意见采纳情况说明"
			case consultation.RecordReviewSubmitted:
				ev.Title = "送请合法性审查"
			case consultation.RecordLegalOpinion:
				ev.Title = "法律顾问出具法律意见"
			case consultation.RecordReviewConclusion:
				ev.Title = "合法性审查机构出具审查意见"
			case consultation.RecordReviewConfirmation:
				ev.Title = "合法性审查机构确认草案已按审查意见修改"
			case consultation.RecordDeliberation:
				ev.Title = "集体讨论决定"
			case consultation.RecordPartyReport:
				ev.Title = "向同级党委请示报告"
			case consultation.RecordDecisionPublished:
				ev.Title, step.DocURL, step.DocName = "公布决策", base+"/publication", "决策公布页面"
			default:
				continue
			}
		}
		if e.Kind == consultation.RecordConsultationOpened {
			step.DocURL, step.DocName = base+"#notice", "征求意见公告"
		}
		step.timelineEvent = ev
		step.Signed = signedHow(e)
		step.signedWhat(e, staffView)
		data.Steps = append(data.Steps, step)
	}
	if v, err := svc.VerifyDecisionRecord(ctx, actor, id); err == nil {
		data.Verify, data.Verified = v, true
	} else {
		s.svc.Logger.WarnContext(ctx, "record page: verification failed to run", "decision", id, "error", err)
	}
	s.show(w, r, "record", "决策过程记录 · "+d.Title, data)
}
