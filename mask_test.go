package failedcheckins

import (
	"testing"
)

// TestMaskName: initials of every word, of any script, upper-cased; words
// without a letter or digit give nothing; empty stays empty.
func TestMaskName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ana Silva", "A. S."},
		{"Madonna", "M."},
		{"", ""},
		{"   ", ""},
		{"ana  maria\tda silva", "A. M. D. S."},
		{"Jean-Luc Picard", "J. P."},
		{"łukasz żak", "Ł. Ż."},
		{"Ñandú Öztürk", "Ñ. Ö."},
		{"山田 太郎", "山. 太."},
		{"(Ana) - O'Brien", "A. O."},
		{"& 3rd", "3."},
	} {
		if got := MaskName(c.in); got != c.want {
			t.Errorf("MaskName(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// TestMaskMACs: each MAC keeps its last two octets, any other identifier
// its last two characters (none when it is short), in list order.
func TestMaskMACs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"a4:5e:60:c2:19:0b", "**:**:**:**:19:0b"},
		{"A4-5E-60-C2-19-0B", "**:**:**:**:19:0b"},
		{"a4-5e-60-c2-19-0b, 00:11:22:33:44:55", "**:**:**:**:19:0b,**:**:**:**:44:55"},
		{"a45e.60c2.190b", "**:**:**:**:19:0b"},
		{"CARD-004217", "***17"},
		{"1234", "***"},
		{"a4:5e:60:c2:19:0b,,card-ÄÖÜ99", "**:**:**:**:19:0b,,***99"},
		{"zz:zz:zz:zz:zz:zz", "***zz"},
	} {
		if got := MaskMACs(c.in); got != c.want {
			t.Errorf("MaskMACs(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// TestCallerMasks: a masked caller gets a masked copy (the record itself
// is unchanged), an unmasked or nil caller the record as it is.
func TestCallerMasks(t *testing.T) {
	r := &FailedCheckin{ID: 1, CoworkerFullName: "Ana Silva", MacAddresses: "a4:5e:60:c2:19:0b", Teams: "Blue", Tariff: "Gold"}
	masked := (&User{MaskPersonalData: true}).Caller()
	got := masked.MaskFailedCheckin(r)
	if got == r || got.CoworkerFullName != "A. S." || got.MacAddresses != "**:**:**:**:19:0b" || got.Teams != "" || got.Tariff != "Gold" {
		t.Errorf("masked caller sees %+v; want a masked copy", got)
	}
	if r.CoworkerFullName != "Ana Silva" || r.Teams != "Blue" {
		t.Errorf("masking changed the record itself: %+v", r)
	}
	for _, c := range []*Caller{nil, (&User{}).Caller()} {
		if got := c.MaskFailedCheckin(r); got != r {
			t.Errorf("caller %+v sees %+v; want the record unchanged", c, got)
		}
	}
	ck := masked.MaskCheckin(&Checkin{CoworkerFullName: "Bo", MacAddresses: "card-123456", Teams: "Red"})
	if ck.CoworkerFullName != "B." || ck.MacAddresses != "***56" || ck.Teams != "" {
		t.Errorf("masked check-in = %+v", ck)
	}
}

// TestRestrict: a masked caller's filter or sort by a personal field is
// an ErrForbidden error naming every such parameter; other conditions and
// unmasked callers pass, with the caller's scope.
func TestRestrict(t *testing.T) {
	masked := (&User{ID: 4, MaskPersonalData: true, Businesses: []int64{2}}).Caller()
	name := Contains(FieldCoworkerFullName, "an")
	name.Param = "failedcheckin_coworker_fullname"
	q := Query{Conditions: []Condition{In(FieldBusinessID, 2), name, Contains(FieldTeams, "x")}, OrderBy: FieldMacAddresses}
	_, err := masked.Restrict(q)
	e, ok := err.(*Error)
	if !ok || e.Code != ErrForbidden || len(e.Fields) != 3 || e.Fields[0].Property != "failedcheckin_coworker_fullname" ||
		e.Fields[1].Property != string(FieldTeams) || e.Fields[2].Property != "orderBy" {
		t.Fatalf("Restrict = %#v; want ErrForbidden naming the three parameters", err)
	}
	ok2 := Query{Conditions: []Condition{In(FieldBusinessID, 2)}, OrderBy: FieldCreatedOn}
	got, err := masked.Restrict(ok2)
	if err != nil || !got.Scope.Allows(2) || got.Scope.Allows(3) || got.Requester != 4 {
		t.Errorf("Restrict(no personal field) = %+v, %v; want the caller's scope", got, err)
	}
	if _, err := (&User{Admin: true}).Caller().Restrict(q); err != nil {
		t.Errorf("unmasked Restrict = %v; want nil", err)
	}
	if _, err := masked.RestrictStats(StatsQuery{Conditions: []Condition{name}}); ErrorCode(err) != ErrForbidden {
		t.Errorf("RestrictStats(name filter) = %v; want forbidden", err)
	}
}

// TestMaskEvaluationOf: the attempt's MAC address list, each of its
// items and its card are masked in every text, besides the name; an
// unmasked caller's evaluation is unchanged.
func TestMaskEvaluationOf(t *testing.T) {
	mk := func() *Evaluation {
		return &Evaluation{Verdict: &Verdict{Reason: "NoPlan", Description: "Ana Silva has no plan",
			Coworker: &Coworker{ID: 10, FullName: "Ana Silva"}},
			Checks: []Check{{Detail: "The MAC address a4-5e-60-c2-19-0b belongs to Ana Silva (coworker 10)"},
				{Detail: "No coworker owns the MAC address 11:22:33:44:55:66, a4-5e-60-c2-19-0b"}, {Detail: "card CARD-004217"}},
			Fixes: []string{"add its MAC address (11:22:33:44:55:66, a4-5e-60-c2-19-0b)"}}
	}
	a := &Attempt{MacAddresses: "11:22:33:44:55:66, a4-5e-60-c2-19-0b", AccessCardID: "CARD-004217"}
	e := mk()
	(&Caller{MaskPersonalData: true}).MaskEvaluationOf(e, a)
	got := []string{e.Checks[0].Detail, e.Checks[1].Detail, e.Checks[2].Detail, e.Fixes[0], e.Verdict.Description}
	want := []string{"The MAC address **:**:**:**:19:0b belongs to A. S. (coworker 10)",
		"No coworker owns the MAC address **:**:**:**:55:66,**:**:**:**:19:0b", "card ***17",
		"add its MAC address (**:**:**:**:55:66,**:**:**:**:19:0b)", "A. S. has no plan"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("text %d = %q; want %q", i, got[i], want[i])
		}
	}
	e = mk()
	(&Caller{}).MaskEvaluationOf(e, a)
	if e.Checks[0].Detail != mk().Checks[0].Detail || e.Verdict.Description != "Ana Silva has no plan" {
		t.Errorf("an unmasked caller's evaluation changed: %+v", e)
	}
}
