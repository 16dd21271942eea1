package record

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Named chains. Most of the record is one chain per decision; what belongs
// to no decision but must be as tamper-evident (a decision body's yearly
// catalogue of decision items, its adjustments, initiations and the
// proposals of decision items with their answers) is a named chain:
// "<scope>:<id>", e.g. "catalogue:12" for decision body 12. A named chain is
// the same thing as a decision's: entries hash-chained from GenesisHash,
// evidence binding rows, checks registered for its scope, its head logged
// in the signed tree heads, verified by the same code (VerifyNamed). Its
// entries have DecisionID 0 and Chain set; EntryHash hashes the name where
// a decision's entry hashes the decision's id, so existing entries keep
// their hashes.

// ChainName is the name of the named chain of scope (lower-case letters
// and underscores) and id.
func ChainName(scope string, id int64) string { return scope + ":" + strconv.FormatInt(id, 10) }

// ParseChainName splits a chain name into its scope and id.
func ParseChainName(name string) (scope string, id int64, ok bool) {
	scope, num, found := strings.Cut(name, ":")
	if !found || scope == "" || strings.Trim(scope, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return "", 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id < 1 || strconv.FormatInt(id, 10) != num {
		return "", 0, false
	}
	return scope, id, true
}

// chainKey names the chain an operation is on: a decision's (name empty)
// or a named chain.
type chainKey struct {
	decision int64
	name     string
}

func decisionChain(id int64) chainKey { return chainKey{decision: id} }

// where is the condition on record_entries (or record_log_leaves) that
// selects the chain's rows, with its argument as $n.
func (k chainKey) where(n int) (string, any) {
	if k.name != "" {
		return fmt.Sprintf("chain = $%d", n), k.name
	}
	return fmt.Sprintf("decision_id = $%d AND chain = ''", n), k.decision
}

// scope is the scope of the checks that run on the chain ("" for a
// decision's) and id the id they are given.
func (k chainKey) scope() (string, int64) {
	if k.name == "" {
		return "", k.decision
	}
	scope, id, _ := ParseChainName(k.name)
	return scope, id
}

// chainLockClass is the first key of the advisory lock that orders appends
// to a named chain (no row stands for the chain to lock); the second is the
// hash of its name. The (chain, seq) unique index is the backstop.
const chainLockClass = 7162027

// LockChain takes the lock that orders appends to a named chain, until
// the end of tx (AppendEntry takes it; a caller that reads the chain
// before appending takes it first).
func LockChain(ctx context.Context, tx Querier, chain string) error {
	if err := checkChainName(chain); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, chainLockClass, chain); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// ChainEntries loads every entry of a named chain, in order.
func ChainEntries(ctx context.Context, q Querier, chain string) ([]Entry, error) {
	return chainEntries(ctx, q, chainKey{name: chain})
}

func chainEntries(ctx context.Context, q Querier, k chainKey) ([]Entry, error) {
	cond, arg := k.where(1)
	return queryEntries(ctx, q, `SELECT `+Columns+` FROM record_entries WHERE `+cond+` ORDER BY seq`, arg)
}

// NamedChains lists the ids of the named chains of scope that have
// entries, in order.
func NamedChains(ctx context.Context, q Querier, scope string) ([]int64, error) {
	names, err := pgrows.Column[string](ctx, q, `SELECT DISTINCT chain FROM record_entries WHERE chain LIKE $1 || ':%' ORDER BY chain`, scope)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, n := range names {
		if s, id, ok := ParseChainName(n); ok && s == scope {
			out = append(out, id)
		}
	}
	return out, nil
}

// checkChainName refuses a malformed name (the table's CHECK is the
// backstop).
func checkChainName(name string) error {
	if _, _, ok := ParseChainName(name); !ok {
		return errs.Internal(fmt.Errorf("record: %q is not a chain name (scope:id)", name))
	}
	return nil
}
