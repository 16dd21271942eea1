package consultation

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
)

// What the record points to by hash in consultation's own way: a
// draft_version_created entry names its version's content hash, an
// attachment_stored entry its file's SHA-256. The check runs in record
// verification (online, in its snapshot) and on an exported archive
// (offline, from versions/ and attachments/); record.RegisterCheck wires it.
func init() {
	record.RegisterCheck(record.Check{
		Name:  "draft versions and attachments",
		Label: "草案版本和附件",
		Online: func(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
			ev, err := loadEvidence(ctx, q, decisionID)
			if err != nil {
				return 0, "", err
			}
			seq, problem := ev.check(entries)
			return seq, problem, nil
		},
		Offline: func(files map[string][]byte, entries []record.Entry) (int64, string) {
			ev, err := archiveEvidence(files)
			if err != nil {
				return 0, err.Error()
			}
			return ev.check(entries)
		},
	})
}

// storedVersion is a draft version as the evidence check reads it.
type storedVersion struct {
	ID          int64
	Number      int
	Text        string
	Explanation string
	LegalBasis  []byte
	ContentHash string
}

// storedAttachment is an attachment's metadata and the SHA-256 of the bytes
// actually stored (computed by PostgreSQL, so the bytes need not travel).
type storedAttachment struct {
	ID          int64
	VersionID   *int64
	Filename    string
	SHA256      string
	ActualHash  string
	Size        int64
	ActualSize  int64
	ContentType string
}

// evidence is what the record points to by hash.
type evidence struct {
	versions    []storedVersion
	attachments []storedAttachment
	// recompute recomputes a version's content hash from its parts.
	recompute func(v storedVersion, atts []storedAttachment) string
}

func loadEvidence(ctx context.Context, q record.Querier, decisionID int64) (*evidence, error) {
	ev := &evidence{recompute: versionHasher}
	rows, err := q.Query(ctx, `SELECT id, number, text, explanation, legal_basis, content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number`, decisionID)
	if err != nil {
		return nil, err
	}
	var v storedVersion
	if _, err := pgx.ForEachRow(rows, []any{&v.ID, &v.Number, &v.Text, &v.Explanation, &v.LegalBasis, &v.ContentHash}, func() error {
		ev.versions = append(ev.versions, v)
		v = storedVersion{}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT id, version_id, filename, sha256, encode(sha256(data), 'hex'), size, octet_length(data), content_type
		FROM attachments WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, err
	}
	var a storedAttachment
	if _, err := pgx.ForEachRow(rows, []any{&a.ID, &a.VersionID, &a.Filename, &a.SHA256, &a.ActualHash, &a.Size, &a.ActualSize, &a.ContentType}, func() error {
		ev.attachments = append(ev.attachments, a)
		a = storedAttachment{}
		return nil
	}); err != nil {
		return nil, err
	}
	return ev, nil
}

func (ev *evidence) versionAttachments(versionID int64) []storedAttachment {
	var out []storedAttachment
	for _, a := range ev.attachments {
		if a.VersionID != nil && *a.VersionID == versionID {
			out = append(out, a)
		}
	}
	return out
}

// check compares the evidence with the entries that point to it and returns
// the first entry (by seq) whose evidence does not match. Evidence that no
// entry points to is reported with seq 0.
func (ev *evidence) check(entries []RecordEntry) (int64, string) {
	seenVersion := map[int64]bool{}
	seenAttachment := map[int64]bool{}
	for _, e := range entries {
		if e.Kind != RecordDraftVersionCreated && e.Kind != RecordAttachmentStored {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err)
		}
		switch e.Kind {
		case RecordDraftVersionCreated:
			v, ok := ev.findVersion(p)
			if !ok {
				return e.Seq, fmt.Sprintf("entry %d: the draft version it records is not stored", e.Seq)
			}
			seenVersion[v.ID] = true
			if problem := ev.checkVersion(e.Seq, p, v); problem != "" {
				return e.Seq, problem
			}
		case RecordAttachmentStored:
			a, ok := ev.findAttachment(p)
			if !ok {
				return e.Seq, fmt.Sprintf("entry %d: the attachment it records is not stored", e.Seq)
			}
			seenAttachment[a.ID] = true
			if problem := checkRecordedAttachment(e.Seq, record.PayloadString(p, "sha256"), a); problem != "" {
				return e.Seq, problem
			}
		}
	}
	for _, v := range ev.versions {
		if !seenVersion[v.ID] {
			return 0, fmt.Sprintf("draft version %d is stored but no %s entry records it", v.Number, RecordDraftVersionCreated)
		}
	}
	// Attachments are recorded either by their own entry or inside the entry
	// of their version (the version's content hash covers their hashes).
	for _, a := range ev.attachments {
		if seenAttachment[a.ID] {
			continue
		}
		if a.ActualHash != a.SHA256 || a.ActualSize != a.Size {
			return 0, fmt.Sprintf("attachment %d: stored bytes do not match its SHA-256 (stored %s…, recomputed %s…)",
				a.ID, record.HashPrefix(a.SHA256), record.HashPrefix(a.ActualHash))
		}
	}
	return 0, ""
}

func (ev *evidence) checkVersion(seq int64, p map[string]any, v storedVersion) string {
	recorded := record.PayloadString(p, "content_hash")
	if recorded != v.ContentHash {
		return fmt.Sprintf("entry %d: draft version %d's stored content hash %s… differs from the recorded %s…", seq, v.Number, record.HashPrefix(v.ContentHash), record.HashPrefix(recorded))
	}
	// The content hash covers the attachments' recorded SHA-256, not their
	// bytes: those are checked at each attachment's own entry.
	atts := ev.versionAttachments(v.ID)
	if ev.recompute != nil {
		if got := ev.recompute(v, atts); got != v.ContentHash {
			return fmt.Sprintf("entry %d: draft version %d's text, explanation, legal basis or attachments do not match its content hash (stored %s…, recomputed %s…)",
				seq, v.Number, record.HashPrefix(v.ContentHash), record.HashPrefix(got))
		}
	}
	return ""
}

func checkRecordedAttachment(seq int64, recorded string, a storedAttachment) string {
	switch {
	case recorded != a.SHA256:
		return fmt.Sprintf("entry %d: attachment %d: stored SHA-256 %s… differs from the recorded %s…", seq, a.ID, record.HashPrefix(a.SHA256), record.HashPrefix(recorded))
	case a.ActualHash != a.SHA256 || a.ActualSize != a.Size:
		return fmt.Sprintf("entry %d: attachment %d: stored bytes do not match the recorded SHA-256 (recorded %s…, recomputed %s…)",
			seq, a.ID, record.HashPrefix(recorded), record.HashPrefix(a.ActualHash))
	}
	return ""
}

// findVersion finds the version an entry names, by id or by number.
func (ev *evidence) findVersion(p map[string]any) (storedVersion, bool) {
	id, hasID := record.PayloadInt(p, "version_id")
	n, hasNumber := record.PayloadInt(p, "number", "version_number", "version")
	for _, v := range ev.versions {
		if (hasID && v.ID == id) || (!hasID && hasNumber && int64(v.Number) == n) {
			return v, true
		}
	}
	return storedVersion{}, false
}

// findAttachment finds the attachment an entry names, by id or, failing
// that, by its hash.
func (ev *evidence) findAttachment(p map[string]any) (storedAttachment, bool) {
	id, hasID := record.PayloadInt(p, "attachment_id", "id")
	sum := record.PayloadString(p, "sha256")
	for _, a := range ev.attachments {
		if (hasID && a.ID == id) || (!hasID && sum != "" && a.SHA256 == sum) {
			return a, true
		}
	}
	return storedAttachment{}, false
}

// versionHasher recomputes a draft version's content hash from its stored
// parts with VersionContentHash: its attachments' digests in upload order
// (by id) with the SHA-256 as stored in the attachment row (the bytes are
// checked against it separately).
func versionHasher(v storedVersion, atts []storedAttachment) string {
	var legal []string
	if err := json.Unmarshal(v.LegalBasis, &legal); err != nil {
		return "legal basis is not a list of strings"
	}
	digests := make([]AttachmentDigest, len(atts))
	for i, a := range atts {
		digests[i] = AttachmentDigest{Filename: a.Filename, SHA256: a.SHA256, Size: a.Size, ContentType: a.ContentType}
	}
	return VersionContentHash(v.Text, v.Explanation, legal, digests)
}

// archiveEvidence rebuilds the evidence check's view from the archive's
// versions/ and attachments/ files.
func archiveEvidence(content map[string][]byte) (*evidence, error) {
	ev := &evidence{recompute: versionHasher}
	bySum := map[string][]byte{}
	for name, data := range content {
		if !strings.HasPrefix(name, "attachments/") {
			continue
		}
		sum, _, ok := strings.Cut(strings.TrimPrefix(name, "attachments/"), "-")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("file %s is not named attachments/<sha256>-<filename>", name)
		}
		bySum[sum] = data
	}
	var paths []string
	for name := range content {
		if strings.HasPrefix(name, "versions/") && path.Base(name) == "version.json" {
			paths = append(paths, name)
		}
	}
	sort.Strings(paths)
	seen := map[int64]bool{}
	for _, p := range paths {
		var v archiveVersion
		if err := json.Unmarshal(content[p], &v); err != nil {
			return nil, fmt.Errorf("file %s cannot be read: %v", p, err)
		}
		text, ok := content[v.TextFile]
		if !ok || v.TextFile != path.Dir(p)+"/text.txt" {
			return nil, fmt.Errorf("file %s names a text file %q that is not in the archive", p, v.TextFile)
		}
		ev.versions = append(ev.versions, storedVersion{ID: v.ID, Number: v.Number, Text: string(text), Explanation: v.Explanation,
			LegalBasis: v.LegalBasis, ContentHash: v.ContentHash})
		for _, a := range v.Attachments {
			ev.attachments = append(ev.attachments, archiveStoredAttachment(a, bySum))
			seen[a.ID] = true
		}
	}
	// Attachments of procedure documents are listed in their JSON.
	for name, data := range content {
		if !strings.HasPrefix(name, "procedure-documents/") {
			continue
		}
		var doc archiveDocument
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("file %s cannot be read: %v", name, err)
		}
		for _, a := range doc.Attachments {
			if !seen[a.ID] {
				ev.attachments = append(ev.attachments, archiveStoredAttachment(a, bySum))
				seen[a.ID] = true
			}
		}
	}
	sort.Slice(ev.attachments, func(i, j int) bool { return ev.attachments[i].ID < ev.attachments[j].ID })
	return ev, nil
}

func archiveStoredAttachment(a archiveAttachment, bySum map[string][]byte) storedAttachment {
	sa := storedAttachment{ID: a.ID, VersionID: a.VersionID, Filename: a.Filename, SHA256: a.SHA256, Size: a.Size,
		ContentType: a.ContentType, ActualHash: "missing from the archive", ActualSize: -1}
	if data, ok := bySum[a.SHA256]; ok {
		sa.ActualHash, sa.ActualSize = record.SHA256Hex(data), int64(len(data))
	}
	return sa
}
