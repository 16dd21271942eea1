// Command canyu-webhook-receiver listens for canyu's webhook deliveries,
// verifies them and prints each event once:
//
//	go run ./examples/webhookreceiver/cmd/canyu-webhook-receiver -addr :9090 -secret whsec_…
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"github.com/canyu-gov/canyu/examples/webhookreceiver"
)

func main() {
	addr := flag.String("addr", ":9090", "address to listen on")
	secret := flag.String("secret", "", "the webhook's signing secret (shown once by create-webhook)")
	flag.Parse()
	if *secret == "" {
		log.Fatal("-secret is required")
	}
	rv := &webhookreceiver.Receiver{Secret: *secret, Handle: func(id int64, e webhookreceiver.Event) {
		fmt.Printf("delivery %d: event %d %s (decision %d) %s\n", id, e.ID, e.Kind, e.DecisionID, e.Payload)
	}}
	log.Fatal(http.ListenAndServe(*addr, rv))
}
