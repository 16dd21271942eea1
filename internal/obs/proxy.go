package obs

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads CANYU_TRUSTED_PROXIES: CIDRs or single
// addresses separated by commas or spaces ("10.0.0.0/8, 192.168.1.5").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("CANYU_TRUSTED_PROXIES: %q is neither a CIDR nor an address", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func trusted(prefixes []netip.Prefix, s string) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// RealClientAddr is the address of the client of r: the peer, unless the
// peer is a trusted proxy, in which case X-Forwarded-For is read from the
// right, skipping trusted proxies, and the first address that is not one is
// the client (a client can prepend anything to the header; only what the
// trusted proxies appended is believed). With no trusted proxies the header
// is ignored: anybody could send it.
func RealClientAddr(peer string, xff []string, prefixes []netip.Prefix) string {
	if len(prefixes) == 0 || !trusted(prefixes, peer) {
		return peer
	}
	var hops []string
	for _, h := range xff {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(h); err != nil {
			// Garbage in the header: stop believing it at that point.
			return peer
		}
		if !trusted(prefixes, h) {
			return h
		}
		peer = h
	}
	return peer
}

// TrustProxies wraps the service's root handler: when the peer is a
// trusted proxy, the request's RemoteAddr becomes RealClientAddr (port 0),
// so that everything downstream (Middleware's client, the rate limits per
// address) counts the resident behind a reverse proxy, not the proxy
// (issue 15, finding 6). With no prefixes it returns next unchanged.
func TrustProxies(prefixes []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if len(prefixes) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			if real := RealClientAddr(host, r.Header.Values("X-Forwarded-For"), prefixes); real != host {
				r2 := r.Clone(r.Context())
				r2.RemoteAddr = net.JoinHostPort(real, "0")
				r = r2
			}
			next.ServeHTTP(w, r)
		})
	}
}
