package identity

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// AccountDataEraser clears what one package keeps about an account whose
// personal data is being deleted, inside the deletion's transaction.
type AccountDataEraser func(ctx context.Context, tx pgx.Tx, accountID int64) error

var erasers struct {
	sync.Mutex
	list []AccountDataEraser
}

// RegisterAccountDataEraser adds an eraser DeleteAccountData runs. A package
// that keeps personal data of its own about accounts (notification
// addresses, what a resident follows, their inbox) registers one in its
// init, so that deletion never depends on the deleting package knowing
// every other package's tables.
func RegisterAccountDataEraser(e AccountDataEraser) {
	erasers.Lock()
	defer erasers.Unlock()
	erasers.list = append(erasers.list, e)
}

func runErasers(ctx context.Context, tx pgx.Tx, accountID int64) error {
	erasers.Lock()
	list := append([]AccountDataEraser(nil), erasers.list...)
	erasers.Unlock()
	for _, e := range list {
		if err := e(ctx, tx, accountID); err != nil {
			return err
		}
	}
	return nil
}
