package proxyaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClient(t *testing.T) {
	trusted := Trusted{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name  string
		trust Trusted
		peer  string
		xff   []string
		want  string // "" = the TCP peer stays the client
	}{
		{"no proxies trusted", nil, "127.0.0.1:5000", []string{"203.0.113.9"}, ""},
		{"peer not trusted: a client's own header is ignored", trusted, "198.51.100.7:5000", []string{"203.0.113.9"}, ""},
		{"trusted peer without the header", trusted, "127.0.0.1:5000", nil, ""},
		{"one proxy", trusted, "127.0.0.1:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"the client's forged entries left of the real one are ignored", trusted, "127.0.0.1:5000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"a chain of trusted proxies is skipped", trusted, "127.0.0.1:5000", []string{"6.6.6.6, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"several header lines read as one list", trusted, "127.0.0.1:5000", []string{"6.6.6.6, 203.0.113.9", "10.1.2.3"}, "203.0.113.9"},
		{"IPv6 peer and IPv6 client with brackets and port", trusted, "[::1]:5000", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"IPv6 client without brackets", trusted, "[::1]:5000", []string{"2001:db8::2"}, "2001:db8::2"},
		{"IPv4 client with a port", trusted, "127.0.0.1:5000", []string{"203.0.113.9:1234"}, "203.0.113.9"},
		{"mapped IPv4 peer counts as IPv4", trusted, "[::ffff:10.0.0.5]:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"garbage where our proxy writes: keep the peer", trusted, "127.0.0.1:5000", []string{"203.0.113.9, unknown"}, ""},
		{"garbage left of a trusted hop: that hop", trusted, "127.0.0.1:5000", []string{"nonsense, 10.9.9.9"}, "10.9.9.9"},
		{"only trusted hops: the one our proxy wrote", trusted, "127.0.0.1:5000", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.2"},
		{"a client inside a trusted range cannot claim loopback", trusted, "127.0.0.1:5000", []string{"127.0.0.1, 10.1.2.3"}, "10.1.2.3"},
		{"empty header value", trusted, "127.0.0.1:5000", []string{""}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got, ok := tc.trust.Client(r)
			if tc.want == "" {
				if ok {
					t.Fatalf("Client = %v, true; want the peer to stay the client", got)
				}
				return
			}
			if !ok || got != netip.MustParseAddr(tc.want) {
				t.Fatalf("Client = %v, %v; want %s", got, ok, tc.want)
			}
		})
	}
}

func TestWrapRewritesRemoteAddr(t *testing.T) {
	var seen string
	h := Trusted{netip.MustParsePrefix("127.0.0.1/32")}.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.RemoteAddr
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "203.0.113.9:0" {
		t.Errorf("handler saw RemoteAddr %q, want 203.0.113.9:0", seen)
	}
	if r.RemoteAddr != "127.0.0.1:5000" {
		t.Errorf("the caller's request was changed: RemoteAddr %q", r.RemoteAddr)
	}

	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "192.0.2.1:5000" {
		t.Errorf("an untrusted peer's header was believed: RemoteAddr %q", seen)
	}
}
