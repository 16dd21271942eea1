package record

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// The archive package (决策档案, Decree 713 Art. 33 and 38–41): one ZIP with
// the whole process record, the rows its entries bind, the keys that signed
// it, the files the domain adds (every draft version with its articles and
// attachments, the procedure documents and consultations) and a manifest
// of SHA-256 hashes, so that an auditor can check it years later without
// the platform (VerifyArchive, or the steps in its README.txt).

// ArchiveFormat names the layout of the archive; it changes only with the layout.
const ArchiveFormat = "canyu-decision-archive-v1"

// ArchiveManifest is manifest.json: every other file of the archive with its
// SHA-256 and size, and the record's last entry hash.
type ArchiveManifest struct {
	Format     string `json:"format"`
	DecisionID int64  `json:"decision_id"`
	// Chain names the named chain the archive holds (a decision body's
	// catalogue record, "catalogue:12"); DecisionID is then 0.
	Chain         string    `json:"chain,omitempty"`
	ExportedAt    time.Time `json:"exported_at"`
	RecordEntries int       `json:"record_entries"`
	LastEntryHash string    `json:"last_entry_hash"`
	// SigningKeyID and PublicKey (base64 of the raw Ed25519 key) name the
	// platform's current key; public-key.pem holds the same key. Compare the id with the platform's published key.
	SigningKeyID string `json:"signing_key_id,omitempty"`
	PublicKey    string `json:"public_key,omitempty"`
	// SigningKeys are every key the platform published (key rotation):
	// an entry signed with an older key verifies with it.
	SigningKeys []ArchiveKey  `json:"signing_keys,omitempty"`
	Files       []ArchiveFile `json:"files"`
}

// ArchiveFile is one file listed in the manifest.
type ArchiveFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// archiveRecord is record.json.
type archiveRecord struct {
	DecisionID int64   `json:"decision_id"`
	Chain      string  `json:"chain,omitempty"`
	Algorithm  string  `json:"algorithm"`
	Entries    []Entry `json:"entries"`
}

// ArchiveKey is a published key in the manifest: its id and the raw
// Ed25519 key in base64.
type ArchiveKey struct {
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
}

// ArchivePublicKeyFile is the archive's copy of the record-signing public
// key (PEM), listed in the manifest like every other file.
const ArchivePublicKeyFile = "public-key.pem"

// ArchiveInput is what WriteArchive needs besides the record.
type ArchiveInput struct {
	DecisionID int64
	// Chain is the named chain to export instead of a decision's record
	// (chains.go), with Readme, the README.txt that says what its archive
	// holds (empty: the decision archive's).
	Chain, Readme string
	ExportedAt    time.Time
	// Signer is the platform's current key (public-key.pem); nil leaves it out.
	Signer *Signer
	// Files adds the domain's files (decision, versions, attachments,
	// procedure documents); they are listed in the manifest like the rest.
	Files func(aw *ArchiveWriter) error
}

// WriteArchive writes a decision's archive as one ZIP to w, reading the
// record, the bound rows and the keys from tx (one snapshot).
func WriteArchive(ctx context.Context, tx pgx.Tx, in ArchiveInput, w io.Writer) error {
	k := decisionChain(in.DecisionID)
	if in.Chain != "" {
		if err := checkChainName(in.Chain); err != nil {
			return err
		}
		k = chainKey{name: in.Chain}
	}
	entries, err := chainEntries(ctx, tx, k)
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i].RecordedAt = entries[i].RecordedAt.UTC()
	}
	keys, err := PublishedKeys(ctx, tx)
	if err != nil {
		return err
	}
	aw := &ArchiveWriter{zw: zip.NewWriter(w), modified: in.ExportedAt, seen: map[string]bool{}}
	readme := in.Readme
	if readme == "" {
		readme = archiveReadme
	}
	if err := aw.Add("README.txt", []byte(readme)); err != nil {
		return err
	}
	if err := aw.AddJSON("record.json", archiveRecord{DecisionID: k.decision, Chain: k.name, Algorithm: "canyu-record-v1",
		Entries: entries}); err != nil {
		return err
	}
	if in.Signer != nil {
		if err := aw.Add(ArchivePublicKeyFile, in.Signer.PublicKeyPEM()); err != nil {
			return err
		}
	}
	if in.Files != nil {
		if err := in.Files(aw); err != nil {
			return err
		}
	}
	for _, ev := range boundRows(entries) {
		h := hasherOf(ev.Table, ev.Form)
		if h == nil {
			continue // a table (or form) whose package registered no hasher: not re-readable
		}
		content, err := h(ctx, tx, ev.RowID)
		if err != nil {
			return errs.Internal(err)
		}
		if err := aw.Add(EvidencePath(ev.Table, ev.RowID), content); err != nil {
			return err
		}
	}
	personal, err := personalKeysOf(ctx, tx, entries)
	if err != nil {
		return errs.Internal(err)
	}
	if len(personal) > 0 {
		list := make([]PersonalKey, 0, len(personal))
		for _, id := range personalKeyIDs(entries) {
			if k, ok := personal[id]; ok {
				list = append(list, k)
			}
		}
		if err := aw.AddJSON(ArchiveSignerKeysFile, list); err != nil {
			return err
		}
	}
	if err := addLogProof(ctx, tx, aw, k); err != nil {
		return err
	}
	m := ArchiveManifest{Format: ArchiveFormat, DecisionID: k.decision, Chain: k.name, ExportedAt: in.ExportedAt, RecordEntries: len(entries),
		LastEntryHash: GenesisHash, Files: aw.files}
	if len(entries) > 0 {
		m.LastEntryHash = entries[len(entries)-1].EntryHash
	}
	if in.Signer != nil {
		m.SigningKeyID, m.PublicKey = in.Signer.KeyID(), base64.StdEncoding.EncodeToString(in.Signer.PublicKey())
	}
	for _, k := range keys {
		m.SigningKeys = append(m.SigningKeys, ArchiveKey{KeyID: k.KeyID, PublicKey: k.Base64()})
	}
	if err := aw.AddJSON("manifest.json", m); err != nil {
		return err
	}
	if err := aw.zw.Close(); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// ArchiveLogFile holds the newest signed tree head and, for each of the
// decision's chain heads it covers, the leaf and its inclusion proof.
const ArchiveLogFile = "log/inclusion-proofs.json"

// archiveLog is ArchiveLogFile.
type archiveLog struct {
	Head   TreeHead         `json:"tree_head"`
	Leaves []archiveLogLeaf `json:"leaves"`
}

type archiveLogLeaf struct {
	LogLeaf
	AuditPath []string `json:"audit_path"`
}

func addLogProof(ctx context.Context, tx pgx.Tx, aw *ArchiveWriter, k chainKey) error {
	h, err := LatestHead(ctx, tx)
	if errs.HasCode(err, "record_head_not_found") {
		return nil
	}
	if err != nil {
		return err
	}
	all, err := LeafHashes(ctx, tx, h.TreeSize)
	if err != nil {
		return err
	}
	cond, arg := k.where(1)
	mine, err := Leaves(ctx, tx, cond+` AND leaf_index < $2`, arg, h.TreeSize)
	if err != nil {
		return err
	}
	if len(mine) == 0 {
		return nil
	}
	lg := archiveLog{Head: h}
	for _, l := range mine {
		lg.Leaves = append(lg.Leaves, archiveLogLeaf{LogLeaf: l, AuditPath: HexHashes(InclusionProof(int(l.Index), all))})
	}
	return aw.AddJSON(ArchiveLogFile, lg)
}

// ArchiveWriter adds files to the archive and lists them in the manifest.
type ArchiveWriter struct {
	zw       *zip.Writer
	modified time.Time
	files    []ArchiveFile
	seen     map[string]bool
}

// Add adds a file (once per name; the manifest lists it).
func (a *ArchiveWriter) Add(name string, data []byte) error {
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

// Has reports whether a file of that name was added.
func (a *ArchiveWriter) Has(name string) bool { return a.seen[name] }

// AddJSON adds v as indented JSON.
func (a *ArchiveWriter) AddJSON(name string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return errs.Internal(err)
	}
	return a.Add(name, buf.Bytes())
}

// archiveReadme is README.txt: how to check the archive offline, without
// the platform. It describes EntryHash (entry.go) exactly.
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
  evidence/<表>/<id>.json           条目所绑定的数据行（法律意见、意见处理、采纳情况说明等）的规范化 JSON，
                                    其 SHA-256 应等于绑定该行的最后一个条目的 payload 中 evidence 列出的 content_hash；
                                    content_form 为该行规范化内容的格式（后来增加的列计入新的格式，早先的条目不写此项，为第 1 种）
  log/inclusion-proofs.json         平台最新的签名树头，及本事项已记入日志的链头的包含证明（RFC 6962）
  signer-keys.json                  签署人本人签名密钥（公钥、账号、确认和注销时间），见第六节
  comments/checkpoint-<seq>.json    第 seq 条记录（comment_checkpoint）封存的公众意见：每条意见的封存字段和原文；
                                    原文的 SHA-256 应等于 body_hash，按 id 排序后的默克尔根应等于该条目的 merkle_root

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
其编号应与平台公布的公钥（get-record-public-key）一致；平台更换过密钥时，manifest.json 的
signing_keys 列出平台公布过的全部公钥，每条签名按其 signer_key 找到对应公钥核验。例如用 Python 的
cryptography 库：

    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    import base64
    key = load_pem_public_key(open("public-key.pem", "rb").read())
    for e in rec["entries"]:
        if e.get("signature"):
            key.verify(base64.b64decode(e["signature"]), e["entry_hash"].encode())

六、签署人本人的签名
--------------------
签署人登记了个人签名密钥（《中华人民共和国电子签名法》第十三条：电子签名制作数据
仅由电子签名人控制）并用其签署的条目，signed_by 中 method 为 personal_key，并含：
personal（签署人公钥 public_key 的 Base64、编号 key_id、账号、确认时间）、statement
（签署人签署的原文：规范化 JSON，含 kind、decision_id、account_id、key_id 和 content）
和 signature（签署人用本人私钥对 statement 的 UTF-8 字节所作 Ed25519 签名的 Base64）。
核验：用 personal.public_key 验证 signature；statement 的 kind、decision_id、account_id
应与条目一致；content 中每一项应与条目 payload 的同名项相同；signer-keys.json 中
该密钥的确认时间（confirmed_at）应不晚于、注销时间（revoked_at）应不早于条目的
recorded_at。method 为 password 的条目是签署人重新输入密码后由平台签名；没有
method 的签署条目由平台代为签名。平台的签名（第五节）覆盖整个条目，是对签署人
签名的会签。

七、离线核验的范围
------------------
canyu record verify --archive 还核对 decision.json（决策事项的基本信息和所处阶段）
和 consultation.json（征求意见期限）与过程记录一致。以下各项所依据的数据行不在
档案包中，只能在平台上在线核验（canyu record verify --decision 编号，或决策过程
记录页面的核验）：每条公众意见的审核状态、已结束问卷的结果和答卷、决策执行情况
报告和决策后评估报告、公众对决策执行的意见反馈。离线核验的结果会列出这些项目。
`
