package catalogue

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// ArchiveFilename is the file name of the catalogue record's archive of a
// decision body.
func ArchiveFilename(bodyID int64) string {
	return "canyu-catalogue-" + strconv.FormatInt(bodyID, 10) + "-archive.zip"
}

// ExportCatalogueArchive writes the archive package of the catalogue
// record (目录档案) of a catalogue's decision body to w: the chain's
// entries, the rows they bind (catalogues, items, adjustments, history,
// initiations, proposals with their answers), the signing keys, the
// signed tree head's inclusion proofs and a manifest, verifiable offline
// by `canyu record verify --archive` as a decision's archive is. It had no
// archive (outside check). The proposals' rows name their proposers, so
// only the body's staff, the rule-of-law office and admins may export.
// Codes: catalogue_not_found, archive_forbidden.
func (s *Service) ExportCatalogueArchive(ctx context.Context, actor *identity.Account, catalogueID int64, w io.Writer) error {
	c, err := s.GetCatalogue(ctx, actor, catalogueID)
	if err != nil {
		return err
	}
	if !actor.HasRole(identity.RoleAdmin, identity.RoleSupervisor) && !actor.IsStaffOf(c.DecisionBodyID) {
		return errs.Forbidden("archive_forbidden", "只有决策机关的工作人员、法治政府建设办公室和管理员可以导出目录档案")
	}
	return pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return record.WriteArchive(ctx, tx, record.ArchiveInput{Chain: ChainOf(c.DecisionBodyID), Readme: archiveReadme,
			ExportedAt: s.now().Truncate(time.Second), Signer: s.Consultation.Signer}, w)
	})
}

// archiveReadme is the catalogue archive's README.txt.
const archiveReadme = `目录档案包（决策机关的重大行政决策事项目录过程记录）
==================================================

本压缩包由“参与”重大行政决策公众参与平台导出，包含一个决策机关历年的决策事项目录、
目录调整、决策启动以及公众提出的决策事项建议和答复的完整过程记录（《重大行政决策
程序暂行条例》第三条、第十条、第十一条）。无需连接平台即可离线核验：

    canyu record verify --archive 本文件.zip

文件清单
--------
  README.txt                    本说明
  manifest.json                 清单：除自身外每个文件的 SHA-256 和字节数，记录链名称（chain，
                                如 catalogue:1），条目数（record_entries）及最后一条的哈希（last_entry_hash）
  record.json                   记录链的全部条目（按 seq 排序，含 prev_hash 和 entry_hash）
  evidence/<表>/<id>.json       条目所绑定的数据行（目录、目录事项、调整、决策启动、建议及答复）的规范化 JSON，
                                其 SHA-256 应等于绑定该行的最后一个条目的 payload 中 evidence 列出的 content_hash；
                                content_form 为该行规范化内容的格式（后来增加的列计入新的格式，早先的条目不写此项，为第 1 种）
  public-key.pem                平台签名公钥
  log/inclusion-proofs.json     平台最新的签名树头，及本记录链已记入日志的链头的包含证明（RFC 6962）

核验哈希链
----------
record.json 的 entries 按 seq 从 1 起连续编号。第 1 条的 prev_hash 为 64 个字符“0”，
其后每条的 prev_hash 等于前一条的 entry_hash。每条的 entry_hash：依次取 9 个 UTF-8 字段
(1) 固定字符串 canyu-record-v1 (2) 记录链名称 chain（如 catalogue:1） (3) seq，十进制
(4) recorded_at 原样字符串 (5) actor_id，十进制，为 null 时为空字符串 (6) actor_role
(7) kind (8) payload 原样字符串 (9) prev_hash；每个字段编码为“字节数:字段内容;”，
按顺序拼接后计算 SHA-256，取小写十六进制。最后一条的 entry_hash 应等于 manifest.json
的 last_entry_hash。Python 3 示例：

    import hashlib, json
    rec = json.load(open("record.json", encoding="utf-8"))
    prev = "0" * 64
    for i, e in enumerate(rec["entries"], 1):
        actor = "" if e["actor_id"] is None else str(e["actor_id"])
        fields = ["canyu-record-v1", e["chain"], str(e["seq"]), e["recorded_at"],
                  actor, e["actor_role"], e["kind"], e["payload"], e["prev_hash"]]
        h = hashlib.sha256()
        for f in fields:
            b = f.encode("utf-8")
            h.update(str(len(b)).encode() + b":" + b + b";")
        assert e["seq"] == i and e["prev_hash"] == prev and h.hexdigest() == e["entry_hash"], e["seq"]
        prev = e["entry_hash"]
    print("哈希链完整，共", len(rec["entries"]), "条")

建议人的姓名等个人信息仅供决策机关和监督机关核验之用，请妥善保管。
`
