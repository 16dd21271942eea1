package webhookreceiver_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/examples/webhookreceiver"
	"github.com/canyu-gov/canyu/integrations"
)

// TestReceiverChecksTheDocumentedScheme: a delivery signed by canyu's
// integrations.Sign passes this receiver, written apart from it from the
// documented scheme; a changed body, a wrong secret and an old timestamp
// are refused; a repeated delivery id is handled once.
func TestReceiverChecksTheDocumentedScheme(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	handled := 0
	rv := &webhookreceiver.Receiver{Secret: "whsec_test", Now: func() time.Time { return now },
		Handle: func(id int64, e webhookreceiver.Event) {
			if id != 7 || e.Kind != "consultation_opened" || e.DecisionID != 3 {
				t.Fatalf("handled %d %+v", id, e)
			}
			handled++
		}}
	body := []byte(`{"delivery_id":7,"webhook_id":1,"event":{"id":5,"kind":"consultation_opened","decision_id":3,"subject_type":"consultation","subject_ids":[9],"payload":{}}}`)
	send := func(secret string, ts time.Time, b []byte) int {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(b))
		req.Header.Set(integrations.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		req.Header.Set(integrations.HeaderSignature, integrations.Sign(secret, ts.Unix(), body))
		w := httptest.NewRecorder()
		rv.ServeHTTP(w, req)
		return w.Code
	}
	if c := send("whsec_test", now, body); c != http.StatusNoContent {
		t.Fatalf("a good delivery: %d", c)
	}
	if c := send("whsec_test", now, body); c != http.StatusNoContent || handled != 1 {
		t.Fatalf("a repeated delivery: %d, handled %d times", c, handled)
	}
	for name, c := range map[string]int{
		"changed body": send("whsec_test", now, append([]byte(nil), bytes.Replace(body, []byte(`"decision_id":3`), []byte(`"decision_id":4`), 1)...)),
		"wrong secret": send("whsec_other", now, body),
		"old":          send("whsec_test", now.Add(-10*time.Minute), body),
	} {
		if c != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, c)
		}
	}
}
