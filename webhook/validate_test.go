package webhook

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestValidate: the checks every way of saving a webhook shares. Only the
// changed fields are checked; a scoped saver must name one of their
// locations; the refusal of a private address names what allows it.
func TestValidate(t *testing.T) {
	ctx := context.Background()
	public := fakeResolver{netip.MustParseAddr("93.184.216.34")}
	internal := fakeResolver{netip.MustParseAddr("10.0.0.7")}
	ok := func() *fc.Webhook {
		return &fc.Webhook{Name: "n", Action: fc.ActionFailedCheckin, URL: "https://hooks.example.com/", BusinessID: new(int64(1))}
	}
	props := func(errs []fc.FieldError) string {
		var s []string
		for _, e := range errs {
			s = append(s, e.Property)
		}
		return strings.Join(s, ",")
	}
	admin := Validator{Scope: fc.AllBusinesses(), Resolver: public}
	if errs, err := admin.Validate(ctx, ok(), AllChanges); err != nil || len(errs) != 0 {
		t.Errorf("a valid webhook = %+v, %v", errs, err)
	}
	every := ok()
	every.BusinessID = nil
	scoped := Validator{Scope: fc.BusinessScope(1), Resolver: public}
	for _, tc := range []struct {
		name string
		v    Validator
		w    *fc.Webhook
		c    Changes
		want string
	}{
		{"every location, scoped", scoped, every, AllChanges, "BusinessId"},
		{"every location, administrator", admin, every, AllChanges, ""},
		{"another location", Validator{Scope: fc.BusinessScope(2), Resolver: public}, ok(), AllChanges, "BusinessId"},
		{"resolves to a private address", Validator{Scope: fc.AllBusinesses(), Resolver: internal}, ok(), AllChanges, "URL"},
		{"allowed private address", Validator{Scope: fc.AllBusinesses(), Resolver: internal, AllowPrivate: true}, ok(), AllChanges, ""},
		{"unchanged private URL", Validator{Scope: fc.AllBusinesses(), Resolver: internal}, ok(), Changes{Name: true}, ""},
		{"filter of the action", admin, &fc.Webhook{Name: "n", Action: 47, URL: "https://h.example/", Filter: "FailedCheckin_Source=2"}, Changes{Action: true}, "Filter"},
		{"blank name, bad action and secret", admin, &fc.Webhook{Name: " ", Action: 5, URL: "https://h.example/", Secret: "x"}, AllChanges, "Name,Action,Secret"},
	} {
		errs, err := tc.v.Validate(ctx, tc.w, tc.c)
		if err != nil || props(errs) != tc.want {
			t.Errorf("%s: Validate = %+v, %v; want problems with %q", tc.name, errs, err, tc.want)
		}
	}
	v := Validator{Scope: fc.AllBusinesses(), Resolver: internal, PrivateHint: "--allow-private"}
	errs, _ := v.Validate(ctx, ok(), AllChanges)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "--allow-private allows it") || errs[0].AttemptedValue != "" {
		t.Errorf("refusal with a hint = %+v", errs)
	}
}
