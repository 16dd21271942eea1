package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/canyu-gov/canyu/internal/meilifake"
)

// runFakeMeili is `canyu-load fake-meili`: serve until SIGTERM or SIGINT,
// then save the documents to --data.
func runFakeMeili(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("canyu-load fake-meili", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:7700", "listen address")
	data := fs.String("data", "", "file the documents are saved to on SIGTERM and loaded from at start (empty: memory only)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	f := meilifake.New()
	if *data != "" {
		if err := f.Load(*data); err != nil {
			return err
		}
	}
	if err := f.Start(*addr); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "fake-meili: listening on %s (%d documents loaded)\n", strings.TrimPrefix(f.URL(), "http://"), f.DocCount("canyu"))
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	f.Stop()
	if *data != "" {
		if err := f.Save(*data); err != nil {
			return err
		}
	}
	searches, writes := f.Counts()
	fmt.Fprintf(os.Stderr, "fake-meili: stopped after %d searches and %d writes\n", searches, writes)
	return nil
}
