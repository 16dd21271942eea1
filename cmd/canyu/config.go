package main

import (
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/canyu-gov/canyu/internal/obs"
)

// Config is the service configuration, read only from the environment
// (DESIGN.md, "Contracts"). Secrets also accept a NAME_FILE variant that
// names a file holding the value.
type Config struct {
	Addr        string // CANYU_ADDR, default :8080
	DatabaseURL string // CANYU_DATABASE_URL, required
	DataDir     string // CANYU_DATA_DIR, default ./var
	MeiliURL    string // CANYU_MEILI_URL, Meilisearch on when set
	MeiliKey    string // CANYU_MEILI_KEY
	BaseURL     string // CANYU_BASE_URL, e.g. https://canyu.example.gov.cn
	LogLevel    string // CANYU_LOG_LEVEL: debug, info, warn, error
	// SigningKeyFile is CANYU_SIGNING_KEY_FILE: the PEM (PKCS#8) Ed25519
	// key that signs process-record entries; empty means
	// CANYU_DATA_DIR/signing-key.pem, generated on first start.
	SigningKeyFile string
	// SurveyKeyFile is CANYU_SURVEY_KEY_FILE: the key (hex) of the hash
	// that keeps one response per resident to anonymous surveys without
	// naming them; empty means CANYU_DATA_DIR/survey-respondent.key,
	// generated on first start. Kept out of the database so that a backup
	// of it cannot re-identify anonymous responses (survey/respondent_key.go).
	SurveyKeyFile string
	// TrustedProxies is CANYU_TRUSTED_PROXIES: the CIDRs of reverse
	// proxies whose X-Forwarded-For is believed; empty: nobody's.
	TrustedProxies []netip.Prefix
	// MetricsToken is CANYU_METRICS_TOKEN: the bearer token /metrics
	// requires; empty: /metrics answers loopback peers only.
	MetricsToken string
	// SMTPURL is CANYU_SMTP_URL (smtp://user:pass@host:587 or
	// smtps://host:465): e-mail notifications; empty: the inbox only.
	// MailFrom is CANYU_MAIL_FROM, the sender address.
	SMTPURL  string
	MailFrom string
	// WebhookAllowPrivate is CANYU_WEBHOOK_ALLOW_PRIVATE=true: webhooks
	// may target loopback and private addresses (development only).
	WebhookAllowPrivate bool
}

// env reads NAME, or the contents of the file named by NAME_FILE.
func env(getenv func(string) string, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if f := getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// LoadConfig reads the configuration. needDB says whether CANYU_DATABASE_URL
// is required for the subcommand.
func LoadConfig(getenv func(string) string, needDB bool) (Config, error) {
	c := Config{}
	var err error
	read := func(dst *string, name, def string) {
		if err != nil {
			return
		}
		var v string
		v, err = env(getenv, name)
		if v == "" {
			v = def
		}
		*dst = v
	}
	read(&c.Addr, "CANYU_ADDR", ":8080")
	read(&c.DatabaseURL, "CANYU_DATABASE_URL", "")
	read(&c.DataDir, "CANYU_DATA_DIR", "./var")
	read(&c.MeiliURL, "CANYU_MEILI_URL", "")
	read(&c.MeiliKey, "CANYU_MEILI_KEY", "")
	read(&c.BaseURL, "CANYU_BASE_URL", "")
	read(&c.LogLevel, "CANYU_LOG_LEVEL", "info")
	read(&c.MetricsToken, "CANYU_METRICS_TOKEN", "")
	read(&c.SMTPURL, "CANYU_SMTP_URL", "")
	read(&c.MailFrom, "CANYU_MAIL_FROM", "")
	// A file name, not a secret: read as is, not through the _FILE rule.
	c.SigningKeyFile = getenv("CANYU_SIGNING_KEY_FILE")
	c.SurveyKeyFile = getenv("CANYU_SURVEY_KEY_FILE")
	c.WebhookAllowPrivate = getenv("CANYU_WEBHOOK_ALLOW_PRIVATE") == "true"
	if err != nil {
		return c, err
	}
	if c.TrustedProxies, err = obs.ParseTrustedProxies(getenv("CANYU_TRUSTED_PROXIES")); err != nil {
		return c, err
	}
	if needDB && c.DatabaseURL == "" {
		return c, fmt.Errorf("CANYU_DATABASE_URL is required (e.g. postgres://postgres@127.0.0.1:5432/canyu)")
	}
	return c, nil
}
