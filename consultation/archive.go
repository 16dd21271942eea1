package consultation

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The archive package (决策档案, Decree 713 Art. 33 and 38–41): one ZIP with
// the whole process record, every draft version with its articles and
// attachments, the procedure documents and consultations, and a manifest of
// SHA-256 hashes, so that an auditor can check it years later without the
// platform (VerifyArchive, or the steps in its README.txt).

// ArchiveFormat names the layout of the archive; it changes only with the layout.
const ArchiveFormat = "canyu-decision-archive-v1"

// ArchiveManifest is manifest.json: every other file of the archive with its
// SHA-256 and size, and the record's last entry hash.
type ArchiveManifest struct {
	Format        string    `json:"format"`
	DecisionID    int64     `json:"decision_id"`
	ExportedAt    time.Time `json:"exported_at"`
	RecordEntries int       `json:"record_entries"`
	LastEntryHash string    `json:"last_entry_hash"`
	// SigningKeyID and PublicKey (base64 of the raw Ed25519 key) name the
	// key that signed the record's signed entries; public-key.pem holds the
	// same key. Compare the id with the platform's published key.
	SigningKeyID string        `json:"signing_key_id,omitempty"`
	PublicKey    string        `json:"public_key,omitempty"`
	Files        []ArchiveFile `json:"files"`
}

// ArchiveFile is one file listed in the manifest.
type ArchiveFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// archiveRecord is record.json.
type archiveRecord struct {
	DecisionID int64         `json:"decision_id"`
	Algorithm  string        `json:"algorithm"`
	Entries    []RecordEntry `json:"entries"`
}

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

// ArchivePublicKeyFile is the archive's copy of the record-signing public
// key (PEM), listed in the manifest like every other file.
const ArchivePublicKeyFile = "public-key.pem"

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
	return pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		d, err := getDecision(ctx, tx, decisionID, false)
		if err != nil {
			return err
		}
		if !canSee(actor, &d) {
			return errDecisionNotFound
		}
		if !canSeeInternal(actor, &d) {
			return errs.Forbidden("archive_forbidden", "只有承办单位、决策机关、合法性审查部门的工作人员和管理员可以导出决策档案")
		}
		return s.writeArchive(ctx, tx, d, w)
	})
}

func (s *Service) writeArchive(ctx context.Context, tx pgx.Tx, d Decision, w io.Writer) error {
	entries, err := recordEntries(ctx, tx, d.ID, 0, 0)
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i].RecordedAt = entries[i].RecordedAt.UTC()
	}
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

	exported := s.now().Truncate(time.Second)
	aw := &archiveWriter{zw: zip.NewWriter(w), modified: exported, seen: map[string]bool{}}
	steps := []func() error{
		func() error { return aw.add("README.txt", []byte(archiveReadme)) },
		func() error { return aw.addJSON("decision.json", decisionArchiveView(d)) },
		func() error {
			return aw.addJSON("record.json", archiveRecord{DecisionID: d.ID, Algorithm: "canyu-record-v1", Entries: entries})
		},
		func() error {
			return aw.addJSON("consultation.json", map[string]any{"consultations": consultations})
		},
	}
	if s.Signer != nil {
		steps = append(steps, func() error { return aw.add(ArchivePublicKeyFile, s.Signer.PublicKeyPEM()) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, v := range versions {
		dir := "versions/v" + strconv.Itoa(v.Number) + "/"
		if err := aw.add(dir+"text.txt", []byte(v.text)); err != nil {
			return err
		}
		if err := aw.addJSON(dir+"version.json", v); err != nil {
			return err
		}
	}
	for _, a := range attachments {
		if aw.seen[a.Path] {
			continue // the same file under the same name: stored once
		}
		var data []byte
		if err := tx.QueryRow(ctx, `SELECT data FROM attachments WHERE id = $1`, a.ID).Scan(&data); err != nil {
			return errs.Internal(err)
		}
		if err := aw.add(a.Path, data); err != nil {
			return err
		}
	}
	for _, doc := range docs {
		if err := aw.addJSON("procedure-documents/"+strconv.FormatInt(doc.ID, 10)+".json", doc); err != nil {
			return err
		}
	}
	m := ArchiveManifest{Format: ArchiveFormat, DecisionID: d.ID, ExportedAt: exported, RecordEntries: len(entries),
		LastEntryHash: GenesisHash, Files: aw.files}
	if len(entries) > 0 {
		m.LastEntryHash = entries[len(entries)-1].EntryHash
	}
	if s.Signer != nil {
		m.SigningKeyID, m.PublicKey = s.Signer.KeyID(), base64.StdEncoding.EncodeToString(s.Signer.PublicKey())
	}
	if err := aw.addJSON("manifest.json", m); err != nil {
		return err
	}
	if err := aw.zw.Close(); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// archiveWriter adds files to the ZIP and remembers their hashes.
type archiveWriter struct {
	zw       *zip.Writer
	modified time.Time
	files    []ArchiveFile
	seen     map[string]bool
}

func (a *archiveWriter) add(name string, data []byte) error {
	f, err := a.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: a.modified})
	if err != nil {
		return errs.Internal(err)
	}
	if _, err := f.Write(data); err != nil {
		return errs.Internal(err)
	}
	a.seen[name] = true
	if name != "manifest.json" {
		a.files = append(a.files, ArchiveFile{Path: name, SHA256: SHA256Hex(data), Size: int64(len(data))})
	}
	return nil
}

func (a *archiveWriter) addJSON(name string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return errs.Internal(err)
	}
	return a.add(name, buf.Bytes())
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
		rows, err := tx.Query(ctx, `SELECT number, anchor, label, heading, text FROM draft_articles WHERE version_id = $1 ORDER BY number`, out[i].ID)
		if err != nil {
			return nil, errs.Internal(err)
		}
		arts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[archiveArticle])
		if err != nil {
			return nil, errs.Internal(err)
		}
		if arts != nil {
			out[i].Articles = arts
		}
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
	rows, err := tx.Query(ctx, `SELECT `+consultationColumns+` FROM consultations c JOIN draft_versions v ON v.id = c.version_id
		WHERE c.decision_id = $1 ORDER BY c.id`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Consultation])
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]archiveConsultation, len(list))
	for i, c := range list {
		out[i] = archiveConsultation{ID: c.ID, VersionID: c.VersionID, VersionNumber: c.VersionNumber, OpensAt: c.OpensAt.UTC(),
			EndsAt: c.EndsAt.UTC(), OriginalEndsAt: c.OriginalEndsAt.UTC(), WaysToComment: c.WaysToComment,
			ShorteningReason: c.ShorteningReason, ShowComments: c.ShowComments, OpenedBy: c.OpenedBy, ClosedAt: c.ClosedAt}
	}
	return out, nil
}

// archiveReadme is README.txt: how to check the archive offline, without
// the platform. It describes EntryHash (record.go) exactly.
const archiveReadme = `决策档案包（重大行政决策过程记录）
====================================

本压缩包由“参与”重大行政决策公众参与平台导出，包含一个决策事项的完整过程记录
（《重大行政决策程序暂行条例》第三十三条）及其所指向的全部材料。无需连接平台，
即可按下列步骤离线核验其完整性。最简单的办法是运行：

    canyu record verify --archive 本文件.zip

一、文件清单
------------
  README.txt                        本说明
  manifest.json                     清单：除自身外每个文件的 SHA-256 和字节数，
                                    过程记录条目数（record_entries）及最后一条的哈希（last_entry_hash）
  decision.json                     决策事项的基本信息
  record.json                       过程记录全部条目（按 seq 排序，含 prev_hash 和 entry_hash）
  consultation.json                 公开征求意见的公告（期限、参与方式、缩短理由等）
  versions/vN/text.txt              第 N 版草案全文（UTF-8）
  versions/vN/version.json          第 N 版的起草说明、法律依据、逐条条文及锚点、附件、内容哈希
  attachments/<sha256>-<文件名>     附件原件，文件名前缀即其内容的 SHA-256
  procedure-documents/<id>.json     专家论证、风险评估等程序材料

二、核验清单
------------
对 manifest.json 中 files 列出的每个文件，计算其 SHA-256（小写十六进制），应与
sha256 一致，字节数应与 size 一致；压缩包中不应有清单未列出的文件。例如：

    sha256sum record.json

三、核验过程记录的哈希链
------------------------
record.json 的 entries 按 seq 从 1 起连续编号。第 1 条的 prev_hash 为 64 个字符“0”，
其后每条的 prev_hash 等于前一条的 entry_hash。每条的 entry_hash 按以下方法计算：

1. 依次取下列 9 个字段，均为 UTF-8 字符串：
   (1) 固定字符串 canyu-record-v1
   (2) decision_id，十进制
   (3) seq，十进制
   (4) recorded_at，即 record.json 中的原样字符串：UTC 时间，RFC 3339 格式，
       以 Z 结尾，秒的小数部分去掉末尾的 0（无小数时不写小数点），
       例如 2025-03-01T08:30:00.123456Z
   (5) actor_id，十进制；为 null（系统操作）时为空字符串
   (6) actor_role
   (7) kind
   (8) payload，即 record.json 中 payload 字段的字符串原样（规范化 JSON：键按字典序、
       无多余空白、不转义 HTML 字符）
   (9) prev_hash
2. 每个字段编码为“字节数:字段内容;”，字节数为该字段 UTF-8 编码的字节数（十进制）。
3. 把 9 段编码按顺序直接拼接，计算 SHA-256，取小写十六进制，即为 entry_hash。

最后一条的 entry_hash 应等于 manifest.json 的 last_entry_hash，也应等于平台
“核验过程记录”（verify-decision-record）公开给出的 last_hash；将其另行保存（例如
写入纸质归档材料），即可发现整包被替换。signature 和 signer_key 不在条目哈希内，
它们另行核验（见第五节）。

以下 Python 3 程序在解压目录中核验哈希链：

    import hashlib, json
    rec = json.load(open("record.json", encoding="utf-8"))
    prev = "0" * 64
    for i, e in enumerate(rec["entries"], 1):
        actor = "" if e["actor_id"] is None else str(e["actor_id"])
        fields = ["canyu-record-v1", str(e["decision_id"]), str(e["seq"]), e["recorded_at"],
                  actor, e["actor_role"], e["kind"], e["payload"], e["prev_hash"]]
        h = hashlib.sha256()
        for f in fields:
            b = f.encode("utf-8")
            h.update(str(len(b)).encode() + b":" + b + b";")
        ok = e["seq"] == i and e["prev_hash"] == prev and h.hexdigest() == e["entry_hash"]
        if not ok:
            raise SystemExit("第 %d 条记录被改动" % e["seq"])
        prev = e["entry_hash"]
    print("哈希链完整，共 %d 条，最后哈希 %s" % (len(rec["entries"]), prev))

四、核验草案版本和附件
----------------------
kind 为 draft_version_created 的条目，其 payload 中的 content_hash 应等于对应
versions/vN/version.json 的 content_hash；kind 为 attachment_stored 的条目，其
payload 中的 sha256 应等于 attachments/ 下同名前缀文件内容的 SHA-256。

草案版本的内容哈希（content_hash，合法性审查意见即签署于此哈希之上）可以从档案包
重新计算：取 JSON 对象

    {"attachments": [每个附件的 {"content_type", "filename", "sha256", "size"}，按 version.json 中的顺序],
     "explanation": 起草说明, "legal_basis": [法律依据…], "text": text.txt 的全文}

按规范化 JSON 编码（键按字典序、无多余空白、非 ASCII 字符原样以 UTF-8 输出、
不转义 HTML 字符），计算 SHA-256，取小写十六进制。Python 3 示例：

    import hashlib, json
    v = json.load(open("versions/v1/version.json", encoding="utf-8"))
    text = open("versions/v1/text.txt", encoding="utf-8", newline="").read()
    atts = [{k: a[k] for k in ("content_type", "filename", "sha256", "size")} for a in v["attachments"]]
    body = json.dumps({"attachments": atts, "explanation": v["explanation"],
                       "legal_basis": v["legal_basis"], "text": text},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    print(hashlib.sha256(body.encode("utf-8")).hexdigest() == v["content_hash"])

（正文含制表符以外的控制字符时，两种语言的 JSON 转义写法可能不同，此时以
canyu record verify --archive 的结果为准。）

五、核验签名
------------
法律意见、合法性审查意见、确认修改等签署条目的 payload 含 signed_by（签署人账号、
角色、时间、密钥编号 key_id）和 version_hash（所签草案版本的内容哈希）。平台用
Ed25519 私钥对该条目的 entry_hash（64 个小写十六进制字符按 ASCII 编码）签名，
signature 为签名的 Base64，signer_key 为密钥编号（公钥 32 字节原文 SHA-256 的
前 16 个十六进制字符）。公钥见 public-key.pem（及 manifest.json 的 public_key），
其编号应与平台公布的公钥（get-record-public-key）一致。例如用 Python 的
cryptography 库：

    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    import base64
    key = load_pem_public_key(open("public-key.pem", "rb").read())
    for e in rec["entries"]:
        if e.get("signature"):
            key.verify(base64.b64decode(e["signature"]), e["entry_hash"].encode())
`
