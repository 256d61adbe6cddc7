package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// fakeResolver resolves every name to its addresses.
type fakeResolver []netip.Addr

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return f, nil
}

func TestCheckURL(t *testing.T) {
	public := fakeResolver{netip.MustParseAddr("93.184.216.34")}
	private := fakeResolver{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.7")}
	for _, u := range []string{"http://127.0.0.1/", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[fd00::1]/", "http://[fe80::1]/",
		"http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:0a00:0001::1]/",
		"http://[::10.0.0.1]/", "http://[2001:0:4136:e378::1]/", "http://0.0.0.0/", "http://[::]/", "http://224.0.0.1/", "http://localhost/"} {
		if err := CheckURL(context.Background(), u, false, public); !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("CheckURL(%s) = %v; want ErrPrivateAddress", u, err)
		}
		if err := CheckURL(context.Background(), u, true, public); err != nil {
			t.Errorf("CheckURL(%s, allowPrivate) = %v", u, err)
		}
	}
	// The same forms carrying a public address are allowed.
	for _, a := range []string{"64:ff9b::5db8:d822", "2002:5db8:d822::1", "2606:4700::1111"} {
		if Forbidden(netip.MustParseAddr(a)) {
			t.Errorf("Forbidden(%s) = true; it carries or is a public address", a)
		}
	}
	if err := CheckURL(context.Background(), "https://hooks.example.com/x", false, private); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("a host resolving to 10.0.0.7 = %v; want ErrPrivateAddress", err)
	}
	if err := CheckURL(context.Background(), "https://hooks.example.com/x", false, public); err != nil {
		t.Errorf("a public host = %v", err)
	}
	for _, u := range []string{"ftp://example.com/", "/relative", "https://user:pw@example.com/", "http:///nohost"} {
		if err := CheckURL(context.Background(), u, true, public); err == nil {
			t.Errorf("CheckURL(%s) accepted", u)
		}
	}
}

// TestTransportRefusesPrivate: the second check, at connect time, after
// DNS resolution: a name that resolves to loopback (localhost) is
// refused by the guarded transport, and reached with allowPrivate.
func TestTransportRefusesPrivate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, target := range []string{url, srv.URL} {
		req, _ := http.NewRequest("POST", target, nil)
		resp, err := (&http.Client{Transport: NewTransport(false)}).Do(req)
		if err == nil {
			resp.Body.Close()
			t.Errorf("guarded POST %s succeeded", target)
		} else if !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("guarded POST %s: %v; want ErrPrivateAddress", target, err)
		}
		req, _ = http.NewRequest("POST", target, nil)
		resp, err = (&http.Client{Transport: NewTransport(true)}).Do(req)
		if err != nil {
			t.Errorf("POST %s with allowPrivate: %v", target, err)
		} else {
			resp.Body.Close()
		}
	}
}
