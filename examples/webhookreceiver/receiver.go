// Package webhookreceiver is an example integration (issue 20): an HTTP
// handler that receives canyu's webhook deliveries the way the README and
// the webhook operations describe them, using only the standard library:
//
//  1. Recompute the signature: hex HMAC-SHA256 keyed with the webhook's
//     secret over "<Canyu-Webhook-Timestamp>.<raw body>", compare with
//     Canyu-Webhook-Signature ("v1=<hex>") in constant time.
//  2. Refuse a timestamp more than Tolerance away from now (a replay).
//  3. Handle each Canyu-Webhook-Id once: a retry after a lost answer, or a
//     redelivery, carries the same id; answer 2xx again without redoing it.
//
// The program in cmd/canyu-webhook-receiver runs it and prints each event.
package webhookreceiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Tolerance is how far a delivery's timestamp may be from now.
const Tolerance = 5 * time.Minute

// Event is the event of a delivery.
type Event struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	OccurredAt  time.Time       `json:"occurred_at"`
	DecisionID  int64           `json:"decision_id"`
	SubjectType string          `json:"subject_type"`
	SubjectIDs  []int64         `json:"subject_ids"`
	Payload     json.RawMessage `json:"payload"`
}

// Receiver verifies deliveries and hands each new one to Handle once.
type Receiver struct {
	Secret string
	Handle func(deliveryID int64, e Event)
	// Now is the clock (tests set it).
	Now  func() time.Time
	mu   sync.Mutex
	seen map[int64]bool // a real receiver keeps this in its database
}

// ServeHTTP implements http.Handler.
func (rv *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	now := time.Now
	if rv.Now != nil {
		now = rv.Now
	}
	ts, err := strconv.ParseInt(r.Header.Get("Canyu-Webhook-Timestamp"), 10, 64)
	if err != nil || now().Sub(time.Unix(ts, 0)).Abs() > Tolerance {
		http.Error(w, "stale or missing timestamp", http.StatusUnauthorized)
		return
	}
	mac := hmac.New(sha256.New, []byte(rv.Secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("Canyu-Webhook-Signature"))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var d struct {
		DeliveryID int64 `json:"delivery_id"`
		Event      Event `json:"event"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	rv.mu.Lock()
	if rv.seen == nil {
		rv.seen = map[int64]bool{}
	}
	first := !rv.seen[d.DeliveryID]
	rv.seen[d.DeliveryID] = true
	rv.mu.Unlock()
	if first && rv.Handle != nil {
		rv.Handle(d.DeliveryID, d.Event)
	}
	w.WriteHeader(http.StatusNoContent)
}
