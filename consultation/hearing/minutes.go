package hearing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// DeliveryInput records that the materials reached one participant.
type DeliveryInput struct {
	ApplicationID int64
	DeliveredOn   string // YYYY-MM-DD, Asia/Shanghai
	Method        string // e.g. 当面送达, 邮寄, 电子邮件
}

// RecordHearingMaterialsDelivery records, per participant, the date the
// hearing materials reached them; a date later than 7 days before the
// hearing is refused (Art. 17(3)). Only staff of the lead unit may call it,
// after the list is published. Codes: hearing_not_found,
// not_lead_unit_staff, hearing_participants_not_published,
// participant_not_found, invalid_date, delivered_in_future,
// delivered_before_selection, delivery_method_required,
// hearing_materials_too_late, hearing_cancelled,
// participation_not_allowed_in_stage.
func (s *Service) RecordHearingMaterialsDelivery(ctx context.Context, actor *identity.Account, hearingID int64, in DeliveryInput) (Hearing, error) {
	day, err := parseDate("delivered_on", in.DeliveredOn)
	if err != nil {
		return Hearing{}, err
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	in.Method = cleanText(in.Method)
	if err := requireText("delivery_method", "送达方式", in.Method, 100); err != nil {
		return Hearing{}, err
	}
	return s.step(ctx, actor, hearingID, RecordMaterialsDelivered, "登记听证材料送达", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.ParticipantsPublishedAt == nil {
			return nil, errListNotPublished
		}
		if day.After(dateOf(s.now())) {
			return nil, errs.InvalidField("delivered_in_future", "delivered_on", "送达日期不能晚于今天")
		}
		if !materialsInTime(day, h.StartsAt) {
			return nil, errMaterialsTooLate(h.StartsAt)
		}
		var code string
		var promoted *time.Time
		err := tx.QueryRow(ctx, `SELECT a.code, a.promoted_at FROM hearing_applications a
			WHERE a.id = $1 AND a.hearing_id = $2 AND `+currentParticipant, in.ApplicationID, h.ID).Scan(&code, &promoted)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, errs.NotFound("participant_not_found", "该听证会没有这位听证参加人")
		}
		if err != nil {
			return nil, errs.Internal(err)
		}
		// Materials reach a participant once they are one: a date before
		// the draw (or before an alternate moved up) would make the 7-day
		// rule a matter of typing an early date.
		selected := h.DrawnAt
		if promoted != nil {
			selected = promoted
		}
		if selected != nil && day.Before(dateOf(*selected)) {
			return nil, errs.InvalidField("delivered_before_selection", "delivered_on",
				"送达日期不能早于该听证参加人产生之日（"+dateOf(*selected).Format("2006年1月2日")+"）")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hearing_deliveries (application_id, hearing_id, delivered_on, method, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (application_id) DO UPDATE SET delivered_on = EXCLUDED.delivered_on,
			method = EXCLUDED.method, recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
			in.ApplicationID, h.ID, day, in.Method, actor.ID, s.now()); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"code": code, "delivered_on": day.Format(time.DateOnly), "method": in.Method}, nil
	})
}

// Statement is one speaker's main points and reasons in the hearing
// record, and the hearing report's answer to them.
type Statement struct {
	ID            int64   `db:"id" json:"id"`
	Position      int     `db:"position" json:"position"`
	ApplicationID *int64  `db:"application_id" json:"application_id"`
	Speaker       string  `db:"speaker" json:"speaker"`
	Points        string  `db:"points" json:"points"`
	Reasons       string  `db:"reasons" json:"reasons"`
	Disposition   *string `db:"disposition" json:"disposition"`
	Answer        *string `db:"answer" json:"answer"`
}

// StatementInput is one speaker's statement. ApplicationID names the
// participant who spoke (nil for the lead unit's own speaker, named in
// Speaker).
type StatementInput struct {
	ApplicationID *int64
	Speaker       string
	Points        string
	Reasons       string
}

// MinutesInput is the hearing record.
type MinutesInput struct {
	Summary    string
	Statements []StatementInput
}

// Statements returns the statements of a hearing's record in order; public
// with the hearing once the record is recorded. Codes: hearing_not_found.
func (s *Service) Statements(ctx context.Context, actor *identity.Account, hearingID int64) ([]Statement, error) {
	if _, err := s.GetHearing(ctx, actor, hearingID); err != nil {
		return nil, err
	}
	return statements(ctx, s.DB, hearingID)
}

func statements(ctx context.Context, q querier, hearingID int64) ([]Statement, error) {
	return pgrows.All[Statement](ctx, q, `SELECT id, position, application_id, speaker, points, reasons,
		disposition, answer
		FROM hearing_statements WHERE hearing_id = $1 ORDER BY position`, hearingID)
}

// minutesHash is what every signature covers: the summary and each
// statement (speaker, points, reasons) in order.
func minutesHash(summary string, sts []Statement) string {
	type st struct {
		Speaker string `json:"speaker"`
		Points  string `json:"points"`
		Reasons string `json:"reasons"`
	}
	list := make([]st, len(sts))
	for i, x := range sts {
		list[i] = st{x.Speaker, x.Points, x.Reasons}
	}
	return ContentHash(map[string]any{"summary": summary, "statements": list})
}

// RecordHearingMinutes records the hearing record (笔录): a summary and
// each speaker's main points and reasons (Art. 17). It needs the hearing
// to have begun and the materials to have reached every participant in
// time; it may be replaced until the first participant signs. Only staff
// of the lead unit may call it. Codes: hearing_not_found,
// not_lead_unit_staff, hearing_participants_not_published,
// hearing_not_held_yet, hearing_materials_not_delivered,
// hearing_minutes_signing_started, hearing_minutes_locked,
// statements_required, statement_invalid, participant_not_found,
// participation_not_allowed_in_stage.
func (s *Service) RecordHearingMinutes(ctx context.Context, actor *identity.Account, hearingID int64, in MinutesInput) (Hearing, error) {
	in.Summary = cleanText(in.Summary)
	if err := requireText("summary", "听证会概况", in.Summary, 20000); err != nil {
		return Hearing{}, err
	}
	if len(in.Statements) == 0 || len(in.Statements) > 200 {
		return Hearing{}, errs.InvalidField("statements_required", "statements", "请记录每位发言人的主要观点和理由（1至200条）")
	}
	for i := range in.Statements {
		x := &in.Statements[i]
		x.Speaker, x.Points, x.Reasons = cleanText(x.Speaker), cleanText(x.Points), cleanText(x.Reasons)
		if x.Points == "" || x.Reasons == "" || len([]rune(x.Points)) > 5000 || len([]rune(x.Reasons)) > 5000 || len([]rune(x.Speaker)) > 50 {
			return Hearing{}, errs.InvalidField("statement_invalid", fmt.Sprintf("statements[%d]", i), "每条发言须写明主要观点和理由（各不超过5000字）")
		}
	}
	return s.step(ctx, actor, hearingID, RecordMinutesRecorded, "制作听证笔录", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.ParticipantsPublishedAt == nil {
			return nil, errListNotPublished
		}
		if s.now().Before(h.StartsAt) {
			return nil, errNotHeldYet
		}
		if h.MinutesLockedAt != nil {
			return nil, errMinutesLocked
		}
		ps, err := participants(ctx, tx, h.ID)
		if err != nil {
			return nil, err
		}
		byID := map[int64]Participant{}
		var late []string
		for _, p := range ps {
			byID[p.ApplicationID] = p
			if p.DeliveredOn == nil {
				late = append(late, p.Code)
			}
			if p.SignedAt != nil {
				return nil, errMinutesSigned
			}
		}
		if len(late) > 0 {
			return nil, errRule("hearing_materials_not_delivered", fmt.Sprintf("听证会材料须于召开听证会%d日前送达每位听证参加人，尚未登记送达：%s",
				MaterialsLeadDays, strings.Join(late, "、")))
		}
		if _, err := tx.Exec(ctx, `DELETE FROM hearing_statements WHERE hearing_id = $1`, h.ID); err != nil {
			return nil, errs.Internal(err)
		}
		for i, x := range in.Statements {
			if x.ApplicationID != nil {
				p, ok := byID[*x.ApplicationID]
				if !ok {
					return nil, errs.InvalidField("participant_not_found", fmt.Sprintf("statements[%d].application_id", i), "该听证会没有这位听证参加人")
				}
				x.Speaker = p.Code + " " + p.PublicName + "（" + p.Side + "）"
			} else if x.Speaker == "" {
				return nil, errs.InvalidField("statement_invalid", fmt.Sprintf("statements[%d].speaker", i), "请写明发言人")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO hearing_statements (hearing_id, position, application_id, speaker, points, reasons)
				VALUES ($1, $2, $3, $4, $5, $6)`, h.ID, i+1, x.ApplicationID, x.Speaker, x.Points, x.Reasons); err != nil {
				return nil, errs.Internal(err)
			}
		}
		sts, err := statements(ctx, tx, h.ID)
		if err != nil {
			return nil, err
		}
		hash := minutesHash(in.Summary, sts)
		if _, err := tx.Exec(ctx, `UPDATE hearings SET minutes = $2, minutes_hash = $3, minutes_recorded_at = $4 WHERE id = $1`,
			h.ID, in.Summary, hash, s.now()); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"minutes_hash": hash, "summary": in.Summary, "statements": sts}, nil
	})
}

// Signing codes: six digits, valid for ten minutes, five attempts; one a
// minute and SigningCodesPerDay a day per participant.
const (
	signingCodeTTL      = 10 * time.Minute
	signingCodeInterval = time.Minute
	signingCodeAttempts = 5
)

// SigningCodesPerDay is how many signing codes one participant of a hearing
// is sent in 24 hours (outside check sec2: only the one a minute bounded
// them, 1,440 SMS a day on the platform's account, and each new code
// brought five more guesses). Five, as identity.SMSMaxPerPhonePerDay: a
// participant who mistyped or lost a code asks again; 25 guesses a day at
// a six-digit code.
const SigningCodesPerDay = 5

func signingCodeHash(applicationID int64, code string) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("hearing-sign:%d:%s", applicationID, code)))
	return h[:]
}

// ownParticipation returns the actor's selected application to a hearing
// whose record waits for signatures.
func ownParticipation(ctx context.Context, q querier, actor *identity.Account, h *Hearing) (Application, error) {
	apps, err := listApplications(ctx, q, h.ID, fmt.Sprintf("AND account_id = %d AND selected AND withdrawn_at IS NULL", actor.ID))
	if err != nil {
		return Application{}, err
	}
	if len(apps) == 0 || h.ParticipantsPublishedAt == nil {
		return Application{}, errs.Forbidden("not_hearing_participant", "您不是本次听证会的听证参加人")
	}
	if h.MinutesRecordedAt == nil {
		return Application{}, errMinutesMissing
	}
	return apps[0], nil
}

// SendSigningCode sends the participant an SMS code with which they sign
// the hearing record. Only a selected participant may call it, once the
// record is recorded. Codes: authentication_required, hearing_not_found,
// not_hearing_participant, hearing_minutes_not_recorded,
// hearing_minutes_locked, hearing_minutes_already_signed,
// verification_code_too_soon, sms_limit_reached (429, SigningCodesPerDay),
// sms_unavailable.
func (s *Service) SendSigningCode(ctx context.Context, actor *identity.Account, hearingID int64) error {
	if actor == nil {
		return errUnauthenticated
	}
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return err
	}
	if h.MinutesLockedAt != nil {
		return errMinutesLocked
	}
	app, err := ownParticipation(ctx, s.DB, actor, &h)
	if err != nil {
		return err
	}
	if actor.Phone == nil {
		return errs.Conflict("phone_required", "您的账号没有手机号码，请联系承办单位以纸质签字方式确认笔录")
	}
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// The application's row orders a participant's requests, so two at
		// once are counted one after the other.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM hearing_applications WHERE id = $1 FOR UPDATE`, app.ID); err != nil {
			return errs.Internal(err)
		}
		now := s.now()
		var signed bool
		var last, firstOfDay *time.Time
		var today int
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM hearing_signatures WHERE application_id = $1),
			(SELECT max(created_at) FROM hearing_signing_codes WHERE application_id = $1),
			(SELECT min(created_at) FROM hearing_signing_codes WHERE application_id = $1 AND created_at > $2),
			(SELECT count(*) FROM hearing_signing_codes WHERE application_id = $1 AND created_at > $2)`,
			app.ID, now.Add(-24*time.Hour)).Scan(&signed, &last, &firstOfDay, &today); err != nil {
			return errs.Internal(err)
		}
		if signed {
			return errs.Conflict("hearing_minutes_already_signed", "您已签字确认听证笔录，或已拒绝签字")
		}
		if last != nil && now.Sub(*last) < signingCodeInterval {
			return errs.RateLimited("verification_code_too_soon", "验证码发送过于频繁，请稍后再试", signingCodeInterval-now.Sub(*last))
		}
		if today >= SigningCodesPerDay && firstOfDay != nil {
			return errs.RateLimited("sms_limit_reached", "今日获取验证码的次数已达上限，请明天再试，或请承办单位以纸质签字方式确认笔录",
				firstOfDay.Add(24*time.Hour).Sub(now))
		}
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return errs.Internal(err)
		}
		code := fmt.Sprintf("%06d", n.Int64())
		if _, err := tx.Exec(ctx, `INSERT INTO hearing_signing_codes (application_id, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			app.ID, signingCodeHash(app.ID, code), now, now.Add(signingCodeTTL)); err != nil {
			return errs.Internal(err)
		}
		// Sent inside the transaction: a gateway failure rolls the code
		// back and the participant simply asks again.
		if err := s.SMS.SendVerificationCode(ctx, *actor.Phone, code); err != nil {
			return &errs.Error{Kind: errs.KindUnavailable, Code: "sms_unavailable", Message: "短信发送失败，请稍后重试", Err: err}
		}
		return nil
	})
}

// MaxObjectionRunes bounds a participant's objection to the record and a
// reason for not signing.
const MaxObjectionRunes = 2000

// checkNote cleans an optional objection (field note) and checks its length.
func checkNote(note string) (*string, error) {
	note = cleanText(note)
	if note == "" {
		return nil, nil
	}
	if len([]rune(note)) > MaxObjectionRunes {
		return nil, errs.InvalidField("note_too_long", "note", fmt.Sprintf("异议或理由不能超过%d字", MaxObjectionRunes))
	}
	return &note, nil
}

// SignHearingMinutes records the participant's own confirmation and
// signature of the hearing record with the SMS code (kind sms), bound to
// the record's hash; the last signature locks the record. objection, when
// not empty, is the participant's objection to the record (异议: their
// part misrecorded, something left out), attached to the record under
// their signature and shown with it. Only a selected participant may call
// it. Codes: authentication_required, hearing_not_found,
// not_hearing_participant, hearing_minutes_not_recorded,
// hearing_minutes_locked, hearing_minutes_already_signed,
// signing_code_invalid, note_too_long, hearing_cancelled,
// participation_not_allowed_in_stage.
func (s *Service) SignHearingMinutes(ctx context.Context, actor *identity.Account, hearingID int64, code, objection string) (Hearing, error) {
	if actor == nil {
		return Hearing{}, errUnauthenticated
	}
	note, err := checkNote(objection)
	if err != nil {
		return Hearing{}, err
	}
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	var out Hearing
	var codeErr error
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		h, err := lockHearing(ctx, tx, h.DecisionID, hearingID, "签字确认听证笔录")
		if err != nil {
			return err
		}
		if h.MinutesLockedAt != nil {
			return errMinutesLocked
		}
		app, err := ownParticipation(ctx, tx, actor, &h)
		if err != nil {
			return err
		}
		var stored []byte
		var expires time.Time
		var attempts int
		err = tx.QueryRow(ctx, `SELECT code_hash, expires_at, attempts FROM hearing_signing_codes WHERE application_id = $1
			ORDER BY created_at DESC LIMIT 1 FOR UPDATE`, app.ID).Scan(&stored, &expires, &attempts)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return errs.Internal(err)
		}
		ok := err == nil && attempts < signingCodeAttempts && s.now().Before(expires) &&
			subtle.ConstantTimeCompare(stored, signingCodeHash(app.ID, identity.NormalizeCode(code))) == 1
		if !ok {
			if err == nil {
				// The failed attempt must count even though the step is
				// refused: it is committed on its own below.
				codeErr = errs.InvalidField("signing_code_invalid", "code", "验证码错误或已过期，请重新获取")
			}
			return errs.InvalidField("signing_code_invalid", "code", "验证码错误或已过期，请重新获取")
		}
		out, err = s.sign(ctx, tx, actor, &h, app, "sms", nil, note)
		return err
	})
	if codeErr != nil {
		s.DB.Exec(ctx, `UPDATE hearing_signing_codes SET attempts = attempts + 1 WHERE application_id IN
			(SELECT id FROM hearing_applications WHERE hearing_id = $1 AND account_id = $2)`, hearingID, actor.ID)
	}
	return out, err
}

// RecordScannedSignature records a participant's signature on paper: staff
// upload the scan of the signed page (kind scan), with the objection the
// participant wrote on it, if any (see SignHearingMinutes). The last
// signature locks the record. Only staff of the lead unit may call it.
// Codes: hearing_not_found, not_lead_unit_staff, participant_not_found,
// hearing_minutes_not_recorded, hearing_minutes_locked,
// hearing_minutes_already_signed, scan_required, scan_type_not_allowed,
// note_too_long, hearing_cancelled, participation_not_allowed_in_stage.
func (s *Service) RecordScannedSignature(ctx context.Context, actor *identity.Account, hearingID, applicationID int64, sc Scan,
	objection string) (Hearing, error) {
	note, err := checkNote(objection)
	if err != nil {
		return Hearing{}, err
	}
	var out Hearing
	err = s.leadStep(ctx, actor, hearingID, "登记纸质签字", func(tx pgx.Tx, h *Hearing) error {
		app, err := s.unsignedParticipant(ctx, tx, h, applicationID)
		if err != nil {
			return err
		}
		f, err := storeScan(ctx, tx, actor, h.DecisionID, "scan", sc, s.now())
		if err != nil {
			return err
		}
		out, err = s.sign(ctx, tx, actor, h, app, "scan", &f, note)
		return err
	})
	return out, err
}

// unsignedParticipant is a participant of the hearing, named by the lead
// unit, while the record waits for them.
func (s *Service) unsignedParticipant(ctx context.Context, tx pgx.Tx, h *Hearing, applicationID int64) (Application, error) {
	if h.MinutesLockedAt != nil {
		return Application{}, errMinutesLocked
	}
	if h.MinutesRecordedAt == nil {
		return Application{}, errMinutesMissing
	}
	apps, err := listApplications(ctx, tx, h.ID, fmt.Sprintf("AND id = %d AND selected AND withdrawn_at IS NULL", applicationID))
	if err != nil {
		return Application{}, err
	}
	if len(apps) == 0 {
		return Application{}, errs.NotFound("participant_not_found", "该听证会没有这位听证参加人")
	}
	return apps[0], nil
}

// NotSigned is why a participant did not sign the hearing record.
type NotSigned string

// The ways a participant does not sign. Practice in Chinese hearing rules
// (行政处罚法 Art. 65, 行政许可法 Art. 48 and the provinces' decision-hearing
// rules): a participant who refuses to sign has it noted in the record,
// with the reason; one who did not attend cannot confirm what was said.
const (
	NotSignedRefused NotSigned = "refused" // 拒绝签字
	NotSignedAbsent  NotSigned = "absent"  // 缺席听证会
)

// RefuseToSignMinutes records the participant's own refusal to sign the
// hearing record (they dispute it), with the reason, which is shown with
// the record; it counts toward closing the record like a signature, so
// that one participant's refusal does not hold the hearing open for ever.
// No code is asked: a refusal signs nothing, and it is recorded under the
// participant's account. Only a selected participant may call it. Codes:
// authentication_required, hearing_not_found, not_hearing_participant,
// hearing_minutes_not_recorded, hearing_minutes_locked,
// hearing_minutes_already_signed, reason_required, note_too_long,
// hearing_cancelled, participation_not_allowed_in_stage.
func (s *Service) RefuseToSignMinutes(ctx context.Context, actor *identity.Account, hearingID int64, reason string) (Hearing, error) {
	if actor == nil {
		return Hearing{}, errUnauthenticated
	}
	note, err := checkNote(reason)
	if err != nil {
		return Hearing{}, err
	}
	if note == nil {
		return Hearing{}, errs.InvalidField("reason_required", "note", "请写明不签字的理由（笔录哪里与您的发言不符）")
	}
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	var out Hearing
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		h, err := lockHearing(ctx, tx, h.DecisionID, hearingID, "拒绝签字")
		if err != nil {
			return err
		}
		if h.MinutesLockedAt != nil {
			return errMinutesLocked
		}
		app, err := ownParticipation(ctx, tx, actor, &h)
		if err != nil {
			return err
		}
		out, err = s.sign(ctx, tx, actor, &h, app, string(NotSignedRefused), nil, note)
		return err
	})
	return out, err
}

// NoteMinutesNotSigned is the lead unit's note in the record that a
// participant refused to sign (on paper, at the hearing, or by not
// answering) or did not attend, with the reason or the circumstances,
// shown with the record. It counts toward closing the record. Only staff
// of the lead unit may call it. Codes: hearing_not_found,
// not_lead_unit_staff, participant_not_found, invalid_not_signed_kind,
// reason_required, note_too_long, hearing_minutes_not_recorded,
// hearing_minutes_locked, hearing_minutes_already_signed,
// hearing_cancelled, participation_not_allowed_in_stage.
func (s *Service) NoteMinutesNotSigned(ctx context.Context, actor *identity.Account, hearingID, applicationID int64, kind NotSigned,
	reason string) (Hearing, error) {
	if actor == nil {
		return Hearing{}, errUnauthenticated
	}
	// A participant does not note their own absence; a resident asking is
	// told so even when the decision page itself is not public (the
	// hearing is).
	if actor.Role == identity.RoleResident {
		return Hearing{}, errNotLead
	}
	if kind != NotSignedRefused && kind != NotSignedAbsent {
		return Hearing{}, errs.InvalidField("invalid_not_signed_kind", "kind", "请选择拒绝签字或缺席")
	}
	note, err := checkNote(reason)
	if err != nil {
		return Hearing{}, err
	}
	if note == nil {
		return Hearing{}, errs.InvalidField("reason_required", "note", "请写明情况（如拒绝签字的理由、未到会的情况）")
	}
	var out Hearing
	err = s.leadStep(ctx, actor, hearingID, "注明未签字", func(tx pgx.Tx, h *Hearing) error {
		app, err := s.unsignedParticipant(ctx, tx, h, applicationID)
		if err != nil {
			return err
		}
		out, err = s.sign(ctx, tx, actor, h, app, string(kind), nil, note)
		return err
	})
	return out, err
}

// signaturePayload is what the record binds of a participant's signature
// or note: the note enters only when set, so that the hash of every
// signature bound before notes existed stays what it was.
func signaturePayload(hearingID int64, code, kind, minutesHash string, scanSHA256, note *string) map[string]any {
	payload := map[string]any{"hearing_id": hearingID, "code": code, "kind": kind, "minutes_hash": minutesHash}
	if scanSHA256 != nil {
		payload["scan_sha256"] = *scanSHA256
	}
	if note != nil {
		payload["note"] = *note
	}
	return payload
}

// sign stores one signature (or a refusal or absence, kind) over the
// record's hash with its note, appends it to the record, and locks the
// record when every participant has signed or is noted as not signing.
func (s *Service) sign(ctx context.Context, tx pgx.Tx, actor *identity.Account, h *Hearing, app Application, kind string, scan *File,
	note *string) (Hearing, error) {
	var scanID *int64
	var scanSHA *string
	if scan != nil {
		scanID, scanSHA = &scan.ID, &scan.SHA256
	}
	payload := signaturePayload(h.ID, app.Code, kind, *h.MinutesHash, scanSHA, note)
	now := s.now()
	tag, err := tx.Exec(ctx, `INSERT INTO hearing_signatures (application_id, hearing_id, kind, minutes_hash, scan_file_id, signed_by, signed_at, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (application_id) DO NOTHING`, app.ID, h.ID, kind, *h.MinutesHash, scanID, actor.ID, now,
		note)
	if err != nil {
		return Hearing{}, errs.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return Hearing{}, errs.Conflict("hearing_minutes_already_signed", "该听证参加人已签字确认听证笔录，或已注明拒绝签字、缺席")
	}
	ev, err := evidence("hearing_signatures", app.ID, payload)
	if err != nil {
		return Hearing{}, err
	}
	entry := RecordMinutesSigned
	if kind == string(NotSignedRefused) || kind == string(NotSignedAbsent) {
		entry = RecordMinutesNotSigned
	}
	if err := s.Record.Append(ctx, tx, h.DecisionID, consultation.RecordActor(actor), entry, payload, ev); err != nil {
		return Hearing{}, err
	}
	var unsigned int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM hearing_applications a WHERE a.hearing_id = $1 AND `+currentParticipant+`
		AND NOT EXISTS (SELECT 1 FROM hearing_signatures g WHERE g.application_id = a.id)`, h.ID).Scan(&unsigned); err != nil {
		return Hearing{}, errs.Internal(err)
	}
	if unsigned == 0 {
		if _, err := tx.Exec(ctx, `UPDATE hearings SET minutes_locked_at = $2 WHERE id = $1`, h.ID, now); err != nil {
			return Hearing{}, errs.Internal(err)
		}
		out, err := getHearing(ctx, tx, h.ID, false)
		if err != nil {
			return Hearing{}, err
		}
		ev, err := evidence("hearings", out.ID, out.publicView())
		if err != nil {
			return Hearing{}, err
		}
		if err := s.Record.Append(ctx, tx, h.DecisionID, record.System, RecordMinutesLocked,
			map[string]any{"hearing_id": h.ID, "minutes_hash": *h.MinutesHash}, ev); err != nil {
			return Hearing{}, err
		}
	}
	return getHearing(ctx, tx, h.ID, false)
}
