package integrations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Webhook is a URL an organisation subscribed to kinds of public events.
type Webhook struct {
	ID             int64      `db:"id"`
	OrganisationID int64      `db:"organisation_id"`
	URL            string     `db:"url"`
	Kinds          []string   `db:"kinds"`
	Status         string     `db:"status"`
	PausedAt       *time.Time `db:"paused_at"`
	PausedReason   string     `db:"paused_reason"`
	CreatedAt      time.Time  `db:"created_at"`
}

// NewWebhook is a webhook just created: its signing secret is shown once.
type NewWebhook struct {
	Webhook
	Secret string
}

// WebhookInput creates a webhook.
type WebhookInput struct {
	URL   string
	Kinds []string
}

const webhookColumns = `id, organisation_id, url, kinds, status, paused_at, paused_reason, created_at`

// MaxWebhooks bounds an organisation's live webhooks.
const MaxWebhooks = 10

// CreateWebhook subscribes a URL to kinds of events (events.Kinds) for a
// verified organisation; the answer holds the signing secret, shown once.
// The organisation's manager only. Codes: organisation_not_found,
// organisation_not_verified, invalid_webhook_url, webhook_target_private,
// invalid_event_kind, too_many_webhooks.
func (s *Service) CreateWebhook(ctx context.Context, actor *identity.Account, orgID int64, in WebhookInput) (NewWebhook, error) {
	o, err := s.manageable(ctx, actor, orgID)
	if err != nil {
		return NewWebhook{}, err
	}
	if o.Status != OrganisationVerified {
		return NewWebhook{}, errs.Conflict("organisation_not_verified", "组织通过管理员核验后才能订阅事件推送")
	}
	u, err := s.checkTarget(ctx, in.URL)
	if err != nil {
		return NewWebhook{}, err
	}
	kinds := []string{}
	for _, k := range in.Kinds {
		if !slices.Contains(events.Kinds, events.Kind(k)) {
			return NewWebhook{}, errs.InvalidField("invalid_event_kind", "kinds", "没有这种事件")
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return NewWebhook{}, errs.InvalidField("invalid_event_kind", "kinds", "请至少选择一种事件")
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE organisation_id = $1 AND deleted_at IS NULL`, orgID).Scan(&n); err != nil {
		return NewWebhook{}, errs.Internal(err)
	}
	if n >= MaxWebhooks {
		return NewWebhook{}, errs.Conflict("too_many_webhooks", "每个组织最多订阅10个推送地址")
	}
	b := make([]byte, 32)
	rand.Read(b)
	secret := "whsec_" + hex.EncodeToString(b)
	rows, err := s.DB.Query(ctx, `INSERT INTO webhooks (organisation_id, url, kinds, secret, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+webhookColumns, orgID, u.String(), kinds, secret, actor.ID, s.now())
	if err != nil {
		return NewWebhook{}, errs.Internal(err)
	}
	w, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Webhook])
	if err != nil {
		return NewWebhook{}, errs.Internal(err)
	}
	return NewWebhook{Webhook: w, Secret: secret}, nil
}

// checkTarget parses a webhook URL: http or https, no credentials, and,
// unless AllowPrivateTargets, a host that resolves only to public
// addresses (a webhook must not reach into the platform's own network).
// The dialer checks again at delivery time (DNS may change).
func (s *Service) checkTarget(ctx context.Context, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return nil, errs.InvalidField("invalid_webhook_url", "url", "推送地址应为以 https:// 开头的完整网址")
	}
	if s.AllowPrivateTargets {
		return u, nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
	if err != nil || len(ips) == 0 {
		return nil, errs.InvalidField("invalid_webhook_url", "url", "推送地址的域名无法解析")
	}
	for _, ip := range ips {
		if !publicIP(ip.IP) {
			return nil, errs.InvalidField("webhook_target_private", "url", "推送地址不能指向内网、本机或保留地址")
		}
	}
	return u, nil
}

// publicIP reports whether ip is a globally routable unicast address that
// a webhook may reach. An IPv4-mapped IPv6 address is judged as the IPv4
// address it carries. IPv4: none of the special-purpose ranges that are not
// globally reachable (RFC 6890 and the IANA registry): 0.0.0.0/8 reaches
// the host itself on Linux, 198.18/15, 192.0.0/24, 240/4 and the others
// are reserved. IPv6: only global unicast (2000::/3) outside the ranges
// that carry an IPv4 address inside (6to4 2002::/16, Teredo and the other
// protocol assignments in 2001::/23) or are for documentation; NAT64
// (64:ff9b::/96), IPv4-compatible (::/96), unique-local and link-local
// addresses are outside 2000::/3. Outside check (security): IsGlobalUnicast
// alone let 0.0.0.1, 198.18.0.1, 64:ff9b::a9fe:a9fe and 2002:a9fe:a9fe::
// through.
func publicIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	a = a.Unmap()
	if a.Is4() {
		for _, p := range blockedIPv4 {
			if p.Contains(a) {
				return false
			}
		}
		return true
	}
	if !globalIPv6.Contains(a) {
		return false
	}
	for _, p := range blockedIPv6 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var (
	blockedIPv4 = prefixes("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16",
		"192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")
	globalIPv6  = netip.MustParsePrefix("2000::/3")
	blockedIPv6 = prefixes("2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20")
)

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, p := range list {
		out[i] = netip.MustParsePrefix(p)
	}
	return out
}

// ListWebhooks lists an organisation's webhooks (not deleted) to its
// manager or an admin. Codes: organisation_not_found.
func (s *Service) ListWebhooks(ctx context.Context, actor *identity.Account, orgID int64) ([]Webhook, error) {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return nil, err
	}
	return pgrows.All[Webhook](ctx, s.DB, `SELECT `+webhookColumns+` FROM webhooks WHERE organisation_id = $1 AND deleted_at IS NULL ORDER BY id`, orgID)
}

// webhook returns a live webhook of the organisation. Codes: webhook_not_found.
func (s *Service) webhook(ctx context.Context, orgID, id int64) (Webhook, error) {
	return pgrows.One[Webhook](ctx, s.DB, errs.NotFound("webhook_not_found", "没有这个推送地址"), `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL`, id, orgID)
}

// DeleteWebhook stops a webhook: nothing more is sent to it (a delivery
// under way finishes its attempt). Its deliveries stay listed. The
// organisation's manager or an admin. Codes: webhook_not_found.
func (s *Service) DeleteWebhook(ctx context.Context, actor *identity.Account, orgID, id int64) error {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return err
	}
	tag, err := s.DB.Exec(ctx, `UPDATE webhooks SET deleted_at = $3 WHERE id = $1 AND organisation_id = $2 AND deleted_at IS NULL`, id, orgID, s.now())
	if err != nil {
		return errs.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("webhook_not_found", "没有这个推送地址")
	}
	return nil
}
