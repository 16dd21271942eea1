package record

import (
	"archive/zip"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ErrNotArchive is returned by VerifyArchive when the file is not a ZIP or
// has no readable manifest.json: it is not an archive package at all.
var ErrNotArchive = errors.New("not a canyu decision archive")

// VerifyArchive checks an exported archive offline, with no database: every
// file the manifest lists is present with its SHA-256 and size and no file
// is unlisted, the hash chain of record.json recomputes and ends in the
// manifest's last entry hash, // every signed entry's signature verifies with a key the archive carries
// (public-key.pem and the manifest's signing_keys), every row an entry
// binds is in evidence/ with its recorded hash, and the registered checks
// pass on the archive's files.
// A broken archive is a result with OK false naming the first problem (and
// the entry's seq when an entry is at fault); the error (wrapping
// ErrNotArchive) is only for a file that cannot be read as an archive.
// The checks that re-read rows the archive does not hold run only online:
// the result lists them (OnlineOnly), so that no one takes an archive that
// verifies for a record whose every check passed.
func VerifyArchive(r io.ReaderAt, size int64) (VerifyResult, error) {
	res, err := verifyArchive(r, size)
	if err == nil {
		scope, _ := chainKey{name: res.Chain}.scope()
		res.OnlineOnly = onlineOnlyChecks(scope)
	}
	return res, err
}

func verifyArchive(r io.ReaderAt, size int64) (VerifyResult, error) {
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
	res := VerifyResult{DecisionID: m.DecisionID, Chain: m.Chain}
	k := chainKey{decision: m.DecisionID, name: m.Chain}
	if m.Chain != "" && (m.DecisionID != 0 || checkChainName(m.Chain) != nil) {
		return VerifyResult{}, fmt.Errorf("%w: manifest.json names the chain %q of decision %d", ErrNotArchive, m.Chain, m.DecisionID)
	}
	scope, _ := k.scope()
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
			return fail(0, "file %s does not match the manifest (SHA-256 %s…, manifest %s…)", lf.Path, HashPrefix(got), HashPrefix(lf.SHA256))
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
	if rec.DecisionID != m.DecisionID || rec.Chain != m.Chain {
		return fail(0, "record.json is the record of decision %d %s, the manifest names decision %d %s", rec.DecisionID, rec.Chain,
			m.DecisionID, m.Chain)
	}
	for _, e := range rec.Entries {
		if e.DecisionID != m.DecisionID || e.Chain != m.Chain {
			return fail(e.Seq, "entry %d belongs to decision %d %s", e.Seq, e.DecisionID, e.Chain)
		}
	}
	res = VerifyChain(m.DecisionID, rec.Entries)
	res.Chain = m.Chain
	if !res.OK {
		return res, nil
	}
	if len(rec.Entries) != m.RecordEntries || res.LastHash != m.LastEntryHash && !(len(rec.Entries) == 0 && m.LastEntryHash == GenesisHash) {
		return fail(0, "record.json has %d entries ending in %s…, the manifest says %d ending in %s…",
			len(rec.Entries), HashPrefix(res.LastHash), m.RecordEntries, HashPrefix(m.LastEntryHash))
	}

	// 3. Signatures verify with the keys the archive carries: every key
	// the platform published (rotation), each under its own id, and
	// public-key.pem, the key the manifest names as current.
	ring := Keyring{}
	if pemData, ok := content[ArchivePublicKeyFile]; ok {
		pub, err := ParsePublicKeyPEM(pemData)
		if err != nil {
			return fail(0, "%s cannot be read: %v", ArchivePublicKeyFile, err)
		}
		if KeyID(pub) != m.SigningKeyID || base64.StdEncoding.EncodeToString(pub) != m.PublicKey {
			return fail(0, "%s (key %s) differs from the key the manifest names (%s)", ArchivePublicKeyFile, KeyID(pub), m.SigningKeyID)
		}
		ring.Add(pub)
	}
	for _, k := range m.SigningKeys {
		raw, err := base64.StdEncoding.DecodeString(k.PublicKey)
		if err != nil || len(raw) != ed25519.PublicKeySize || KeyID(raw) != k.KeyID {
			return fail(0, "manifest.json: signing key %s is not the Ed25519 key of that id", k.KeyID)
		}
		ring.Add(raw)
	}
	seq, problem, n, key := CheckSignatures(rec.Entries, ring)
	res.Signatures, res.SignerKey = n, key
	res.fail(seq, problem)

	// Steps signed with the signers' own keys verify with the keys the
	// archive carries (signer-keys.json).
	personal := map[string]PersonalKey{}
	if data, ok := content[ArchiveSignerKeysFile]; ok {
		var list []PersonalKey
		if err := json.Unmarshal(data, &list); err != nil {
			return fail(0, "%s cannot be read: %v", ArchiveSignerKeysFile, err)
		}
		for _, k := range list {
			personal[k.KeyID] = k
		}
	}
	seq, problem, res.PersonalSignatures, res.PersonalKeys = CheckPersonalSignatures(rec.Entries, personal)
	res.fail(seq, problem)

	// The chain heads logged in a signed tree head are the archive's.
	if data, ok := content[ArchiveLogFile]; ok {
		seq, problem, n := checkArchiveLog(data, rec.Entries, ring, k)
		res.Anchored = n
		res.fail(seq, problem)
	}

	// 4. Every row an entry binds is in the archive as it was recorded.
	seq, problem, n, _ = checkEvidence(rec.Entries, func(ev Evidence) ([]byte, bool, error) {
		data, ok := content[EvidencePath(ev.Table, ev.RowID)]
		if !ok && hasherOf(ev.Table, ev.Form) == nil {
			// No hasher of the table, or of the form it was bound in (one
			// that cannot be re-read): the archive holds no file of it.
			return nil, false, errUnregistered
		}
		return data, ok, nil
	})
	res.Evidence = n
	res.fail(seq, problem)

	// 5. The domain's own checks (draft versions and attachments, the
	// comments' checkpoints). Those that re-read rows the archive does not
	// hold run only online; VerifyArchive names them (OnlineOnly).
	for _, c := range registeredChecks() {
		if c.Offline != nil && c.Scope == scope {
			seq, problem := c.Offline(content, rec.Entries)
			res.fail(seq, problem)
		}
	}
	return res, nil
}

// OnlineOnlyChecks lists, by their Chinese labels, the checks of a
// decision's record that run only online, against the platform's
// database: an archive verified offline does not run them.
func OnlineOnlyChecks() []string { return onlineOnlyChecks("") }

// onlineOnlyChecks lists those of the chains of scope ("" a decision's).
func onlineOnlyChecks(scope string) []string {
	var out []string
	for _, c := range registeredChecks() {
		if c.Scope == scope && c.Online != nil && c.Offline == nil {
			label := c.Label
			if label == "" {
				label = c.Name
			}
			out = append(out, label)
		}
	}
	sort.Strings(out)
	return out
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

// checkArchiveLog checks the archive's tree head and inclusion proofs: the
// head is signed by a key the archive carries, each leaf is in the tree by
// its audit path, and the chain entry it names has the logged hash.
func checkArchiveLog(data []byte, entries []Entry, ring Keyring, k chainKey) (int64, string, int) {
	var lg archiveLog
	if err := json.Unmarshal(data, &lg); err != nil {
		return 0, fmt.Sprintf("%s cannot be read: %v", ArchiveLogFile, err), 0
	}
	if err := lg.Head.CheckSignature(ring); err != nil {
		return 0, err.Error(), 0
	}
	rootBytes, err := hex.DecodeString(lg.Head.RootHash)
	if err != nil || len(rootBytes) != 32 {
		return 0, fmt.Sprintf("tree head %d: the root is not a SHA-256", lg.Head.TreeSize), 0
	}
	root := [32]byte(rootBytes)
	n := 0
	for _, l := range lg.Leaves {
		path := make([][32]byte, len(l.AuditPath))
		for i, p := range l.AuditPath {
			b, err := hex.DecodeString(p)
			if err != nil || len(b) != 32 {
				return 0, fmt.Sprintf("tree leaf %d: the audit path is not a list of SHA-256 hashes", l.Index), n
			}
			path[i] = [32]byte(b)
		}
		if l.DecisionID != k.decision || l.Chain != k.name || VerifyInclusion(l.Index, lg.Head.TreeSize, l.Hash(), path, root) != nil {
			return 0, fmt.Sprintf("tree leaf %d: not in the signed tree head %d", l.Index, lg.Head.TreeSize), n
		}
		if l.Seq < 1 || l.Seq > int64(len(entries)) {
			return l.Seq, fmt.Sprintf("entry %d: logged in tree leaf %d, but the record has %d entries: entries were removed", l.Seq, l.Index, len(entries)), n
		}
		if e := entries[l.Seq-1]; e.EntryHash != l.EntryHash {
			return l.Seq, fmt.Sprintf("entry %d: its hash %s… differs from the chain head %s… logged in tree leaf %d: the chain was rewritten at or before it",
				l.Seq, HashPrefix(e.EntryHash), HashPrefix(l.EntryHash), l.Index), n
		}
		n++
	}
	return 0, "", n
}
