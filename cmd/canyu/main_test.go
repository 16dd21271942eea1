package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/pgtest"
)

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"openapi", "--help"},
		{"admin", "--help"}, {"admin", "create-agency", "--help"}, {"admin", "create-user", "--help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, envFunc(nil), strings.NewReader(""), &out, io.Discard); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "Usage") {
			t.Errorf("%v: no usage in %q", args, out.String())
		}
	}
	if err := run(context.Background(), []string{"bogus"}, envFunc(nil), nil, io.Discard, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestOpenAPINeedsNoDatabase(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"openapi"}, envFunc(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "operationId: create-session") {
		t.Fatal("spec incomplete")
	}
}

func TestServeRefusesBehindSchema(t *testing.T) {
	url := pgtest.NewEmptyURL(t)
	env := envFunc(map[string]string{"CANYU_DATABASE_URL": url, "CANYU_ADDR": "127.0.0.1:0"})
	err := run(context.Background(), []string{"serve"}, env, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "canyu migrate") {
		t.Fatalf("serve on an empty database: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Migrating twice is harmless.
	if err := run(context.Background(), []string{"migrate"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestAdminCommands(t *testing.T) {
	url := pgtest.NewURL(t)
	env := envFunc(map[string]string{"CANYU_DATABASE_URL": url})
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"admin", "create-agency", "--code", "sfj", "--name", "平顶山市司法局", "--kind", "legality_review"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"admin", "create-agency", "--code", "x", "--name", "坏", "--kind", "nope"}, env, nil, &out, io.Discard); err == nil {
		t.Fatal("bad agency accepted")
	}
	err := run(ctx, []string{"admin", "create-user", "--role", "reviewer", "--email", "Li@Example.gov.cn", "--name", "李审查", "--agency", "sfj", "--password-stdin"},
		env, strings.NewReader("a-good-password\n"), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"admin", "create-user", "--role", "admin", "--email", "a@example.gov.cn", "--name", "管理员"}, env, strings.NewReader("x\n"), &out, io.Discard); err == nil {
		t.Fatal("password flag requirement not enforced")
	}
	if !strings.Contains(out.String(), "created reviewer account") {
		t.Fatalf("output: %s", out.String())
	}
}

// TestServeDrainsOnShutdown starts the service, begins a request, cancels
// the context (what SIGTERM does) while the request is in flight, and checks
// the request still completes and the service stops cleanly.
func TestServeDrainsOnShutdown(t *testing.T) {
	url := pgtest.NewURL(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	m := &Main{Config: Config{DatabaseURL: url, LogLevel: "info", DataDir: t.TempDir()}, Logger: obs.NewLogger(&logs, "info"), Listener: ln}
	ctx, cancel := context.WithCancel(context.Background())
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	// Wait until it serves.
	for i := 0; ; i++ {
		res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i > 50 {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers and half the body: the handler is running, reading the body.
	body := `{"login":"13800000000","password":"not-the-password"}`
	io.WriteString(conn, "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:10])
	time.Sleep(100 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("stopped before the in-flight request finished: %v", err)
	default:
	}
	io.WriteString(conn, body[10:])
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request dropped: %v\n%s", err, logs.String())
	}
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("in-flight request: %d", res.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
	if !strings.Contains(logs.String(), "stopped cleanly") || !strings.Contains(logs.String(), "development sender") {
		t.Fatalf("logs: %s", logs.String())
	}
}
