package failedcheckins

import (
	"bytes"
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
	doc := `{"Businesses": [{"Id": 1, "Name": "A", "TimeZone": "Mars/Base"}, {"Id": 1, "Name": "B", "TimeZone": "UTC"}],
	 "Tariffs": [{"Id": 1, "Name": "T", "Businesses": [2]}],
	 "Coworkers": [{"Id": 1, "FullName": "x", "TariffId": 9, "MacAddresses": ["zz"]},
	  {"Id": 2, "FullName": "y", "AccessCards": ["AB"]}, {"Id": 3, "FullName": "z", "AccessCards": ["ab"]}]}`
	d, err := ParseDirectory(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	err = d.Index()
	want := []string{"Businesses[0] (Id 1).TimeZone", "Businesses[1] (Id 1).Id", "Tariffs[0] (Id 1).Businesses[0]",
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
