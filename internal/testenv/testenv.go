// Package testenv starts the whole service for a test: a fresh PostgreSQL
// database (pgtest), the real services and the real HTTP handler on an
// httptest server, with an injected clock and a capturing SMS sender (the
// one fake: SMS is an external boundary).
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/internal/server"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/notify"
	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/survey"
)

// Clock is a settable clock shared by the services of an Env.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// SMS captures verification codes instead of sending them.
type SMS struct {
	mu    sync.Mutex
	codes map[string]string
	texts map[string][]string
	fail  bool
	// drain sends the codes waiting to be sent, as the job that sends
	// them would (New sets it).
	drain func()
}

// errGatewayDown is what a failing gateway answers (FailCodes).
var errGatewayDown = errors.New("testenv: the SMS gateway is down")

// SendVerificationCode records the code for the phone, or fails while
// FailCodes is on.
func (s *SMS) SendVerificationCode(_ context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errGatewayDown
	}
	if s.codes == nil {
		s.codes = map[string]string{}
	}
	s.codes[phone] = code
	return nil
}

// FailCodes makes the gateway refuse every verification code (on) or
// accept them again (off), as a gateway that is down.
func (s *SMS) FailCodes(on bool) {
	s.mu.Lock()
	s.fail = on
	s.mu.Unlock()
}

// SendText records a notification text for the phone (notify.TextSender).
func (s *SMS) SendText(_ context.Context, phone, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.texts == nil {
		s.texts = map[string][]string{}
	}
	s.texts[phone] = append(s.texts[phone], text)
	return nil
}

// Texts returns the notification texts sent to phone, oldest first.
func (s *SMS) Texts(phone string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.texts[phone]...)
}

// Code returns the last code sent to phone, after sending the codes that
// wait to be sent (registration, resend and password-reset codes are sent
// by a job after the answer), as a resident reads the SMS a moment later.
func (s *SMS) Code(phone string) string {
	s.mu.Lock()
	drain := s.drain
	s.mu.Unlock()
	if drain != nil {
		drain()
	}
	return s.Delivered(phone)
}

// Delivered returns the last code the gateway received for phone, sending
// nothing that waits.
func (s *SMS) Delivered(phone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codes[phone]
}

// Env is a running service for one test: Deps are what its handler was
// built with, the domain services on the Env's clock. Notify is the inbox
// only until a test sets Notify.Mailer, and its jobs are queued, not worked
// (notifytest starts workers); Supervision and OpenData stay nil here (the
// handler builds its own).
type Env struct {
	server.Deps
	T           testing.TB
	DatabaseURL string
	Server      *httptest.Server
	URL         string
	Clock       *Clock
	SMS         *SMS
	Logs        *SyncBuffer
	// Index is the public search index (the embedded backend in a temporary
	// directory) behind a switch that simulates an outage; StaffIndex is
	// the index of search-agency-comments. No indexer runs in the
	// background: tests call DrainSearch (or Indexer.DrainOnce) to apply
	// the outbox when they want to.
	Index      *StoppableIndex
	StaffIndex *StoppableIndex
	// SurveyKey is the survey respondent key: in production a file outside
	// the database (survey.LoadOrCreateRespondentKey), here random per Env.
	SurveyKey []byte
}

// StoppableIndex is a search backend that can be switched off: while
// stopped, every call fails with search.ErrUnavailable and Health is not
// OK, as when a Meilisearch server is down.
type StoppableIndex struct {
	search.Index
	down atomic.Bool
}

// Stop makes the backend unavailable; Start brings it back.
func (s *StoppableIndex) Stop() { s.down.Store(true) }

// Start brings the backend back.
func (s *StoppableIndex) Start() { s.down.Store(false) }

// Snippets passes the grouped search's snippet requests to the wrapped
// index.
func (s *StoppableIndex) Snippets(q search.Query, hits []search.Hit) {
	if sn, ok := s.Index.(interface {
		Snippets(search.Query, []search.Hit)
	}); ok {
		sn.Snippets(q, hits)
	}
}

// SetSynonyms passes staff's near-synonym groups to the wrapped index.
func (s *StoppableIndex) SetSynonyms(extra [][]string) {
	if st, ok := s.Index.(interface{ SetSynonyms([][]string) }); ok {
		st.SetSynonyms(extra)
	}
}

func (s *StoppableIndex) err() error {
	if s.down.Load() {
		return fmt.Errorf("%w: stopped by the test", search.ErrUnavailable)
	}
	return nil
}

// Upsert implements search.Index.
func (s *StoppableIndex) Upsert(ctx context.Context, docs []search.Document) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Index.Upsert(ctx, docs)
}

// Delete implements search.Index.
func (s *StoppableIndex) Delete(ctx context.Context, ids []string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Index.Delete(ctx, ids)
}

// Search implements search.Index.
func (s *StoppableIndex) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := s.err(); err != nil {
		return search.Result{}, err
	}
	return s.Index.Search(ctx, q)
}

// Health implements search.Index.
func (s *StoppableIndex) Health(ctx context.Context) search.Health {
	if s.down.Load() {
		return search.Health{OK: false, Backend: "embedded", Detail: "stopped by the test"}
	}
	return s.Index.Health(ctx)
}

// DrainSearch applies every due outbox row to the search index, as the
// background indexer would.
func (e *Env) DrainSearch() {
	e.T.Helper()
	if err := e.Indexer.Drain(context.Background()); err != nil {
		e.T.Fatalf("drain search outbox: %v", err)
	}
}

func newIndex(tb testing.TB, dir string) *StoppableIndex {
	tb.Helper()
	idx, err := search.NewEmbedded(dir)
	if err != nil {
		tb.Fatalf("embedded search index: %v", err)
	}
	if err := idx.ApplySettings(context.Background()); err != nil {
		tb.Fatalf("search settings: %v", err)
	}
	tb.Cleanup(func() { idx.Close() })
	return &StoppableIndex{Index: idx}
}

// SyncBuffer is a goroutine-safe log buffer.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was logged.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// New starts the service on a fresh database. The clock starts at the
// real current time, truncated to the second.
func New(tb testing.TB) *Env {
	tb.Helper()
	identity.UseCheapPasswordHashes()
	url := pgtest.NewURL(tb)
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	e := &Env{Deps: server.Deps{DB: db}, T: tb, DatabaseURL: url, Clock: &Clock{t: time.Now().UTC().Truncate(time.Second)}, SMS: &SMS{}, Logs: &SyncBuffer{}}
	logger := obs.NewLogger(e.Logs, "debug")
	e.Identity = identity.NewService(db, e.SMS)
	e.Identity.Now = e.Clock.Now
	e.Consultation = consultation.NewService(db, nil)
	e.Consultation.Now = e.Clock.Now
	e.Consultation.Calendar.Builtin = testCalendar(e.Clock.Now())
	e.Consultation.Passwords = e.Identity
	e.Consultation.Audit = e.Identity
	e.Consultation.SigningKeys.SMS = e.SMS
	if e.Consultation.Signer, err = record.GenerateSigner(); err != nil {
		tb.Fatal(err)
	}
	runner, err := jobs.New(db, e.Consultation, logger, false)
	if err != nil {
		tb.Fatal(err)
	}
	e.Consultation.Scheduler = runner
	// Codes are queued as in production; Code sends them as their job
	// would, when a test reads one.
	e.Identity.Codes = runner
	e.SMS.drain = func() { e.Identity.SendPendingCodes(context.Background()) }
	e.Survey = survey.NewService(db, e.Consultation, runner)
	e.Survey.Now = e.Clock.Now
	e.SurveyKey = make([]byte, 32)
	rand.Read(e.SurveyKey)
	if e.Survey.Keys, err = survey.OpenRespondentKeys(context.Background(), db, e.SurveyKey); err != nil {
		tb.Fatal(err)
	}
	e.Hearing = hearing.NewService(db, e.Consultation, e.SMS)
	e.Hearing.Now = e.Clock.Now
	e.Themes = themes.NewService(db, e.Consultation)
	e.Themes.Now = e.Clock.Now
	e.Themes.Opinions = e.Hearing
	dir := tb.TempDir()
	e.Index, e.StaffIndex = newIndex(tb, filepath.Join(dir, "public")), newIndex(tb, filepath.Join(dir, "staff"))
	e.Indexer = search.NewIndexer(db, e.Index, e.StaffIndex, logger)
	e.Indexer.Now = e.Clock.Now
	e.Search = &search.Service{DB: db, Index: e.Index, Staff: e.StaffIndex, Consultation: e.Consultation, Audit: e.Identity}
	e.Catalogue = catalogue.NewService(db, e.Consultation)
	e.Catalogue.Now = e.Clock.Now
	e.Implementation = implementation.NewService(db, e.Consultation)
	e.Implementation.Now = e.Clock.Now
	e.Integrations = integrations.New(db, e.Consultation, e.Identity)
	e.Integrations.Now = e.Clock.Now
	e.Catalogue.OrganisationNamed = e.Integrations.VerifiedOrganisationNamed
	e.Notify = notify.NewService(db)
	e.Notify.Now, e.Notify.SMS, e.Notify.Queue, e.Notify.Logger = e.Clock.Now, e.SMS, runner.Client(), logger
	e.Calendar, e.Logger = e.Consultation.Calendar, logger
	h := server.New(e.Deps)
	e.Server = httptest.NewServer(h)
	e.URL = e.Server.URL
	e.Notify.BaseURL = e.URL
	tb.Cleanup(func() {
		e.Server.Close()
		db.Close()
		if tb.Failed() {
			tb.Logf("service log:\n%s", tail(e.Logs.String(), 4000))
		}
	})
	_ = slog.Default
	return e
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// Agency creates an agency.
func (e *Env) Agency(code, name string, kind identity.AgencyKind) identity.Agency {
	e.T.Helper()
	a, err := e.Identity.CreateAgency(context.Background(), nil, identity.AgencyInput{Code: code, Name: name, Kind: kind})
	if err != nil {
		e.T.Fatalf("create agency %s: %v", code, err)
	}
	return a
}

var accountSeq struct {
	sync.Mutex
	n int
}

// Password is the password of every account Account creates.
const Password = "correct-horse-9"

// Account creates a verified account of the role (tied to agencyCode for
// staff roles) and signs it in, returning the account and its token.
func (e *Env) Account(role identity.Role, agencyCode string) (identity.Account, string) {
	e.T.Helper()
	accountSeq.Lock()
	accountSeq.n++
	n := accountSeq.n
	accountSeq.Unlock()
	phone := fmt.Sprintf("139%08d", n)
	a, err := e.Identity.CreateAccount(context.Background(), nil, identity.AccountInput{Role: role, Phone: phone,
		DisplayName: fmt.Sprintf("测试%s%d", role, n), AgencyCode: agencyCode, Password: Password})
	if err != nil {
		e.T.Fatalf("create account: %v", err)
	}
	s, err := e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: phone, Password: Password, ClientAddr: "test"})
	if err != nil {
		e.T.Fatalf("sign in: %v", err)
	}
	return a, s.Token
}

// Response is an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Code returns the problem `code` of an error answer.
func (r *Response) Code() string {
	var p struct {
		Code string `json:"code"`
	}
	json.Unmarshal(r.Body, &p)
	return p.Code
}

// Do sends a request to the API (path relative to /api/v1 when it does not
// start with /api or /) with an optional bearer token and JSON body (a
// string or []byte body is sent as is).
func (e *Env) Do(method, path, token string, body any) *Response {
	e.T.Helper()
	return e.DoHeaders(method, path, token, body, nil)
}

// DoHeaders is Do with extra request headers.
func (e *Env) DoHeaders(method, path, token string, body any, headers map[string]string) *Response {
	e.T.Helper()
	if !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/healthz") && !strings.HasPrefix(path, "/readyz") && !strings.HasPrefix(path, "/metrics") {
		path = "/api/v1" + path
	}
	return Send(e.T, e.URL, method, path, token, body, headers)
}

// Send sends a request to baseURL+path with an optional bearer token, JSON
// body (a string or []byte body is sent as is) and extra headers: the
// request of Env.Do, for a test that talks to a server of its own.
func Send(tb testing.TB, baseURL, method, path, token string, body any, headers map[string]string) *Response {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, baseURL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Expect fails the test unless the response has the status (and, when
// code is not empty, the problem code).
func (r *Response) Expect(tb testing.TB, status int, code string) *Response {
	tb.Helper()
	if r.Status != status || (code != "" && r.Code() != code) {
		tb.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Body)
	}
	return r
}

// testCalendar is the shipped calendar plus, for this year and the next
// when their State Council notice is not shipped, a notice that assumes no
// holidays, so that tests whose clock runs weeks ahead (into a year not
// yet covered) are not refused with calendar_not_covered. Its version says
// so. Tests of the coverage rule save a calendar of their own.
func testCalendar(now time.Time) *workday.Calendar {
	d := workday.Default().Data()
	base := workday.Default()
	added := false
	for y := now.Year(); y <= now.Year()+1; y++ {
		if base.Covers(time.Date(y, 6, 1, 0, 0, 0, 0, workday.Location())) {
			continue
		}
		d.Notices = append(d.Notices, workday.HolidayNotice{Year: y, Title: "测试用：假定" + strconv.Itoa(y) + "年无节假日",
			Number: "测试数据", Note: "Test data only: the year's notice is not shipped."})
		added = true
	}
	if !added {
		return nil
	}
	d.Version += "+test"
	c, err := workday.New(d)
	if err != nil {
		panic(err)
	}
	return &c
}
