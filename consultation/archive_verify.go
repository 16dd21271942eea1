package consultation

import (
	"archive/zip"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// ErrNotArchive is returned by VerifyArchive when the file is not a ZIP or
// has no readable manifest.json: it is not an archive package at all.
var ErrNotArchive = errors.New("not a canyu decision archive")

// VerifyArchive checks an exported archive offline, with no database: every
// file the manifest lists is present with its SHA-256 and size and no file
// is unlisted, the hash chain of record.json recomputes and ends in the
// manifest's last entry hash, each draft_version_created entry matches its
// version's content hash, each attachment_stored entry has its file, and
// every signed entry's signature verifies with the archive's public key
// (public-key.pem, named in the manifest).
// A broken archive is a result with OK false naming the first problem (and
// the entry's seq when an entry is at fault); the error (wrapping
// ErrNotArchive) is only for a file that cannot be read as an archive.
func VerifyArchive(r io.ReaderAt, size int64) (VerifyResult, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("%w: %v", ErrNotArchive, err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	mf := files["manifest.json"]
	if mf == nil {
		return VerifyResult{}, fmt.Errorf("%w: manifest.json is missing", ErrNotArchive)
	}
	raw, err := readZipFile(mf)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("%w: manifest.json: %v", ErrNotArchive, err)
	}
	var m ArchiveManifest
	if err := json.Unmarshal(raw, &m); err != nil || m.Format != ArchiveFormat {
		return VerifyResult{}, fmt.Errorf("%w: manifest.json is not a %s manifest", ErrNotArchive, ArchiveFormat)
	}
	res := VerifyResult{DecisionID: m.DecisionID}
	fail := func(seq int64, format string, args ...any) (VerifyResult, error) {
		res.OK, res.FirstBadSeq, res.Problem, res.LastHash = false, seq, fmt.Sprintf(format, args...), ""
		return res, nil
	}

	// 1. Every file is what the manifest says, and nothing is added.
	content := map[string][]byte{}
	listed := map[string]bool{"manifest.json": true}
	for _, lf := range m.Files {
		listed[lf.Path] = true
		f := files[lf.Path]
		if f == nil {
			return fail(0, "file %s listed in the manifest is missing", lf.Path)
		}
		data, err := readZipFile(f)
		if err != nil {
			return fail(0, "file %s cannot be read: %v", lf.Path, err)
		}
		if got := SHA256Hex(data); got != lf.SHA256 || int64(len(data)) != lf.Size {
			return fail(0, "file %s does not match the manifest (SHA-256 %s…, manifest %s…)", lf.Path, hashPrefix(got), hashPrefix(lf.SHA256))
		}
		content[lf.Path] = data
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !listed[name] && !strings.HasSuffix(name, "/") {
			return fail(0, "file %s is not listed in the manifest", name)
		}
	}

	// 2. The record's chain recomputes and ends where the manifest says.
	var rec archiveRecord
	if err := json.Unmarshal(content["record.json"], &rec); err != nil {
		return fail(0, "record.json cannot be read: %v", err)
	}
	if rec.DecisionID != m.DecisionID {
		return fail(0, "record.json is the record of decision %d, the manifest names decision %d", rec.DecisionID, m.DecisionID)
	}
	for _, e := range rec.Entries {
		if e.DecisionID != m.DecisionID {
			return fail(e.Seq, "entry %d belongs to decision %d", e.Seq, e.DecisionID)
		}
	}
	res = VerifyChain(m.DecisionID, rec.Entries)
	if !res.OK {
		return res, nil
	}
	if len(rec.Entries) != m.RecordEntries || res.LastHash != m.LastEntryHash && !(len(rec.Entries) == 0 && m.LastEntryHash == GenesisHash) {
		return fail(0, "record.json has %d entries ending in %s…, the manifest says %d ending in %s…",
			len(rec.Entries), hashPrefix(res.LastHash), m.RecordEntries, hashPrefix(m.LastEntryHash))
	}

	// 3. The evidence the record points to is in the archive.
	ev, err := archiveEvidence(content)
	if err != nil {
		return fail(0, "%v", err)
	}
	if seq, problem := ev.check(rec.Entries); problem != "" {
		return fail(seq, "%s", problem)
	}

	// 4. Signatures verify with the archive's public key, which the
	// manifest names too.
	var pub ed25519.PublicKey
	if pemData, ok := content[ArchivePublicKeyFile]; ok {
		if pub, err = ParsePublicKeyPEM(pemData); err != nil {
			return fail(0, "%s cannot be read: %v", ArchivePublicKeyFile, err)
		}
		if KeyID(pub) != m.SigningKeyID || base64.StdEncoding.EncodeToString(pub) != m.PublicKey {
			return fail(0, "%s (key %s) differs from the key the manifest names (%s)", ArchivePublicKeyFile, KeyID(pub), m.SigningKeyID)
		}
		res.SignerKey = m.SigningKeyID
	}
	seq, problem, n := checkSignatures(rec.Entries, pub)
	if problem != "" {
		return fail(seq, "%s", problem)
	}
	res.Signatures = n
	return res, nil
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
		sa.ActualHash, sa.ActualSize = SHA256Hex(data), int64(len(data))
	}
	return sa
}

// readZipFile reads one file, bounded so a forged size cannot exhaust
// memory; the ZIP reader checks the CRC-32 at the end.
func readZipFile(f *zip.File) ([]byte, error) {
	const limit = 64 << 20 // well above the largest file an archive holds (20 MiB attachments)
	if f.UncompressedSize64 > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}
