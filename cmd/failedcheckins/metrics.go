package main

import (
	"fmt"
	"net/netip"
	"strings"
)

// defaultMetricsAllow lets only the host itself scrape /metrics without
// credentials: a Prometheus on the same machine, or a reverse proxy there.
const defaultMetricsAllow = "127.0.0.0/8,::1/128"

// parseMetricsAllow reads --metrics-allow: CIDR prefixes or single
// addresses, comma-separated; "none" (or nothing) allows no address, so
// /metrics always needs an administrator's credentials.
func parseMetricsAllow(s string) ([]netip.Prefix, error) {
	return parsePrefixes("--metrics-allow", s)
}

// parsePrefixes reads a comma-separated list of CIDR prefixes or single
// addresses for the flag named; "none" or nothing is the empty (non-nil)
// list.
func parsePrefixes(flagName, s string) ([]netip.Prefix, error) {
	out := []netip.Prefix{} // non-nil: the API reads nil as its default
	if strings.EqualFold(strings.TrimSpace(s), "none") {
		return out, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %q is neither an address nor a CIDR prefix such as 10.0.0.0/8", flagName, s, part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
