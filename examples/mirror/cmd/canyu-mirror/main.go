// Command canyu-mirror mirrors canyu's public data into a JSON Lines file:
// from the newest signed bulk export (or from nothing with -export=0), then
// through the change feed, every -every until stopped.
//
//	go run ./examples/mirror/cmd/canyu-mirror -server https://canyu.example.gov.cn -out mirror.jsonl
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/canyu-gov/canyu/examples/mirror"
)

func main() {
	server := flag.String("server", "http://localhost:8080", "canyu base URL")
	out := flag.String("out", "mirror.jsonl", "where to write the copy (one object a line)")
	fromExport := flag.Bool("export", true, "start from the newest bulk export")
	every := flag.Duration("every", time.Minute, "how often to poll the change feed; 0: once")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m := mirror.New(*server)
	if *fromExport {
		id, err := newestExport(ctx, *server)
		if err != nil {
			log.Fatal(err)
		}
		if id != 0 {
			if err := m.LoadExport(ctx, id); err != nil {
				log.Fatal(err)
			}
			log.Printf("loaded export %d: %d objects, feed from %d", id, len(m.Objects), m.Since)
		}
	}
	for {
		n, err := m.Sync(ctx)
		if err != nil {
			log.Print(err)
		} else if n > 0 {
			log.Printf("applied %d changes; %d objects; at %d", n, len(m.Objects), m.Since)
			if err := write(*out, m); err != nil {
				log.Fatal(err)
			}
		}
		if *every == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(*every):
		}
	}
}

func newestExport(ctx context.Context, server string) (int64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, server+"/api/v1/open-data/exports?limit=1", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var list struct {
		Exports []struct {
			ID int64 `json:"id"`
		} `json:"exports"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		return 0, err
	}
	if len(list.Exports) == 0 {
		return 0, nil
	}
	return list.Exports[0].ID, nil
}

func write(path string, m *mirror.Mirror) error {
	keys := make([]mirror.Key, 0, len(m.Objects))
	for k := range m.Objects {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Kind != keys[j].Kind {
			return keys[i].Kind < keys[j].Kind
		}
		return keys[i].ID < keys[j].ID
	})
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, k := range keys {
		fmt.Fprintf(w, `{"kind":%q,"data":%s}`+"\n", k.Kind, m.Objects[k])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
