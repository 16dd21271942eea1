package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Wire types of participation activities, offline opinions and hearings
// (package consultation/hearing). They embed the domain types, whose JSON
// names are the wire names, under names of their own (huma needs distinct
// type names).

// ParticipationActivityView is a participation activity (Decree 713 Art. 14).
type ParticipationActivityView struct{ hearing.Activity }

// OfflineOpinionView is an opinion received offline, with its answer.
type OfflineOpinionView struct{ hearing.OfflineOpinion }

// HearingRequirementView says that a decision needs a hearing.
type HearingRequirementView struct{ hearing.Requirement }

// HearingView is a hearing. seed_revealed is the secret seed once the
// draw is done, null before.
type HearingView struct {
	hearing.Hearing
	SeedRevealed *string `json:"seed_revealed"`
}

// HearingApplicationView is the caller's own application.
type HearingApplicationView struct{ hearing.Application }

// HearingDrawView is the public check of a draw.
type HearingDrawView struct{ hearing.DrawCheck }

// HearingParticipantView is a participant on the published list.
type HearingParticipantView struct{ hearing.Participant }

// HearingStatementView is a speaker's points and reasons, and the answer.
type HearingStatementView struct{ hearing.Statement }

// ScanUpload is a scan in a JSON body.
type ScanUpload struct {
	Filename string `json:"filename,omitempty" maxLength:"200"`
	Data     []byte `json:"data" doc:"The scan, base64-encoded: PDF, PNG, JPEG, GIF or WebP, at most 10 MiB."`
}

func (u ScanUpload) scan() hearing.Scan { return hearing.Scan{Filename: u.Filename, Data: u.Data} }

func participationActivityView(a hearing.Activity) ParticipationActivityView {
	return ParticipationActivityView{a}
}

func offlineOpinionView(o hearing.OfflineOpinion) OfflineOpinionView {
	return OfflineOpinionView{o}
}

func hearingRequirementView(r hearing.Requirement) HearingRequirementView {
	return HearingRequirementView{r}
}

func hearingView(h hearing.Hearing) HearingView {
	return HearingView{Hearing: h, SeedRevealed: h.RevealedSeed()}
}

// maxScanBody bounds a body carrying scans: a batch of opinions, each with
// its scan, base64-encoded.
const maxScanBody = 64 << 20

func (s *server) registerHearings() {
	tags := []string{"Participation and hearings"}
	staff := roles(identity.RoleAgencyStaff)

	type activityInputBody struct {
		Kind         string   `json:"kind" enum:"forum,hearing,site_visit,written_request,online_consultation,questionnaire,opinion_poll"`
		Title        string   `json:"title" maxLength:"200"`
		StartsOn     string   `json:"starts_on" doc:"Date, YYYY-MM-DD (Asia/Shanghai)."`
		EndsOn       string   `json:"ends_on,omitempty" doc:"Date, YYYY-MM-DD; empty: the same day."`
		Place        string   `json:"place,omitempty" maxLength:"200"`
		Participants []string `json:"participants,omitempty" maxItems:"100" doc:"Organisations or sides that took part; no private persons."`
		Materials    string   `json:"materials,omitempty"`
		Minutes      string   `json:"minutes,omitempty"`
	}
	answer(s, huma.Operation{OperationID: "create-participation-activity", Method: http.MethodPost,
		Path: "/decisions/{decision_id}/participation-activities", Summary: "Record a participation activity", Tags: tags,
		Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "A forum, hearing, site visit, written request, online consultation, questionnaire or opinion poll (Decree 713 Art. 14) " +
			"of the decision: dates, place, the organisations or sides that took part, materials and minutes. Recorded in the process record. " +
			"Staff of the lead unit, before legality review."},
		staff, func(ctx context.Context, in *onDecision[activityInputBody]) (hearing.Activity, error) {
			return s.svc.Hearing.CreateParticipationActivity(ctx, actor(ctx), in.DecisionID, hearing.ActivityInput{
				Kind: hearing.ActivityKind(in.Body.Kind), Title: in.Body.Title, StartsOn: in.Body.StartsOn, EndsOn: in.Body.EndsOn,
				Place: in.Body.Place, Participants: in.Body.Participants, Materials: in.Body.Materials, Minutes: in.Body.Minutes})
		}, participationActivityView)
	type activitiesOutputBody struct {
		Items []ParticipationActivityView `json:"items"`
	}
	answer(s, huma.Operation{OperationID: "list-participation-activities", Method: http.MethodGet,
		Path: "/decisions/{decision_id}/participation-activities", Summary: "List the participation activities", Tags: tags, Errors: []int{404},
		Description: "Every participation activity of the decision, oldest first. Anyone who may see the decision."},
		public(), func(ctx context.Context, in *DecisionPath) ([]hearing.Activity, error) {
			return s.svc.Hearing.ListParticipationActivities(ctx, actor(ctx), in.DecisionID)
		}, func(list []hearing.Activity) activitiesOutputBody {
			return activitiesOutputBody{Items: views(list, participationActivityView)}
		})

	type offlineOpinionInput struct {
		Channel       string     `json:"channel" enum:"letter,hotline,forum,site_visit,written_request,hearing"`
		ActivityID    *int64     `json:"activity_id,omitempty" doc:"The participation activity that produced it (a forum, a site visit …)."`
		ReceivedOn    string     `json:"received_on" doc:"Date received, YYYY-MM-DD."`
		Source        string     `json:"source" maxLength:"200" doc:"Where it came from as the law needs it (an organisation, a side, 市民来信); no private names."`
		ArticleAnchor string     `json:"article_anchor,omitempty"`
		Body          string     `json:"body"`
		Scan          ScanUpload `json:"scan"`
	}
	type recordOpinionsInputBody struct {
		Opinions []offlineOpinionInput `json:"opinions" minItems:"1" maxItems:"100"`
	}
	type opinionsOutputBody struct {
		Items []OfflineOpinionView `json:"items"`
	}
	opinionsOut := func(list []hearing.OfflineOpinion) opinionsOutputBody {
		return opinionsOutputBody{Items: views(list, offlineOpinionView)}
	}
	answer(s, huma.Operation{OperationID: "record-offline-opinions", Method: http.MethodPost, Path: "/decisions/{decision_id}/offline-opinions",
		Summary: "Record opinions received offline", Tags: tags, Errors: []int{404, 409, 413, 422}, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: maxScanBody,
		Description: "Opinions received by letter, the 12345 hotline, at a forum, a site visit, through a written request or at a hearing, " +
			"each with its channel and a scan of the source (base64). They are answered with dispose-offline-opinion and counted and answered " +
			"by channel in the adoption report (`by_channel`). Staff of the lead unit, before the adoption report is published."},
		staff, func(ctx context.Context, in *onDecision[recordOpinionsInputBody]) ([]hearing.OfflineOpinion, error) {
			ops := make([]hearing.OfflineOpinionInput, len(in.Body.Opinions))
			for i, o := range in.Body.Opinions {
				ops[i] = hearing.OfflineOpinionInput{Channel: hearing.Channel(o.Channel), ActivityID: o.ActivityID, ReceivedOn: o.ReceivedOn,
					Source: o.Source, ArticleAnchor: o.ArticleAnchor, Body: o.Body, Scan: o.Scan.scan()}
			}
			return s.svc.Hearing.RecordOfflineOpinions(ctx, actor(ctx), in.DecisionID, ops)
		}, opinionsOut)
	type listOpinionsInput struct {
		DecisionPath
		Channel string `query:"channel" enum:"letter,hotline,forum,site_visit,written_request,hearing," doc:"Only opinions of this channel."`
	}
	answer(s, huma.Operation{OperationID: "list-offline-opinions", Method: http.MethodGet, Path: "/decisions/{decision_id}/offline-opinions",
		Summary: "List opinions received offline", Tags: tags, Errors: []int{404, 422},
		Description: "Staff of the lead unit see every offline opinion; anyone else who may see the decision sees the answered ones. " +
			"Scans are never public."},
		public(), func(ctx context.Context, in *listOpinionsInput) ([]hearing.OfflineOpinion, error) {
			return s.svc.Hearing.ListOfflineOpinions(ctx, actor(ctx), in.DecisionID, hearing.Channel(in.Channel))
		}, opinionsOut)
	type disposeInput struct {
		OpinionID int64 `path:"opinion_id"`
		Body      struct {
			Disposition string `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
			Reason      string `json:"reason"`
		}
	}
	answer(s, huma.Operation{OperationID: "dispose-offline-opinion", Method: http.MethodPut, Path: "/offline-opinions/{opinion_id}/disposition",
		Summary: "Answer an opinion received offline", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Adopted, partially adopted, not adopted or out of scope, with a reason (Decree 713 Art. 18), as for online comments. " +
			"Staff of the lead unit, until the adoption report is published."},
		staff, func(ctx context.Context, in *disposeInput) (hearing.OfflineOpinion, error) {
			return s.svc.Hearing.DisposeOfflineOpinion(ctx, actor(ctx), in.OpinionID, hearing.OpinionDispositionInput{
				Disposition: consultation.DispositionKind(in.Body.Disposition), Reason: in.Body.Reason})
		}, offlineOpinionView)

	type setRequirementInputBody struct {
		Grounds     string `json:"grounds" enum:"vital_interest,divided_views,both"`
		Explanation string `json:"explanation"`
	}
	answer(s, huma.Operation{OperationID: "set-hearing-requirement", Method: http.MethodPut, Path: "/decisions/{decision_id}/hearing-requirement",
		Summary: "Flag the decision as needing a hearing", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Direct vital interest or sharply divided views (Decree 713 Art. 16). From then on the `hearing_required` gate holds the " +
			"decision before legality review until a hearing's record is signed by every participant and its report published, or a written " +
			"reason for holding none is recorded (waive-hearing). Staff of the lead unit."},
		staff, func(ctx context.Context, in *onDecision[setRequirementInputBody]) (hearing.Requirement, error) {
			return s.svc.Hearing.SetHearingRequirement(ctx, actor(ctx), in.DecisionID, hearing.Grounds(in.Body.Grounds), in.Body.Explanation)
		}, hearingRequirementView)
	type waiveInputBody struct {
		Reason string `json:"reason"`
	}
	answer(s, huma.Operation{OperationID: "waive-hearing", Method: http.MethodPost, Path: "/decisions/{decision_id}/hearing-waiver",
		Summary: "Record why no hearing is held", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The written reason why a decision flagged as needing a hearing holds none; it satisfies the `hearing_required` gate " +
			"and is recorded in the process record. Staff of the lead unit."},
		staff, func(ctx context.Context, in *onDecision[waiveInputBody]) (hearing.Requirement, error) {
			return s.svc.Hearing.WaiveHearing(ctx, actor(ctx), in.DecisionID, in.Body.Reason)
		}, hearingRequirementView)

	type createHearingInputBody struct {
		Title               string    `json:"title" maxLength:"200"`
		Place               string    `json:"place" maxLength:"200"`
		StartsAt            time.Time `json:"starts_at"`
		ApplicationsCloseAt time.Time `json:"applications_close_at" doc:"No later than 7 days before the hearing (materials must reach participants 7 days before)."`
		Sides               []string  `json:"sides" minItems:"2" maxItems:"10" doc:"The sides the notice declares; every side must be on the list."`
		SeatsPerSide        int       `json:"seats_per_side" minimum:"1" maximum:"50"`
	}
	answer(s, huma.Operation{OperationID: "create-hearing", Method: http.MethodPost, Path: "/decisions/{decision_id}/hearings",
		Summary: "Prepare a hearing", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "A hearing (Decree 713 Art. 16–17) on the decision's latest draft version, with its time, place, sides and seats per side. " +
			"Nothing is public until publish-hearing-notice. Staff of the lead unit, before legality review."},
		staff, func(ctx context.Context, in *onDecision[createHearingInputBody]) (hearing.Hearing, error) {
			return s.svc.Hearing.CreateHearing(ctx, actor(ctx), in.DecisionID, hearing.HearingInput{Title: in.Body.Title, Place: in.Body.Place,
				StartsAt: in.Body.StartsAt, ApplicationsCloseAt: in.Body.ApplicationsCloseAt, Sides: in.Body.Sides, SeatsPerSide: in.Body.SeatsPerSide})
		}, hearingView)
	type hearingsOutputBody struct {
		Items []HearingView `json:"items"`
	}
	answer(s, huma.Operation{OperationID: "list-hearings", Method: http.MethodGet, Path: "/decisions/{decision_id}/hearings",
		Summary: "List the hearings of a decision", Tags: tags,
		Description: "Hearings whose notice is published; staff of the lead unit also see those in preparation."},
		public(), func(ctx context.Context, in *DecisionPath) ([]hearing.Hearing, error) {
			return s.svc.Hearing.ListHearings(ctx, actor(ctx), in.DecisionID)
		}, func(list []hearing.Hearing) hearingsOutputBody {
			return hearingsOutputBody{Items: views(list, hearingView)}
		})
	answer(s, huma.Operation{OperationID: "get-hearing", Method: http.MethodGet, Path: "/hearings/{hearing_id}", Summary: "Get a hearing",
		Tags: tags, Errors: []int{404}, Description: "Public once the notice is published."},
		public(), func(ctx context.Context, in *HearingPath) (hearing.Hearing, error) {
			return s.svc.Hearing.GetHearing(ctx, actor(ctx), in.HearingID)
		}, hearingView)
	answer(s, huma.Operation{OperationID: "publish-hearing-notice", Method: http.MethodPost, Path: "/hearings/{hearing_id}/notice",
		Summary: "Publish the hearing notice", Tags: tags, Errors: []int{404, 409},
		Description: "Publishes the draft and its explanation, the time and place and the sides (Decree 713 Art. 17(1)); refused once " +
			"applications would have closed (`hearing_notice_too_late`). Staff of the lead unit."},
		staff, func(ctx context.Context, in *HearingPath) (hearing.Hearing, error) {
			return s.svc.Hearing.PublishHearingNotice(ctx, actor(ctx), in.HearingID)
		}, hearingView)
	type methodInputBody struct {
		SelectionMethod string `json:"selection_method"`
	}
	answer(s, huma.Operation{OperationID: "publish-hearing-selection-method", Method: http.MethodPost, Path: "/hearings/{hearing_id}/selection-method",
		Summary: "Publish the selection method", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Publishes how participants are selected (Decree 713 Art. 17(2)) with the SHA-256 commitment to the draw's secret seed; " +
			"applications open with it. After the notice, before applications close. Staff of the lead unit."},
		staff, func(ctx context.Context, in *onHearing[methodInputBody]) (hearing.Hearing, error) {
			return s.svc.Hearing.PublishHearingSelectionMethod(ctx, actor(ctx), in.HearingID, in.Body.SelectionMethod)
		}, hearingView)
	type applyInputBody struct {
		Side       string `json:"side" doc:"One of the sides the notice declares."`
		PublicName string `json:"public_name" maxLength:"30" doc:"How the applicant is named on the published list if selected (e.g. 王女士)."`
		Statement  string `json:"statement,omitempty" maxLength:"1000"`
	}
	answer(s, huma.Operation{OperationID: "apply-to-hearing", Method: http.MethodPost, Path: "/hearings/{hearing_id}/applications",
		Summary: "Apply to take part in a hearing", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "A verified resident applies, saying which side they speak for; the answer carries the public number the draw uses. " +
			"Once per resident, while applications are open."},
		roles(identity.RoleResident), func(ctx context.Context, in *onHearing[applyInputBody]) (hearing.Application, error) {
			return s.svc.Hearing.ApplyToHearing(ctx, actor(ctx), in.HearingID, hearing.ApplicationInput{Side: in.Body.Side,
				PublicName: in.Body.PublicName, Statement: in.Body.Statement})
		}, func(a hearing.Application) HearingApplicationView { return HearingApplicationView{a} })
	answer(s, huma.Operation{OperationID: "draw-hearing-participants", Method: http.MethodPost, Path: "/hearings/{hearing_id}/draw",
		Summary: "Draw the participants by lot", Tags: tags, Errors: []int{404, 409},
		Description: "After applications close: reveals the seed and selects, per side, the applications with the smallest " +
			"SHA-256(seed + \":\" + code) (see get-hearing-draw). Staff of the lead unit."},
		staff, func(ctx context.Context, in *HearingPath) (hearing.Hearing, error) {
			return s.svc.Hearing.DrawParticipants(ctx, actor(ctx), in.HearingID)
		}, hearingView)
	answer(s, huma.Operation{OperationID: "get-hearing-draw", Method: http.MethodGet, Path: "/hearings/{hearing_id}/draw",
		Summary: "Check the draw", Tags: tags, Errors: []int{404, 409},
		Description: "The seed commitment, every application (number and side), and after the draw the seed and the ranking, so anyone " +
			"can recompute it: score = hex SHA-256 of seed + \":\" + code; per side ascending by score (then code); the first seats_per_side selected."},
		public(), func(ctx context.Context, in *HearingPath) (hearing.DrawCheck, error) {
			return s.svc.Hearing.GetHearingDraw(ctx, actor(ctx), in.HearingID)
		}, func(d hearing.DrawCheck) HearingDrawView { return HearingDrawView{d} })
	answer(s, huma.Operation{OperationID: "publish-hearing-participants", Method: http.MethodPost, Path: "/hearings/{hearing_id}/participants",
		Summary: "Publish the participant list", Tags: tags, Errors: []int{404, 409},
		Description: "Before the hearing, with every declared side represented (Decree 713 Art. 17(2)). Staff of the lead unit."},
		staff, func(ctx context.Context, in *HearingPath) (hearing.Hearing, error) {
			return s.svc.Hearing.PublishHearingParticipants(ctx, actor(ctx), in.HearingID)
		}, hearingView)
	type participantsOutputBody struct {
		Items []HearingParticipantView `json:"items"`
	}
	answer(s, huma.Operation{OperationID: "list-hearing-participants", Method: http.MethodGet, Path: "/hearings/{hearing_id}/participants",
		Summary: "List the participants", Tags: tags, Errors: []int{404, 409},
		Description: "The published list, with when materials were delivered and how each participant signed the record."},
		public(), func(ctx context.Context, in *HearingPath) ([]hearing.Participant, error) {
			return s.svc.Hearing.Participants(ctx, actor(ctx), in.HearingID)
		}, func(list []hearing.Participant) participantsOutputBody {
			return participantsOutputBody{Items: views(list, func(p hearing.Participant) HearingParticipantView {
				return HearingParticipantView{p}
			})}
		})
	type deliveryInputBody struct {
		ApplicationID int64  `json:"application_id"`
		DeliveredOn   string `json:"delivered_on" doc:"Date, YYYY-MM-DD; at least 7 days before the hearing."`
		Method        string `json:"method" maxLength:"100"`
	}
	answer(s, huma.Operation{OperationID: "record-hearing-materials-delivery", Method: http.MethodPost, Path: "/hearings/{hearing_id}/deliveries",
		Summary: "Record delivery of materials to a participant", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Per participant, the date the materials reached them; later than 7 days before the hearing is refused " +
			"(`hearing_materials_too_late`, Decree 713 Art. 17(3)). Staff of the lead unit."},
		staff, func(ctx context.Context, in *onHearing[deliveryInputBody]) (hearing.Hearing, error) {
			return s.svc.Hearing.RecordHearingMaterialsDelivery(ctx, actor(ctx), in.HearingID, hearing.DeliveryInput{
				ApplicationID: in.Body.ApplicationID, DeliveredOn: in.Body.DeliveredOn, Method: in.Body.Method})
		}, hearingView)
	type statementInput struct {
		ApplicationID *int64 `json:"application_id,omitempty" doc:"The participant who spoke; omit for another speaker named in speaker."`
		Speaker       string `json:"speaker,omitempty" maxLength:"50"`
		Points        string `json:"points"`
		Reasons       string `json:"reasons"`
	}
	type minutesInputBody struct {
		Summary    string           `json:"summary"`
		Statements []statementInput `json:"statements" minItems:"1" maxItems:"200"`
	}
	answer(s, huma.Operation{OperationID: "record-hearing-minutes", Method: http.MethodPut, Path: "/hearings/{hearing_id}/minutes",
		Summary: "Record the hearing record", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The hearing record (笔录): each speaker's main points and reasons. After the hearing began and the materials reached " +
			"every participant; replaceable until the first participant signs. Staff of the lead unit."},
		staff, func(ctx context.Context, in *onHearing[minutesInputBody]) (hearing.Hearing, error) {
			m := hearing.MinutesInput{Summary: in.Body.Summary}
			for _, st := range in.Body.Statements {
				m.Statements = append(m.Statements, hearing.StatementInput{ApplicationID: st.ApplicationID, Speaker: st.Speaker,
					Points: st.Points, Reasons: st.Reasons})
			}
			return s.svc.Hearing.RecordHearingMinutes(ctx, actor(ctx), in.HearingID, m)
		}, hearingView)
	type statementsOutputBody struct {
		Items []HearingStatementView `json:"items"`
	}
	answer(s, huma.Operation{OperationID: "list-hearing-statements", Method: http.MethodGet, Path: "/hearings/{hearing_id}/statements",
		Summary: "List the statements of the hearing record", Tags: tags, Errors: []int{404},
		Description: "Each speaker's points and reasons and, once the report is published, the answer."},
		public(), func(ctx context.Context, in *HearingPath) ([]hearing.Statement, error) {
			return s.svc.Hearing.Statements(ctx, actor(ctx), in.HearingID)
		}, func(list []hearing.Statement) statementsOutputBody {
			return statementsOutputBody{Items: views(list, func(st hearing.Statement) HearingStatementView {
				return HearingStatementView{st}
			})}
		})
	answerNothing(s, huma.Operation{OperationID: "send-hearing-signing-code", Method: http.MethodPost, Path: "/hearings/{hearing_id}/signing-code",
		Summary: "Send the participant a code to sign the record", Tags: tags, Errors: []int{403, 404, 409, 429}, DefaultStatus: http.StatusNoContent,
		Description: "An SMS code to the signed-in participant's phone, valid 10 minutes, for sign-hearing-minutes. One a minute " +
			"(429 `verification_code_too_soon`) and five in 24 hours per participant (429 `sms_limit_reached`, with Retry-After); " +
			"after that the lead unit records a signature on paper."},
		roles(identity.RoleResident), func(ctx context.Context, in *HearingPath) error {
			return s.svc.Hearing.SendSigningCode(ctx, actor(ctx), in.HearingID)
		})
	type signInputBody struct {
		Kind          string      `json:"kind" enum:"sms,scan,refused,absent" doc:"sms: the participant signs with the code; scan: staff upload the signed page; refused: the participant refuses to sign (their own, or noted by staff with application_id); absent: staff note that the participant did not attend."`
		Code          string      `json:"code,omitempty" doc:"With kind sms."`
		Note          string      `json:"note,omitempty" maxLength:"2000" doc:"With sms or scan: the participant's objection to the record (异议), attached to it. With refused or absent: the reason, required."`
		ApplicationID int64       `json:"application_id,omitempty" doc:"With kind scan, and refused or absent noted by staff: the participant concerned."`
		Scan          *ScanUpload `json:"scan,omitempty" doc:"With kind scan."`
	}
	answer(s, huma.Operation{OperationID: "sign-hearing-minutes", Method: http.MethodPost, Path: "/hearings/{hearing_id}/signatures",
		Summary: "Sign the hearing record", Tags: tags, Errors: []int{403, 404, 409, 413, 422}, MaxBodyBytes: maxScanBody,
		Description: "A participant confirms and signs the record (Decree 713 Art. 17) with an SMS code (kind `sms`, the participant), " +
			"or staff of the lead unit upload the scan of the page the participant signed (kind `scan`); either may carry the participant's " +
			"objection (`note`). A participant who disputes the record may refuse to sign with the reason (kind `refused`); staff of the lead " +
			"unit note a refusal on paper (`refused`) or an absence (`absent`) with `application_id` and the reason. The signature covers the " +
			"record's hash; the record locks when every participant has signed or is noted as refusing or absent."},
		signedIn(), func(ctx context.Context, in *onHearing[signInputBody]) (hearing.Hearing, error) {
			a, b := actor(ctx), in.Body
			switch b.Kind {
			case "scan":
				var sc hearing.Scan
				if b.Scan != nil {
					sc = b.Scan.scan()
				}
				return s.svc.Hearing.RecordScannedSignature(ctx, a, in.HearingID, b.ApplicationID, sc, b.Note)
			case "refused", "absent":
				if a.Role == identity.RoleResident && b.Kind == "refused" {
					return s.svc.Hearing.RefuseToSignMinutes(ctx, a, in.HearingID, b.Note)
				}
				return s.svc.Hearing.NoteMinutesNotSigned(ctx, a, in.HearingID, b.ApplicationID, hearing.NotSigned(b.Kind), b.Note)
			}
			return s.svc.Hearing.SignHearingMinutes(ctx, a, in.HearingID, b.Code, b.Note)
		}, hearingView)
	type cancelInputBody struct {
		Reason string `json:"reason" maxLength:"2000"`
	}
	answer(s, huma.Operation{OperationID: "cancel-hearing", Method: http.MethodPost, Path: "/hearings/{hearing_id}/cancellation",
		Summary: "Cancel a hearing", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Calls the hearing off before it is held, with a public reason: applications stop and no further step is taken; " +
			"the notice stays public and says so (`cancelled_at`, `cancel_reason`). Recorded in the process record. Staff of the lead unit."},
		staff, func(ctx context.Context, in *onHearing[cancelInputBody]) (hearing.Hearing, error) {
			return s.svc.Hearing.CancelHearing(ctx, actor(ctx), in.HearingID, in.Body.Reason)
		}, hearingView)
	type rescheduleInputBody struct {
		StartsAt            time.Time  `json:"starts_at"`
		Place               string     `json:"place,omitempty" maxLength:"200" doc:"The new place; empty keeps it."`
		ApplicationsCloseAt *time.Time `json:"applications_close_at,omitempty" doc:"A later application deadline (also reopening applications that closed), only before the draw; at least 7 days before the hearing."`
		Reason              string     `json:"reason" maxLength:"2000"`
	}
	answer(s, huma.Operation{OperationID: "reschedule-hearing", Method: http.MethodPost, Path: "/hearings/{hearing_id}/schedule",
		Summary: "Postpone a hearing or change its place", Tags: tags, Errors: []int{404, 409, 422},
		Description: "A later time, another place or a later application deadline, with a public reason; the notice lists every change " +
			"(`reschedules`). Once the notice is out a hearing is never brought forward (`hearing_reschedule_earlier`) nor its applications " +
			"shortened; applications are extended only before the draw. Staff of the lead unit, before the hearing begins."},
		staff, func(ctx context.Context, in *onHearing[rescheduleInputBody]) (hearing.Hearing, error) {
			r := hearing.RescheduleInput{StartsAt: in.Body.StartsAt, Place: in.Body.Place, Reason: in.Body.Reason}
			if in.Body.ApplicationsCloseAt != nil {
				r.ApplicationsCloseAt = *in.Body.ApplicationsCloseAt
			}
			return s.svc.Hearing.RescheduleHearing(ctx, actor(ctx), in.HearingID, r)
		}, hearingView)
	type withdrawInputBody struct {
		ApplicationID int64  `json:"application_id,omitempty" doc:"Staff: the application withdrawn (a resident withdraws their own)."`
		Reason        string `json:"reason,omitempty" maxLength:"500" doc:"Optional for a resident; staff say how they learned of it. Seen by the lead unit only."`
	}
	answer(s, huma.Operation{OperationID: "withdraw-hearing-application", Method: http.MethodPost, Path: "/hearings/{hearing_id}/withdrawals",
		Summary: "Withdraw an application to a hearing", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "Before the hearing begins. Withdrawn before the draw, the application takes no part in it; a selected participant's seat " +
			"goes to the next of the same side in the draw's ranking (`replaces` on the participant list, `replacements` on get-hearing-draw). " +
			"A resident withdraws their own application; staff of the lead unit one they name, with a reason."},
		signedIn(), func(ctx context.Context, in *onHearing[withdrawInputBody]) (hearing.Application, error) {
			return s.svc.Hearing.WithdrawHearingApplication(ctx, actor(ctx), in.HearingID, hearing.WithdrawInput{
				ApplicationID: in.Body.ApplicationID, Reason: in.Body.Reason})
		}, func(a hearing.Application) HearingApplicationView { return HearingApplicationView{a} })
	type answerInput struct {
		StatementID int64  `json:"statement_id"`
		Disposition string `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
		Answer      string `json:"answer"`
	}
	type reportInputBody struct {
		Body    string        `json:"body"`
		Answers []answerInput `json:"answers"`
	}
	answer(s, huma.Operation{OperationID: "publish-hearing-report", Method: http.MethodPost, Path: "/hearings/{hearing_id}/report",
		Summary: "Publish the hearing report", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The report made from the signed record, answering each statement with how it was handled and why (Decree 713 " +
			"Art. 17(5)). Needs the record locked (`hearing_minutes_not_signed` names who has not signed). Staff of the lead unit."},
		staff, func(ctx context.Context, in *onHearing[reportInputBody]) (hearing.Hearing, error) {
			r := hearing.ReportInput{Body: in.Body.Body}
			for _, a := range in.Body.Answers {
				r.Answers = append(r.Answers, hearing.ViewAnswer{StatementID: a.StatementID,
					Disposition: consultation.DispositionKind(a.Disposition), Answer: a.Answer})
			}
			return s.svc.Hearing.PublishHearingReport(ctx, actor(ctx), in.HearingID, r)
		}, hearingView)
}
