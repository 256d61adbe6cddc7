package failedcheckins

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParseDirectoryErrors: every bad document is an ErrInvalid error that
// says where.
func TestParseDirectoryErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"syntax", "{\n \"Businesses\": [,]}", "line 2, column"},
		{"unknown field", `{"Businesses": [{"Id": 1, "Nme": "x"}]}`, `unknown field "Nme"`},
		{"wrong type", `{"Tariffs": [{"Id": "one"}]}`, "line 1, column"},
		{"bad day", `{"Tariffs": [{"Id": 1, "Name": "t", "AccessHours": [{"Days": ["Mo"], "From": "08:00", "To": "09:00"}]}]}`, "Tariffs[0] (Id 1).AccessHours[0].Days"},
		{"bad time", `{"Tariffs": [{"Id": 1, "Name": "t", "AccessHours": [{"Days": ["Mon"], "From": "8am", "To": "24:00"}]}]}`, "AccessHours[0].From"},
		{"bad date", `{"Coworkers": [{"Id": 7, "FullName": "x", "PlanEnd": "2026-02-30"}]}`, "Coworkers[0] (Id 7).PlanEnd"},
		{"two documents", `{} {}`, "one JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"list", ` []`, "must be a JSON object"},
		{"Go names", `{"Tariffs": {"Id": 1}}`, "the directory has an object where Tariffs must be a list, at line 1"},
		{"Go names in a field", `{"Tariffs": [{"Id": "one"}]}`, "the directory has a string where Tariffs.Id must be a whole number"},
		{"duplicate Id in a list", `{"Businesses": [{"Id": 1, "Name": "A", "TimeZone": "UTC"}, {"Id": 2, "Name": "B", "TimeZone": "UTC"},
		 {"Id": 1, "Name": "C", "TimeZone": "UTC"}]}`, "Businesses[2] (Id 1).Id: is given twice in Businesses, first at Businesses[0]"},
	}
	for _, tt := range tests {
		_, err := ParseDirectory(strings.NewReader(tt.doc))
		if ErrorCode(err) != ErrInvalid || !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("%s: ParseDirectory = %v; want ErrInvalid containing %q", tt.name, err, tt.want)
		}
	}
}

// TestIndexErrors: references, duplicates and time zones are checked over
// the whole (merged) directory, every problem listed.
func TestIndexErrors(t *testing.T) {
	doc := `{"Businesses": [{"Id": 1, "Name": "A", "TimeZone": "Mars/Base"}, {"Id": -1, "Name": "B", "TimeZone": "UTC"}],
	 "Tariffs": [{"Id": 1, "Name": "T", "Businesses": [2]}],
	 "Coworkers": [{"Id": 1, "FullName": "x", "TariffId": 9, "MacAddresses": ["zz"]},
	  {"Id": 2, "FullName": "y", "AccessCards": ["AB"]}, {"Id": 3, "FullName": "z", "AccessCards": ["ab"]}]}`
	d, err := ParseDirectory(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	err = d.Index()
	want := []string{"Businesses[0] (Id 1).TimeZone", "Businesses[1] (Id -1).Id", "Tariffs[0] (Id 1).Businesses[0]",
		"Coworkers[0] (Id 1).TariffId", "Coworkers[0] (Id 1).MacAddresses[0]", "Coworkers[2] (Id 3).AccessCards[0]"}
	for _, w := range want {
		if !strings.Contains(ErrorMessage(err), w) {
			t.Errorf("Index() = %v; want a problem at %s", err, w)
		}
	}
}

// TestDirectoryRoundTrip: MarshalDirectory writes what ParseDirectory reads.
func TestDirectoryRoundTrip(t *testing.T) {
	d := testDirectory(t)
	out, err := MarshalDirectory(d)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := ParseDirectory(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("ParseDirectory(MarshalDirectory) = %v", err)
	}
	out2, _ := MarshalDirectory(d2)
	if !bytes.Equal(out, out2) {
		t.Errorf("round trip changed the document:\n%s\n%s", out, out2)
	}
	if d2.Coworkers[0].PlanEnd.Format(time.DateOnly) != "2026-03-31" || d2.Tariffs[2].AccessHours[0].To != 360 {
		t.Errorf("round trip lost values: %s", out2)
	}
}

func TestMergeUpsertsByID(t *testing.T) {
	d := testDirectory(t)
	upd := &Directory{Businesses: []*Business{{ID: 1001, Name: "Renamed", TimeZone: "Europe/London"}, {ID: 5, Name: "New", TimeZone: "UTC"}}}
	m := Merge(d, upd)
	if err := m.Index(); err != nil {
		t.Fatal(err)
	}
	if len(m.Businesses) != 4 || m.Businesses[0].ID != 5 || m.Business(1001).Name != "Renamed" || len(m.Coworkers) != len(d.Coworkers) {
		t.Errorf("Merge = %d businesses, first %d, 1001 %q; want 4, 5, Renamed", len(m.Businesses), m.Businesses[0].ID, m.Business(1001).Name)
	}
}

func TestAttemptValidate(t *testing.T) {
	now := at("2026-02-02T10:00:00Z")
	tests := []struct {
		name string
		a    Attempt
		want string // "" = valid
	}{
		{"ok", Attempt{BusinessID: 1, CoworkerID: id(1), FromTime: now}, ""},
		{"no identity", Attempt{BusinessID: 1, FromTime: now}, "exactly one"},
		{"two identities", Attempt{BusinessID: 1, CoworkerID: id(1), AccessCardID: "x", FromTime: now}, "exactly one"},
		{"bad mac", Attempt{BusinessID: 1, MacAddresses: "a4-5e", FromTime: now}, "MacAddresses"},
		{"future", Attempt{BusinessID: 1, CoworkerID: id(1), FromTime: now.Add(6 * time.Minute)}, "FromTime"},
		{"4 minutes ahead is fine", Attempt{BusinessID: 1, CoworkerID: id(1), FromTime: now.Add(4 * time.Minute)}, ""},
		{"bad source", Attempt{BusinessID: 1, CoworkerID: id(1), Source: 9, FromTime: now}, "Source"},
		{"no business", Attempt{CoworkerID: id(1), FromTime: now}, "BusinessId"},
	}
	for _, tt := range tests {
		err := tt.a.Validate(now)
		if tt.want == "" && err != nil || tt.want != "" && !strings.Contains(ErrorMessage(err), tt.want) {
			t.Errorf("%s: Validate = %v; want %q", tt.name, err, tt.want)
		}
	}
}

// TestMergeLeavesTheCachedDirectoryAlone: a store keeps its indexed
// directory in a cache that attempts read while an import merges into it
// and indexes the result. Run with -race: Index must not write the
// elements the merged directory shares with the cached one.
func TestMergeLeavesTheCachedDirectoryAlone(t *testing.T) {
	cached := testDirectory(t)
	upd, err := ParseDirectory(strings.NewReader(`{"Businesses": [{"Id": 1008, "Name": "Berlin", "TimeZone": "Europe/Berlin"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := &Attempt{BusinessID: 1007, Source: SourceDoorAccess, CoworkerID: id(6), FromTime: at("2026-02-02T10:00:00Z")}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			if err := Merge(cached, upd).Index(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 200 {
		if _, err := Evaluate(cached, a, func(int64, time.Time, time.Time) (int, error) { return 0, nil }); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	m := Merge(cached, upd)
	if err := m.Index(); err != nil {
		t.Fatal(err)
	}
	if m.Business(1007) == cached.Business(1007) || m.Business(1007).Location().String() != "Europe/Paris" {
		t.Errorf("merged Business(1007) = %p (%v); want a copy of %p in Europe/Paris", m.Business(1007), m.Business(1007).Location(), cached.Business(1007))
	}
}

// TestMergedErrorsPointIntoTheDocument: an import's errors name the entry's
// position in the document sent, not in the merged directory, and an entry
// that was already stored is named as such.
func TestMergedErrorsPointIntoTheDocument(t *testing.T) {
	base, err := ParseDirectory(strings.NewReader(`{"Businesses": [{"Id": 1, "Name": "A", "TimeZone": "UTC"},
	 {"Id": 2, "Name": "B", "TimeZone": "UTC"}, {"Id": 3, "Name": "C", "TimeZone": "UTC"}],
	 "Coworkers": [{"Id": 7, "FullName": "x", "AccessCards": ["c1"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Index(); err != nil {
		t.Fatal(err)
	}
	upd, err := ParseDirectory(strings.NewReader(`{"Businesses": [{"Id": 5001, "Name": "D", "TimeZone": "Mars/Base"}],
	 "Coworkers": [{"Id": 9, "FullName": "z", "AccessCards": ["c2"]}, {"Id": 8, "FullName": "y", "TariffId": 9}]}`))
	if err != nil {
		t.Fatal(err)
	}
	msg := ErrorMessage(Merge(base, upd).Index())
	for _, w := range []string{"Businesses[0] (Id 5001).TimeZone", "Coworkers[1] (Id 8).TariffId"} {
		if !strings.Contains(msg, w) {
			t.Errorf("Merge(...).Index() = %s; want a problem at %s", msg, w)
		}
	}
	if strings.Contains(msg, "Businesses[3]") || strings.Contains(msg, "Coworkers[2]") {
		t.Errorf("Merge(...).Index() = %s; want no position in the merged directory", msg)
	}
	// A card the document gives to a second coworker is reported on the
	// document's entry, even when the stored owner sorts after it.
	upd, _ = ParseDirectory(strings.NewReader(`{"Coworkers": [{"Id": 6, "FullName": "w", "AccessCards": ["C1"]}]}`))
	if msg := ErrorMessage(Merge(base, upd).Index()); !strings.Contains(msg, "Coworkers[0] (Id 6).AccessCards[0]: already belongs to coworker 7") {
		t.Errorf("clash with a stored card = %s; want it on the document's entry", msg)
	}
}

// TestParseDirectoryRefusesWhatAStoreCannotKeep (issue 18 items 2 and
// 18): text PostgreSQL cannot store or index, keys given twice and keys in
// another case than the contract's are 400s naming where, on every store.
func TestParseDirectoryRefusesWhatAStoreCannotKeep(t *testing.T) {
	const biz = `{"Id": 1, "Name": %s, "TimeZone": "UTC"}`
	long := `"` + strings.Repeat("x", 3000) + `"`
	for _, tt := range []struct{ doc, want string }{
		{`{"Businesses": [` + fmt.Sprintf(biz, `"a\u0000b"`) + `]}`, "Businesses[0] (Id 1).Name"},
		{`{"Businesses": [` + fmt.Sprintf(biz, long) + `]}`, "at most 200 characters"},
		{`{"Tariffs": [{"Id": 1, "Name": ` + long + `}]}`, "Tariffs[0] (Id 1).Name"},
		{`{"Coworkers": [{"Id": 1, "FullName": "A", "Teams": ["ok", "t\u0000"]}]}`, "Coworkers[0] (Id 1).Teams[1]"},
		{`{"Coworkers": [{"Id": 1, "FullName": "A", "Teams": [` + strings.Repeat(`"`+strings.Repeat("t", 100)+`",`, 5) + `"t"]}]}`, "Coworkers[0] (Id 1).Teams"},
		{`{"Coworkers": [{"Id": 1, "FullName": "A", "Email": "a\u0007@b"}]}`, "Coworkers[0] (Id 1).Email"},
		{`{"Coworkers": [{"Id": 1, "FullName": "A", "AccessCards": ["c\u0000"]}]}`, "AccessCards[0]"},
		{`{"Businesses": [{"Id": 1, "Name": "a", "Name": "b", "TimeZone": "UTC"}]}`, "Businesses[0].Name"},
		{`{"Businesses": [], "Businesses": []}`, "Businesses: is given more than once"},
		{`{"businesses": []}`, "must be written Businesses"},
		{`{"Coworkers": [{"Id": 1, "fullName": "A"}]}`, "Coworkers[0].fullName: must be written FullName"},
		{`{"Tariffs": [{"Id": 1, "Name": "T", "AccessHours": [{"days": ["Mon"], "From": "08:00", "To": "09:00"}]}]}`, "Tariffs[0].AccessHours[0].days"},
		{"{\"Businesses\": [{\"Id\": 1, \"Name\": \"\xff\", \"TimeZone\": \"UTC\"}]}", "not valid UTF-8 at line 1"},
		{`{"Tariffs": [{"Id": 1, "Name": "T", "AccessHours": [` + strings.Repeat(`{"Days": ["Mon"], "From": "08:00", "To": "09:00"},`, MaxAccessHours) + `{"Days": ["Mon"], "From": "08:00", "To": "09:00"}]}]}`, "at most 16 windows"},
	} {
		_, err := ParseDirectory(strings.NewReader(tt.doc))
		if ErrorCode(err) != ErrInvalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDirectory(%.80s) = %v, want ErrInvalid mentioning %q", tt.doc, err, tt.want)
		}
	}
	// The contract's own spelling, with every field, still parses.
	ok := `{"Businesses": [{"Id": 1, "Name": "Zürich\tx", "TimeZone": "UTC"}]}`
	if _, err := ParseDirectory(strings.NewReader(ok)); err == nil || !strings.Contains(err.Error(), "U+0009") {
		t.Errorf("a tab in a name: %v, want refused", err)
	}
	ok = `{"Businesses": [{"Id": 1, "Name": "Zürich", "TimeZone": "UTC"}], "Tariffs": [{"Id": 1, "Name": "T", "Businesses": [1], "AccessHours": [{"Days": ["Mon"], "From": "08:00", "To": "09:00"}], "MonthlyCheckinLimit": 0}], "Coworkers": [{"Id": 1, "FullName": "A", "Email": "a@b", "Active": true, "Suspended": false, "UnpaidInvoices": false, "TariffId": 1, "PlanStart": null, "PlanEnd": null, "Teams": ["x"], "MacAddresses": [], "AccessCards": []}]}`
	if _, err := ParseDirectory(strings.NewReader(ok)); err != nil {
		t.Errorf("a good document: %v", err)
	}
}
