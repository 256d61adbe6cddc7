package sqlstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

const oneBusiness = `{"Businesses": [{"Id": 1, "Name": "A", "TimeZone": "UTC"}]}`

// TestAtReadsOncePerVersion: the document is read and parsed again only
// when the version moves.
func TestAtReadsOncePerVersion(t *testing.T) {
	var c DirectoryCache
	loads := 0
	load := func() (string, error) { loads++; return oneBusiness, nil }
	for _, v := range []int64{1, 1, 2, 2, 1} {
		d, err := c.At(v, load)
		if err != nil || d.Business(1) == nil {
			t.Fatalf("At(%d) = %v, %v; want the directory with business 1", v, d, err)
		}
	}
	if loads != 3 {
		t.Errorf("At over versions 1,1,2,2,1 loaded %d times; want 3", loads)
	}
}

// TestAtBadDocument: a stored document that does not load is an internal
// error (ErrInternal, never a 400) and is not cached.
func TestAtBadDocument(t *testing.T) {
	var c DirectoryCache
	for _, doc := range []string{`{"Businesses": [,]}`, `{"Businesses": [{"Id": 1, "Name": "A", "TimeZone": "Mars/Base"}]}`} {
		_, err := c.At(1, func() (string, error) { return doc, nil })
		if fc.ErrorCode(err) != fc.ErrInternal {
			t.Errorf("At(%s) = %v; want an internal error", doc, err)
		}
	}
	d, err := c.At(1, func() (string, error) { return oneBusiness, nil })
	if err != nil || d.Business(1) == nil {
		t.Errorf("At after bad documents = %v, %v; want the good directory", d, err)
	}
	sentinel := errors.New("disk on fire")
	if _, err := c.At(2, func() (string, error) { return "", sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("At with a failing load = %v; want it wrapped", err)
	}
}

// TestPurgeDue: once per PurgeInterval.
func TestPurgeDue(t *testing.T) {
	var c DirectoryCache
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Time
		want bool
	}{{t0, true}, {t0.Add(30 * time.Second), false}, {t0.Add(PurgeInterval), true}, {t0.Add(PurgeInterval + time.Second), false}}
	for _, s := range steps {
		if got := c.PurgeDue(s.at); got != s.want {
			t.Errorf("PurgeDue(%v) = %v; want %v", s.at, got, s.want)
		}
	}
}

// TestMerge: an import upserts by Id and a merged directory that does not
// check is the client's ErrInvalid error, pointing into the document.
func TestMergeDirectory(t *testing.T) {
	current, err := fc.ParseDirectory(strings.NewReader(oneBusiness))
	if err != nil {
		t.Fatal(err)
	}
	upd, err := fc.ParseDirectory(strings.NewReader(`{"Businesses": [{"Id": 2, "Name": "B", "TimeZone": "UTC"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MergeDirectory(current, upd)
	if err != nil {
		t.Fatal(err)
	}
	d, err := fc.ParseDirectory(strings.NewReader(doc))
	if err != nil || d.Index() != nil || d.Business(1) == nil || d.Business(2) == nil {
		t.Errorf("Merge = %s, %v; want businesses 1 and 2", doc, err)
	}
	bad, err := fc.ParseDirectory(strings.NewReader(`{"Tariffs": [{"Id": 1, "Name": "T", "Businesses": [9]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MergeDirectory(current, bad); fc.ErrorCode(err) != fc.ErrInvalid || !strings.Contains(fc.ErrorMessage(err), "Tariffs[0]") {
		t.Errorf("MergeDirectory(unknown business) = %v; want ErrInvalid at Tariffs[0]", err)
	}
}
