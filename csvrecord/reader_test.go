package csvrecord_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

const header = "Id,UniqueId,CoworkerId,CoworkerFullName,BusinessId,BusinessName,CheckinAttemptTime,Source,MacAddresses,TeamsAtTheTimeOfCheckin,TariffAtTheTimeOfCheckin,Description,CheckinAttemptTimeLocal,CreatedOn,UpdatedOn\n"

const goodRow = "1,a1fc918c-ee79-424f-8537-8d9312820cfe,109939,Liam Moore,1090,Location 090 – Zürich,2024-11-01T12:22:38Z,2,,Orbit Partners,Hot Desk Part-Time,Door controller offline,2024-11-01T13:22:38,2024-11-01T12:22:38Z,2024-11-01T12:22:38Z\n"

func readAll(t *testing.T, data string) ([]*fc.FailedCheckin, error) {
	t.Helper()
	rd, err := csvrecord.NewReader(strings.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out []*fc.FailedCheckin
	for rec, err := range rd.All() {
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
	return out, nil
}

func TestReadRow(t *testing.T) {
	recs, err := readAll(t, "\xEF\xBB\xBF"+header+goodRow)
	if err != nil || len(recs) != 1 {
		t.Fatalf("readAll = %d records, %v; want 1, nil", len(recs), err)
	}
	r := recs[0]
	if r.ID != 1 || r.UniqueID != "a1fc918c-ee79-424f-8537-8d9312820cfe" || r.CoworkerID == nil || *r.CoworkerID != 109939 ||
		r.CoworkerFullName != "Liam Moore" || r.BusinessID != 1090 || r.BusinessName != "Location 090 – Zürich" ||
		r.Source != fc.SourceDoorAccess || r.MacAddresses != "" || r.Teams != "Orbit Partners" ||
		r.Tariff != "Hot Desk Part-Time" || r.Description != "Door controller offline" ||
		r.UpdatedBy != nil || r.SystemID != nil || r.Reason != nil {
		t.Errorf("record = %+v", r)
	}
	if want := time.Date(2024, 11, 1, 12, 22, 38, 0, time.UTC); !r.CheckinAttemptTime.Equal(want) || r.CheckinAttemptTime.Location() != time.UTC {
		t.Errorf("CheckinAttemptTime = %v; want %v in UTC", r.CheckinAttemptTime, want)
	}
	if want := time.Date(2024, 11, 1, 13, 22, 38, 0, time.UTC); !r.CheckinAttemptTimeLocal.Equal(want) {
		t.Errorf("CheckinAttemptTimeLocal = %v; want wall clock %v", r.CheckinAttemptTimeLocal, want)
	}
}

// TestResolutionRoundTrip: the two resolution columns are written and
// read back; empty is null.
func TestResolutionRoundTrip(t *testing.T) {
	h := strings.TrimSuffix(header, "\n") + ",ResolvedByCheckinId,ResolvedOn\n"
	row := strings.TrimSuffix(goodRow, "\n")
	recs, err := readAll(t, h+row+",77,2024-11-01T12:40:00+01:00\n"+row+",,\n")
	if err != nil || len(recs) != 2 {
		t.Fatalf("readAll = %d records, %v; want 2, nil", len(recs), err)
	}
	r := recs[0]
	if r.ResolvedByCheckinID == nil || *r.ResolvedByCheckinID != 77 || r.ResolvedOn == nil ||
		!r.ResolvedOn.Equal(time.Date(2024, 11, 1, 11, 40, 0, 0, time.UTC)) || r.ResolvedOn.Location() != time.UTC {
		t.Errorf("resolved record = %+v; want check-in 77 at 11:40Z", r)
	}
	if recs[1].ResolvedByCheckinID != nil || recs[1].ResolvedOn != nil {
		t.Errorf("record with empty columns = %+v; want not resolved", recs[1])
	}
	var buf bytes.Buffer
	if err := csvrecord.Write(&buf, slices.Values(recs)); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, ",77,2024-11-01T11:40:00Z\r\n") && !strings.Contains(out, ",77,2024-11-01T11:40:00Z\n") {
		t.Errorf("written CSV = %q; want the resolution as ,77,2024-11-01T11:40:00Z", out)
	}
	for _, bad := range []string{",0,2024-11-01T12:40:00Z", ",7,yesterday"} {
		if _, err := readAll(t, h+row+bad+"\n"); err == nil {
			t.Errorf("readAll(row ending %s) = nil; want an error", bad)
		}
	}
}

func TestSampleRoundTrip(t *testing.T) {
	data, err := os.ReadFile("../storetest/testdata/sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readAll(t, string(data))
	if err != nil || len(recs) != 2000 {
		t.Fatalf("sample: %d records, %v; want 2000, nil", len(recs), err)
	}
	var buf bytes.Buffer
	if err := csvrecord.Write(&buf, slices.Values(recs)); err != nil {
		t.Fatal(err)
	}
	again, err := readAll(t, buf.String())
	if err != nil {
		t.Fatalf("reading written CSV: %v", err)
	}
	for i := range recs {
		a, b := *recs[i], *again[i]
		if a.ID != b.ID || a.UniqueID != b.UniqueID || !a.CheckinAttemptTime.Equal(b.CheckinAttemptTime) ||
			!a.CheckinAttemptTimeLocal.Equal(b.CheckinAttemptTimeLocal) || !a.CreatedOn.Equal(b.CreatedOn) ||
			a.Description != b.Description || a.BusinessName != b.BusinessName || (a.CoworkerID == nil) != (b.CoworkerID == nil) {
			t.Fatalf("record %d changed in a round trip:\n%+v\n%+v", i, a, b)
		}
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, data     string
		line, column   int
		field, message string
	}{
		{"empty file", "", 1, 1, "", "empty"},
		{"unknown column", "Id,Colour\n", 1, 2, "Colour", "unknown column"},
		{"duplicate column", "Id,id\n", 1, 2, "id", "twice"},
		{"missing required", "Id,BusinessId\n", 1, 2, "", "CheckinAttemptTime"},
		{"bad id", header + goodRow + strings.Replace(goodRow, "1,", "x,", 1), 3, 1, "Id", "whole number"},
		{"bad time", header + goodRow + goodRow + strings.Replace(goodRow, "2024-11-01T12:22:38Z,2,", "2024-13-01T12:22:38Z,2,", 1), 4, 7, "CheckinAttemptTime", "UTC time"},
		{"local with offset", header + strings.Replace(goodRow, "2024-11-01T13:22:38,", "2024-11-01T13:22:38+01:00,", 1), 2, 13, "CheckinAttemptTimeLocal", "no offset"},
		{"bad source", header + strings.Replace(goodRow, "Z,2,", "Z,9,", 1), 2, 8, "Source", "unknown source"},
		{"bad guid", header + strings.Replace(goodRow, "a1fc918c", "zzz", 1), 2, 2, "UniqueId", "GUID"},
		{"zero coworker", header + strings.Replace(goodRow, ",109939,", ",0,", 1), 2, 3, "CoworkerId", "at least 1"},
		{"invalid utf8", header + strings.Replace(goodRow, "Liam", "L\xffam", 1), 2, 4, "CoworkerFullName", "UTF-8"},
		{"too few fields", header + goodRow + "1,2\n", 3, 1, "", fmt.Sprintf("line 3, column 1: 2 fields, want %d (the header's)", strings.Count(header, ",")+1)},
		{"stray quote", header + `1,"a"b` + "\n", 2, 0, "", "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, tt.data)
			var re *csvrecord.RowError
			if !errors.As(err, &re) {
				t.Fatalf("readAll = %v; want a *RowError", err)
			}
			if re.Line != tt.line || (tt.column > 0 && re.Column != tt.column) || re.Field != tt.field {
				t.Errorf("error at line %d, column %d, field %q; want line %d, column %d, field %q (%v)",
					re.Line, re.Column, re.Field, tt.line, tt.column, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not mention %q", err, tt.message)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	f.Add(header + goodRow)
	f.Add("Id,BusinessId,CheckinAttemptTime,CheckinAttemptTimeLocal,Source\n1,2,2026-01-01T00:00:00+02:00,2026-01-01T00:00:00,DoorAccess\n")
	f.Add(header + `1,"a""b` + "\n")
	f.Fuzz(func(t *testing.T, data string) {
		rd, err := csvrecord.NewReader(strings.NewReader(data))
		if err != nil {
			return
		}
		for rec, err := range rd.All() {
			if err != nil {
				var re *csvrecord.RowError
				if !errors.As(err, &re) || re.Line < 1 {
					t.Fatalf("error %v is not a located *RowError", err)
				}
				return
			}
			if rec.ID < 1 || rec.BusinessID < 1 || !rec.Source.Valid() || rec.CheckinAttemptTime.Location() != time.UTC {
				t.Fatalf("accepted an invalid record %+v", rec)
			}
		}
	})
}
