package record

import "fmt"

// VerifyResult is the outcome of verifying a decision's record.
type VerifyResult struct {
	DecisionID int64 `json:"decision_id"`
	// Chain names the named chain verified (chains.go); DecisionID is then 0.
	Chain       string `json:"chain,omitempty"`
	Entries     int    `json:"entries"`
	OK          bool   `json:"ok"`
	FirstBadSeq int64  `json:"first_bad_seq,omitempty"`
	Problem     string `json:"problem,omitempty"`
	LastHash    string `json:"last_hash,omitempty"`
	// Signatures is how many entry signatures were checked, and SignerKey
	// the id of the platform key of the latest one (every key the platform
	// ever published is accepted; list-record-signing-keys names them).
	Signatures int    `json:"signatures"`
	SignerKey  string `json:"signer_key,omitempty"`
	// Evidence is how many rows bound to entries were re-read and matched.
	Evidence int `json:"evidence"`
	// Anchored is how many of the decision's logged chain heads were
	// checked against a signed tree head (offline: by inclusion proof).
	Anchored int `json:"anchored"`
	// PersonalSignatures is how many steps signed with the signer's own
	// key verified (personal.go), and PersonalKeys the ids of those keys.
	PersonalSignatures int      `json:"personal_signatures"`
	PersonalKeys       []string `json:"personal_keys,omitempty"`
	// OnlineOnly lists, for an archive verified offline, the checks that
	// need the platform's database and so were not run (Check.Label): the
	// archive does not hold the rows they re-read.
	OnlineOnly []string `json:"online_only,omitempty"`
}

// fail records the first problem: one at an earlier entry wins over one at
// a later entry; a problem no entry is at (seq 0) only when none is known.
func (r *VerifyResult) fail(seq int64, problem string) {
	if problem == "" {
		return
	}
	if r.OK || (seq != 0 && (r.FirstBadSeq == 0 || seq < r.FirstBadSeq)) {
		r.OK, r.FirstBadSeq, r.Problem, r.LastHash = false, seq, problem, ""
	}
}

// VerifyChain recomputes the hash chain of entries (ordered by seq) and
// names the first broken entry.
func VerifyChain(decisionID int64, entries []Entry) VerifyResult {
	r := VerifyResult{DecisionID: decisionID, Entries: len(entries), OK: true}
	prev := GenesisHash
	for i, e := range entries {
		fail := func(msg string) VerifyResult {
			r.OK, r.FirstBadSeq, r.Problem = false, e.Seq, msg
			return r
		}
		if e.Seq != int64(i+1) {
			return fail(fmt.Sprintf("entry %d: sequence number %d where %d was expected (an entry is missing or inserted)", e.Seq, e.Seq, i+1))
		}
		if e.PrevHash != prev {
			return fail(fmt.Sprintf("entry %d: previous-entry hash does not match entry %d", e.Seq, e.Seq-1))
		}
		if got := EntryHash(e); got != e.EntryHash {
			return fail(fmt.Sprintf("entry %d: content does not match its hash (stored %s…, recomputed %s…)", e.Seq, HashPrefix(e.EntryHash), HashPrefix(got)))
		}
		prev = e.EntryHash
	}
	r.LastHash = prev
	return r
}
