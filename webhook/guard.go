// Package webhook sends the webhooks' deliveries (docs/api.md#webhooks):
// the dispatcher that claims due deliveries from the store, signs them
// (X-Nexudus-Hook-Signature and Standard Webhooks v1) and POSTs them with
// retries, and the guard that keeps a webhook URL from reaching the
// server's own network (docs/api.md#webhook-safety).
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrPrivateAddress is the guard's refusal of an address.
var ErrPrivateAddress = errors.New("the address is loopback, private, link-local, multicast or unspecified")

// Forbidden reports whether a webhook may not connect to ip: loopback,
// private (RFC 1918, RFC 4193), link-local (169.254.169.254, the cloud
// metadata address, included), multicast or unspecified, in any form
// (an IPv4-mapped IPv6 address is its IPv4 address).
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if v4, ok := embeddedIPv4(ip); ok {
		return Forbidden(v4)
	}
	if teredo.Contains(ip) || nat64Local.Contains(ip) {
		return true // carry an IPv4 address in a form not worth decoding
	}
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() ||
		// 0.0.0.0/8 ("this network"): Linux connects 0.x.y.z to the local host.
		(ip.Is4() && ip.As4()[0] == 0)
}

// IPv6 prefixes that carry an IPv4 address, which a route on the server's
// network may reach: NAT64's well-known prefix (RFC 6052, the address in
// the last 32 bits), 6to4 (RFC 3056, in bits 16-47), IPv4-compatible
// addresses (RFC 4291, deprecated: ::a.b.c.d), and, refused whole, the
// local-use NAT64 prefix (RFC 8215) and Teredo (RFC 4380).
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	compatible = netip.MustParsePrefix("::/96")
	teredo     = netip.MustParsePrefix("2001::/32")
)

// embeddedIPv4 is the IPv4 address an IPv6 address of those prefixes
// carries, for Forbidden to judge.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case compatible.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	}
	return netip.Addr{}, false
}

// Resolver looks a host name up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL checks a webhook URL when it is saved: absolute http or https
// with a host, and, unless allowPrivate, a host that is not and does not
// resolve to a forbidden address (every address it resolves to is
// checked). It returns the reason, for a 400, or nil. The dialer checks
// again when connecting (Control), since a name may resolve differently
// later.
func CheckURL(ctx context.Context, raw string, allowPrivate bool, r Resolver) error {
	return checkURL(ctx, raw, allowPrivate, r, defaultPrivateHint)
}

// defaultPrivateHint is what allows a private address to a webhook saved
// through the server.
const defaultPrivateHint = "serve --webhook-allow-private"

// checkURL is CheckURL whose refusal of a private address says that hint
// allows it: the command line's own flag differs from serve's.
func checkURL(ctx context.Context, raw string, allowPrivate bool, r Resolver, hint string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return errors.New("must be an absolute http or https URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an http or https URL")
	case u.Hostname() == "":
		return errors.New("must name a host")
	case u.User != nil:
		return errors.New("must not carry a user name or password")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if Forbidden(ip) {
			return fmt.Errorf("%w (%s allows it)", ErrPrivateAddress, hint)
		}
		return nil
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return fmt.Errorf("%w (%s allows it)", ErrPrivateAddress, hint)
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("its host %q does not resolve", host)
	}
	for _, ip := range addrs {
		if Forbidden(ip) {
			return fmt.Errorf("its host resolves to %s: %w (%s allows it)", ip.Unmap(), ErrPrivateAddress, hint)
		}
	}
	return nil
}

// Control is a net.Dialer Control function that refuses to connect to a
// forbidden address: it sees the address after DNS resolution, so a name
// that resolved to a public address when the webhook was saved and to a
// private one now (DNS rebinding) is still refused.
func Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial %s: %w", address, err)
	}
	if Forbidden(ap.Addr()) {
		return fmt.Errorf("webhook: dial %s: %w", address, ErrPrivateAddress)
	}
	return nil
}
