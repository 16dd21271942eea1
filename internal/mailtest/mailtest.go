// Package mailtest runs a real SMTP server for tests and benchmarks:
// mailpit (github.com/axllent/mailpit, a Go tool of this module), started as
// a subprocess on free local ports, with the messages read back through its
// HTTP API.
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Server is a running mailpit.
type Server struct {
	// SMTPURL is the CANYU_SMTP_URL that reaches it; API its HTTP address.
	SMTPURL string
	API     string
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build compiles mailpit once per process (from the Go build cache after
// the first time).
func build() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "canyu-mailpit-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "mailpit")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/axllent/mailpit").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building mailpit: %v: %s", err, out)
		}
	})
	return binary, buildErr
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Start runs a fresh mailpit for the test and stops it at cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := build()
	if err != nil {
		tb.Fatal(err)
	}
	smtpAddr, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	httpAddr, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "--smtp", smtpAddr, "--listen", httpAddr, "--database", filepath.Join(tb.TempDir(), "mailpit.db"),
		"--max", "0", "--quiet", "--disable-version-check")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	s := &Server{SMTPURL: "smtp://" + smtpAddr, API: "http://" + httpAddr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.API + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.Dial("tcp", smtpAddr); err == nil {
					c.Close()
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("mailpit did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Message is one received message.
type Message struct {
	ID      string
	Subject string
	Text    string
	Headers map[string][]string
}

func getJSON(u string, v any) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Count is how many messages mailpit holds.
func (s *Server) Count() (int, error) {
	var list struct {
		Total int `json:"total"`
	}
	err := getJSON(s.API+"/api/v1/messages?limit=1", &list)
	return list.Total, err
}

// To returns the messages sent to address, newest first, with their text
// and headers.
func (s *Server) To(address string) ([]Message, error) {
	var list struct {
		Messages []struct {
			ID      string `json:"ID"`
			Subject string `json:"Subject"`
		} `json:"messages"`
	}
	if err := getJSON(s.API+"/api/v1/search?query="+url.QueryEscape("to:"+address), &list); err != nil {
		return nil, err
	}
	var out []Message
	for _, m := range list.Messages {
		var full struct {
			Text string `json:"Text"`
		}
		if err := getJSON(s.API+"/api/v1/message/"+m.ID, &full); err != nil {
			return nil, err
		}
		var h map[string][]string
		if err := getJSON(s.API+"/api/v1/message/"+m.ID+"/headers", &h); err != nil {
			return nil, err
		}
		out = append(out, Message{ID: m.ID, Subject: m.Subject, Text: full.Text, Headers: h})
	}
	return out, nil
}

// Wait polls until address has at least n messages (or the timeout) and
// returns them, newest first.
func (s *Server) Wait(tb testing.TB, address string, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms, err := s.To(address)
		if err != nil {
			tb.Fatal(err)
		}
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d messages to %s after %s, want %d", len(ms), address, timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
