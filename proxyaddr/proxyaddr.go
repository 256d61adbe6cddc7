// Package proxyaddr finds a request's client address behind the reverse
// proxies an operator trusts, so that the sign-in throttles of the API and
// the console and the /metrics allow-list see the client rather than the
// proxy every client shares.
//
// Only X-Forwarded-For is read, and only when the TCP peer is a trusted
// proxy: the header is walked from its right end (the hop our proxy
// appended) leftwards, skipping trusted proxies, and the first address that
// is not one is the client. Entries left of it were written by the client
// or by proxies nobody vouches for, so they are never believed; a client
// cannot choose its address by sending the header itself. When every hop
// is in a trusted range, the one our proxy wrote is the client.
package proxyaddr

import (
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is the set of reverse proxies whose X-Forwarded-For is believed.
// The zero value trusts nobody: every request keeps its TCP peer.
type Trusted []netip.Prefix

// Wrap returns next behind a handler that replaces r.RemoteAddr with the
// client's address (port 0) when the request came through trusted proxies.
// With no trusted proxies it returns next itself.
func (t Trusted) Wrap(next http.Handler) http.Handler {
	if len(t) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := t.Client(r); ok {
			r = r.WithContext(r.Context()) // a shallow copy: the caller's request stays as it was
			r.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		}
		next.ServeHTTP(w, r)
	})
}

// Client returns the client's address as the trusted proxies report it,
// and false when the request did not come from a trusted proxy or carries
// no usable X-Forwarded-For (the TCP peer is then the client).
func (t Trusted) Client(r *http.Request) (netip.Addr, bool) {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok || !t.trusts(peer) {
		return netip.Addr{}, false
	}
	var nearest netip.Addr // the hop our own proxy wrote, the rightmost
	found := false
	headers := r.Header.Values("X-Forwarded-For")
	for i := len(headers) - 1; i >= 0; i-- {
		hops := strings.Split(headers[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop, ok := parseHop(strings.TrimSpace(hops[j]))
			if !ok {
				// A hop we cannot read: what lies left of it cannot be
				// vouched for.
				return nearest, found
			}
			if !t.trusts(hop) {
				return hop, true
			}
			if !found {
				nearest, found = hop, true
			}
		}
	}
	// Every hop is in a trusted range. The leftmost entries may have been
	// written by a client that lives in such a range (a client at
	// 10.1.2.3 sending "X-Forwarded-For: 127.0.0.1" would pass a loopback
	// allow-list), so only the hop our own proxy wrote is believed.
	return nearest, found
}

func (t Trusted) trusts(a netip.Addr) bool {
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads an address as it appears in RemoteAddr or an
// X-Forwarded-For entry: with or without a port, IPv6 with or without
// brackets. IPv4-mapped IPv6 addresses are unmapped, so 10.0.0.0/8 also
// matches ::ffff:10.1.2.3.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}
