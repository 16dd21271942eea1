package consultation

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The archive package (决策档案, Decree 713 Art. 33 and 38–41) is written by
// record.WriteArchive; consultation adds its files: the decision, every
// draft version with its articles and attachments, the procedure documents
// and the consultations.

type archiveDecision struct {
	ID                    int64      `json:"id"`
	Title                 string     `json:"title"`
	Summary               string     `json:"summary"`
	Category              Category   `json:"category"`
	Domain                Domain     `json:"domain"`
	DecisionBody          string     `json:"decision_body"`
	DecisionBodyName      string     `json:"decision_body_name"`
	LeadAgency            string     `json:"lead_agency"`
	LeadAgencyName        string     `json:"lead_agency_name"`
	CoAgencyIDs           []int64    `json:"co_agency_ids"`
	Technical             bool       `json:"technical"`
	StabilityRisk         bool       `json:"stability_risk"`
	AffectsSpecificGroups bool       `json:"affects_specific_groups"`
	MarketRelated         bool       `json:"market_related"`
	NotDisclosable        bool       `json:"not_disclosable"`
	NotDisclosableReason  string     `json:"not_disclosable_reason"`
	PlannedDecisionDate   *time.Time `json:"planned_decision_date"`
	Status                Status     `json:"status"`
	WithdrawnReason       string     `json:"withdrawn_reason"`
	PublicSince           *time.Time `json:"public_since"`
	CreatedBy             int64      `json:"created_by"`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

type archiveArticle struct {
	Number  int    `json:"number"`
	Anchor  string `json:"anchor"`
	Label   string `json:"label"`
	Heading string `json:"heading"`
	Text    string `json:"text"`
}

type archiveAttachment struct {
	ID                  int64     `json:"id"`
	VersionID           *int64    `json:"version_id"`
	ProcedureDocumentID *int64    `json:"procedure_document_id"`
	Filename            string    `json:"filename"`
	ContentType         string    `json:"content_type"`
	Size                int64     `json:"size"`
	SHA256              string    `json:"sha256"`
	CreatedBy           int64     `json:"created_by"`
	CreatedAt           time.Time `json:"created_at"`
	Path                string    `json:"path"`
}

type archiveVersion struct {
	ID          int64               `json:"id"`
	Number      int                 `json:"number"`
	CreatedBy   int64               `json:"created_by"`
	CreatedAt   time.Time           `json:"created_at"`
	Explanation string              `json:"explanation"`
	LegalBasis  json.RawMessage     `json:"legal_basis"`
	ContentHash string              `json:"content_hash"`
	TextFile    string              `json:"text_file"`
	Articles    []archiveArticle    `json:"articles"`
	Attachments []archiveAttachment `json:"attachments"`
	text        string
}

type archiveDocument struct {
	ID          int64               `json:"id"`
	DecisionID  int64               `json:"decision_id"`
	VersionID   *int64              `json:"version_id"`
	Kind        string              `json:"kind"`
	Content     json.RawMessage     `json:"content"`
	CreatedBy   int64               `json:"created_by"`
	CreatedAt   time.Time           `json:"created_at"`
	Attachments []archiveAttachment `json:"attachments"`
}

type archiveConsultation struct {
	ID               int64      `json:"id"`
	VersionID        int64      `json:"version_id"`
	VersionNumber    int        `json:"version_number"`
	OpensAt          time.Time  `json:"opens_at"`
	EndsAt           time.Time  `json:"ends_at"`
	OriginalEndsAt   time.Time  `json:"original_ends_at"`
	WaysToComment    string     `json:"ways_to_comment"`
	ShorteningReason string     `json:"shortening_reason"`
	ShowComments     bool       `json:"show_comments"`
	OpenedBy         int64      `json:"opened_by"`
	ClosedAt         *time.Time `json:"closed_at"`
}

// ArchiveFilename is the name offered for a decision's archive download.
func ArchiveFilename(decisionID int64) string {
	return "canyu-decision-" + strconv.FormatInt(decisionID, 10) + "-archive.zip"
}

// ExportDecisionArchive writes the decision's archive package as one ZIP to
// w, from one consistent snapshot of the database. Only those who may see
// the decision internally may call it (staff of the lead unit, decision
// body and co-units, the review roles, admins): the archive holds every
// draft version, also those never published. Nothing is written to w when
// it refuses. Codes: decision_not_found, archive_forbidden.
func (s *Service) ExportDecisionArchive(ctx context.Context, actor *identity.Account, decisionID int64, w io.Writer) error {
	return inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := internalDecision(ctx, tx, actor, decisionID,
			errs.Forbidden("archive_forbidden", "只有承办单位、决策机关、合法性审查部门的工作人员和管理员可以导出决策档案"))
		if err != nil {
			return err
		}
		return s.writeArchive(ctx, tx, d, w)
	})
}

func (s *Service) writeArchive(ctx context.Context, tx pgx.Tx, d Decision, w io.Writer) error {
	versions, err := archiveVersions(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	attachments, err := archiveAttachments(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	docs, err := archiveDocuments(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	consultations, err := archiveConsultations(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	for i := range versions {
		for _, a := range attachments {
			if a.VersionID != nil && *a.VersionID == versions[i].ID {
				versions[i].Attachments = append(versions[i].Attachments, a)
			}
		}
	}
	for i := range docs {
		for _, a := range attachments {
			if a.ProcedureDocumentID != nil && *a.ProcedureDocumentID == docs[i].ID {
				docs[i].Attachments = append(docs[i].Attachments, a)
			}
		}
	}
	files := func(aw *record.ArchiveWriter) error {
		if err := aw.AddJSON("decision.json", decisionArchiveView(d)); err != nil {
			return err
		}
		if err := aw.AddJSON("consultation.json", map[string]any{"consultations": consultations}); err != nil {
			return err
		}
		for _, v := range versions {
			dir := "versions/v" + strconv.Itoa(v.Number) + "/"
			if err := aw.Add(dir+"text.txt", []byte(v.text)); err != nil {
				return err
			}
			if err := aw.AddJSON(dir+"version.json", v); err != nil {
				return err
			}
		}
		for _, a := range attachments {
			if aw.Has(a.Path) {
				continue // the same file under the same name: stored once
			}
			var data []byte
			if err := tx.QueryRow(ctx, `SELECT data FROM attachments WHERE id = $1`, a.ID).Scan(&data); err != nil {
				return errs.Internal(err)
			}
			if err := aw.Add(a.Path, data); err != nil {
				return err
			}
		}
		for _, doc := range docs {
			if err := aw.AddJSON("procedure-documents/"+strconv.FormatInt(doc.ID, 10)+".json", doc); err != nil {
				return err
			}
		}
		return addArchiveComments(ctx, tx, aw, d.ID)
	}
	return record.WriteArchive(ctx, tx, record.ArchiveInput{DecisionID: d.ID, ExportedAt: s.now().Truncate(time.Second),
		Signer: s.Signer, Files: files}, w)
}

func decisionArchiveView(d Decision) archiveDecision {
	return archiveDecision{ID: d.ID, Title: d.Title, Summary: d.Summary, Category: d.Category, Domain: d.Domain,
		DecisionBody: d.DecisionBodyCode, DecisionBodyName: d.DecisionBodyName, LeadAgency: d.LeadAgencyCode,
		LeadAgencyName: d.LeadAgencyName, CoAgencyIDs: d.CoAgencyIDs, Technical: d.Technical, StabilityRisk: d.StabilityRisk,
		AffectsSpecificGroups: d.AffectsSpecificGroups, MarketRelated: d.MarketRelated, NotDisclosable: d.NotDisclosable,
		NotDisclosableReason: d.NotDisclosableReason, PlannedDecisionDate: d.PlannedDecisionDate, Status: d.Status,
		WithdrawnReason: d.WithdrawnReason, PublicSince: d.PublicSince, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt}
}

func archiveVersions(ctx context.Context, tx pgx.Tx, decisionID int64) ([]archiveVersion, error) {
	rows, err := tx.Query(ctx, `SELECT id, number, text, explanation, legal_basis, content_hash, created_by, created_at
		FROM draft_versions WHERE decision_id = $1 ORDER BY number`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []archiveVersion
	var v archiveVersion
	var legal []byte
	if _, err := pgx.ForEachRow(rows, []any{&v.ID, &v.Number, &v.text, &v.Explanation, &legal, &v.ContentHash, &v.CreatedBy, &v.CreatedAt}, func() error {
		v.LegalBasis = append(json.RawMessage(nil), legal...)
		v.CreatedAt = v.CreatedAt.UTC()
		v.TextFile = "versions/v" + strconv.Itoa(v.Number) + "/text.txt"
		v.Articles, v.Attachments = []archiveArticle{}, []archiveAttachment{}
		out = append(out, v)
		v = archiveVersion{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	for i := range out {
		arts, err := pgrows.AllByPos[archiveArticle](ctx, tx, `SELECT number, anchor, label, heading, text FROM draft_articles
			WHERE version_id = $1 ORDER BY number`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Articles = arts
	}
	return out, nil
}

func archiveAttachments(ctx context.Context, tx pgx.Tx, decisionID int64) ([]archiveAttachment, error) {
	rows, err := tx.Query(ctx, `SELECT id, version_id, procedure_document_id, filename, content_type, size, sha256, created_by, created_at
		FROM attachments WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []archiveAttachment
	var a archiveAttachment
	if _, err := pgx.ForEachRow(rows, []any{&a.ID, &a.VersionID, &a.ProcedureDocumentID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.CreatedBy, &a.CreatedAt}, func() error {
		a.CreatedAt = a.CreatedAt.UTC()
		a.Path = attachmentArchivePath(a.SHA256, a.Filename)
		out = append(out, a)
		a = archiveAttachment{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// attachmentArchivePath is attachments/<sha256>-<filename>, with the name
// reduced to one safe path element.
func attachmentArchivePath(sum, filename string) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, filename)
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	return "attachments/" + sum + "-" + name
}

func archiveDocuments(ctx context.Context, tx pgx.Tx, decisionID int64) ([]archiveDocument, error) {
	rows, err := tx.Query(ctx, `SELECT id, decision_id, version_id, kind, content, created_by, created_at
		FROM procedure_documents WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []archiveDocument
	var doc archiveDocument
	var content []byte
	if _, err := pgx.ForEachRow(rows, []any{&doc.ID, &doc.DecisionID, &doc.VersionID, &doc.Kind, &content, &doc.CreatedBy, &doc.CreatedAt}, func() error {
		doc.Content = append(json.RawMessage(nil), content...)
		doc.CreatedAt = doc.CreatedAt.UTC()
		doc.Attachments = []archiveAttachment{}
		out = append(out, doc)
		doc = archiveDocument{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

func archiveConsultations(ctx context.Context, tx pgx.Tx, decisionID int64) ([]archiveConsultation, error) {
	list, err := pgrows.All[Consultation](ctx, tx, `SELECT `+consultationColumns+`
		FROM consultations c JOIN draft_versions v ON v.id = c.version_id
		WHERE c.decision_id = $1 ORDER BY c.id`, decisionID)
	if err != nil {
		return nil, err
	}
	out := make([]archiveConsultation, len(list))
	for i, c := range list {
		out[i] = archiveConsultation{ID: c.ID, VersionID: c.VersionID, VersionNumber: c.VersionNumber, OpensAt: c.OpensAt.UTC(),
			EndsAt: c.EndsAt.UTC(), OriginalEndsAt: c.OriginalEndsAt.UTC(), WaysToComment: c.WaysToComment,
			ShorteningReason: c.ShorteningReason, ShowComments: c.ShowComments, OpenedBy: c.OpenedBy, ClosedAt: c.ClosedAt}
	}
	return out, nil
}
