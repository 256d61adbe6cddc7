package api

import (
	"bytes"
	"testing"
)

// FuzzScanObject: whenever the one-pass reader takes a body, the decoder
// takes it too and reads the same value for every field, so the fast path
// changes no answer; and it takes the bodies devices send.
func FuzzScanObject(f *testing.F) {
	for _, body := range []string{
		`{"BusinessId": 1, "Source": 3, "MacAddresses": "a4-5e-60-c2-19-0b", "FromTime": "2026-07-01T10:00:00Z"}`,
		`{"businessid":1,"SOURCE":"DoorAccess","CoworkerId":-0.5e+3,"AccessCardId":null}`,
		" \t\r\n{ } \n", `{}`, `{"BusinessId": 1, "BusinessId": 2}`, `{"BusinessId": 1, "Other": 2}`,
		`{"BusinessId": 01}`, `{"BusinessId": 1,}`, `{"BusinessId": 1} x`, `{"BusinessId": "\u0041"}`,
		`{"MacAddresses": "é"}`, "{\"MacAddresses\": \"\xff\"}", `{"Source": true}`, `{"Source": [1]}`,
		`{"Source": 1.}`, `{"Source": -}`, `{"Source": 1e}`, `{"Source": tru}`, `{"Busineſsid": 1}`,
		`[1]`, ``, `{"FromTime": "2026-07-01T10:00:00Z"`,
	} {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var fast, slow attemptFields
		if !scanObject([]byte(body), &fast) {
			return
		}
		if err := decodeObject([]byte(body), &slow); err != nil {
			t.Fatalf("scanObject took %q, the decoder refuses it: %v", body, err)
		}
		for i := range fast {
			if !bytes.Equal(bytes.TrimSpace(fast[i]), bytes.TrimSpace(slow[i])) {
				t.Fatalf("%q: field %s = %q by scanObject, %q by the decoder", body, attemptFieldNames[i], fast[i], slow[i])
			}
		}
	})
}

// TestScanObjectTakes: the fast path takes what devices send, in any case
// and spacing, and leaves anything unusual to the decoder.
func TestScanObjectTakes(t *testing.T) {
	for body, want := range map[string]bool{
		`{"BusinessId": 1, "Source": 3, "MacAddresses": "a4-5e-60-c2-19-0b", "FromTime": "2026-07-01T10:00:00Z"}`: true,
		`{"businessid":1,"source":"DoorAccess","coworkerId":12,"accesscardid":null}`:                              true,
		"{\n  \"BusinessId\": 1001,\n  \"Source\": 2,\n  \"CoworkerId\": 100001\n}\n":                             true,
		`{"BusinessId": 1, "BusinessId": 2}`:                                                                      false, // duplicate: the decoder words the error
		`{"BusinessId": 1, "Extra": 2}`:                                                                           false, // unknown fields: the decoder checks their duplicates
		`{"BusinessId": 1} {}`:                                                                                    false,
		`{"MacAddresses": "a\"b"}`:                                                                                false,
		`{"BusinessId": {"x": 1}}`:                                                                                false,
	} {
		var fields attemptFields
		if got := scanObject([]byte(body), &fields); got != want {
			t.Errorf("scanObject(%q) = %v; want %v", body, got, want)
		}
	}
}
