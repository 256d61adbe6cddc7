package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// evalNow is the console's clock in these tests: Wednesday 1 July 2026,
// 11:00 in London (BST).
var evalNow = time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)

// evalBackend is what the dry-run tests need of the store besides the
// console's own interfaces.
type evalBackend interface {
	envStore
	fc.CheckinStore
	fc.DirectoryStore
	fc.AttemptStore
}

// countingDirectory counts the reads of the directory, so a test can tell
// that a refused request evaluated nothing.
type countingDirectory struct {
	fc.DirectoryStore
	reads atomic.Int64
}

func (d *countingDirectory) Directory(ctx context.Context) (*fc.Directory, error) {
	d.reads.Add(1)
	return d.DirectoryStore.Directory(ctx)
}

// evalEnv is the console over the sample plus storetest.CheckinDirectory
// and refusals written by the real pipeline:
//   - limited: Ana (10, three check-ins a month) at London after her three
//     July check-ins, CheckinLimitReached, and still refused now;
//   - unsuspended: Ben (11, London only) at London while suspended,
//     AccountSuspended, admitted now that the suspension is lifted;
//   - paris: Ben at Paris, LocationNotAllowed, outside evalmgr's scope.
type evalEnv struct {
	*env
	db                          evalBackend
	dir                         *countingDirectory
	limited, unsuspended, paris int64
}

func newEvalEnv(t *testing.T) *evalEnv {
	t.Helper()
	ee := &evalEnv{}
	ee.env = newEnvWith(t, func(s envStore, cfg *console.Config) {
		db, ok := s.(evalBackend)
		if !ok {
			t.Fatalf("store %T has no check-ins or directory", s)
		}
		ee.db, ee.dir = db, &countingDirectory{DirectoryStore: db}
		cfg.Checkins, cfg.Directory, cfg.Now = db, ee.dir, func() time.Time { return evalNow }
	})
	ctx := context.Background()
	storetest.ImportTestDirectory(t, ee.db)
	importDoc(t, ee.db, `{"Coworkers": [{"Id": 11, "FullName": "Ben Okafor", "Active": true, "Suspended": true, "TariffId": 2, "AccessCards": ["04A2B3C4"]}]}`)
	at := func(business, coworker int64, when time.Time) *fc.Attempt {
		return &fc.Attempt{BusinessID: business, Source: fc.SourceDoorAccess, CoworkerID: &coworker, FromTime: when}
	}
	july := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	res, err := ee.db.RecordAttempts(ctx, []*fc.Attempt{
		at(1, 10, july), at(2, 10, july.Add(time.Minute)), at(1, 10, july.Add(2*time.Minute)),
		at(1, 10, july.Add(3*time.Minute)), at(1, 11, july.Add(4*time.Minute)), at(2, 11, july.Add(5*time.Minute)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"", "", "", fc.ReasonCheckinLimitReached, fc.ReasonAccountSuspended, fc.ReasonAccountSuspended} {
		if r := res[i]; r.Err != nil || r.Outcome.Reason != want {
			t.Fatalf("attempt %d = %+v, %v; want reason %q", i, r.Outcome, r.Err, want)
		}
	}
	ee.limited, ee.unsuspended, ee.paris = res[3].Outcome.ID, res[4].Outcome.ID, res[5].Outcome.ID
	importDoc(t, ee.db, `{"Coworkers": [{"Id": 11, "FullName": "Ben Okafor", "Active": true, "TariffId": 2, "AccessCards": ["04A2B3C4"]}]}`)
	addUser(t, ee.db, "evalmgr@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinRead, fc.RoleCheckinEvaluate}, Businesses: []int64{1}})
	addUser(t, ee.db, "reader@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinRead}, Businesses: []int64{1}})
	addUser(t, ee.db, "staff@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead,
		fc.RoleCheckinEvaluate, fc.RoleCheckinList}, Businesses: []int64{1}})
	addUser(t, ee.db, "lister@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinList}, Businesses: []int64{1}})
	return ee
}

func importDoc(t *testing.T, s fc.DirectoryStore, doc string) {
	t.Helper()
	d, err := fc.ParseDirectory(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ImportDirectory(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// evaluate posts the record page's form with csrf and returns the answer.
func (ee *evalEnv) evaluate(t *testing.T, c *http.Client, id int64, csrf string) (int, string) {
	t.Helper()
	form := url.Values{}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	resp, err := c.PostForm(fmt.Sprintf("%s/console/failedcheckins/%d/evaluate", ee.srv.URL, id), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = fmt.Fprint(&b, readAll(t, resp))
	return resp.StatusCode, b.String()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// rowCounts is what a write would change: every FailedCheckin and
// Checkin, and the directory's coworkers.
func (ee *evalEnv) rowCounts(t *testing.T) [3]int64 {
	t.Helper()
	ctx := context.Background()
	q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1}
	fcs, err := ee.db.FindFailedCheckins(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	cks, err := ee.db.FindCheckins(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ee.db.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return [3]int64{fcs.TotalItems, cks.TotalItems, int64(len(d.Coworkers))}
}

// TestEvaluateOnRecordPage: the console's answer is fc.EvaluateAll's for
// the record's coworker at the record's location now (admitted and
// refused), every check's Detail, NextAdmission in the location's local
// time and the Fixes, and nothing is written.
func TestEvaluateOnRecordPage(t *testing.T) {
	ee := newEvalEnv(t)
	c := ee.client(t)
	ee.signIn(t, c, "evalmgr@example.com")
	ctx := context.Background()
	before := ee.rowCounts(t)
	for _, tt := range []struct {
		name     string
		id       int64
		coworker int64
		admitted bool
		// what the page must say, beyond fc.EvaluateAll's texts
		want []string
	}{
		{"refused: the monthly limit", ee.limited, 10, false,
			[]string{"CheckinLimitReached", "2026-08-01 00:00:00 (UTC+01:00) local time, 2026-07-31 23:00:00 UTC"}},
		{"admitted now that the suspension is lifted", ee.unsuspended, 11, true,
			[]string{"Admitted", "2026-07-01 11:00:00 (UTC+01:00) local time, 2026-07-01 10:00:00 UTC"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, page := get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", ee.srv.URL, tt.id))
			if code != 200 || !strings.Contains(page, "Would they get in now?") {
				t.Fatalf("record page = %d, without the check", code)
			}
			code, body := ee.evaluate(t, c, tt.id, csrfOf(t, page))
			if code != 200 {
				t.Fatalf("evaluate = %d\n%.800s", code, body)
			}
			dir, err := ee.db.Directory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fc.EvaluateAll(dir, &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, CoworkerID: &tt.coworker, FromTime: evalNow},
				fc.StoredCheckinCount(ctx, ee.db))
			if err != nil {
				t.Fatal(err)
			}
			if want.Verdict.Accepted() != tt.admitted {
				t.Fatalf("fc.EvaluateAll admitted = %t; the fixture expects %t", want.Verdict.Accepted(), tt.admitted)
			}
			// Judged now (the console's clock), not at the record's time.
			texts := append([]string{"Checked for 2026-07-01 11:00:00 (UTC+01:00) at London, 2026-07-01 10:00:00 UTC."}, tt.want...)
			if !tt.admitted {
				texts = append(texts, "Refused: ", want.Verdict.Reason, want.Verdict.Description)
			} else if strings.Contains(body, "Refused: ") {
				t.Errorf("an admitted evaluation says Refused")
			}
			for _, ch := range want.Checks {
				texts = append(texts, ch.Detail)
			}
			texts = append(texts, want.Fixes...)
			text := html.UnescapeString(body) // html/template writes + as &#43;
			for _, s := range texts {
				if !strings.Contains(text, s) {
					t.Errorf("the answer lacks %q", s)
				}
			}
			if n := strings.Count(body, "<tr><td>"); n != len(want.Checks) {
				t.Errorf("%d checks shown; want %d", n, len(want.Checks))
			}
		})
	}
	if after := ee.rowCounts(t); after != before {
		t.Errorf("rows (failed check-ins, check-ins, coworkers) %v before, %v after: the check wrote", before, after)
	}
}

// TestEvaluateGuards: the CSRF token is required, a record at a location
// outside the session's scope is a 404, and a user without
// Checkin-Evaluate is refused; none of them reads the directory.
func TestEvaluateGuards(t *testing.T) {
	ee := newEvalEnv(t)
	mgr := ee.client(t)
	ee.signIn(t, mgr, "evalmgr@example.com")
	_, page := get(t, mgr, fmt.Sprintf("%s/console/failedcheckins/%d", ee.srv.URL, ee.limited))
	token := csrfOf(t, page)
	reader := ee.client(t)
	ee.signIn(t, reader, "reader@example.com")
	_, readerPage := get(t, reader, fmt.Sprintf("%s/console/failedcheckins/%d", ee.srv.URL, ee.limited))
	if strings.Contains(readerPage, `id="evaluate"`) {
		t.Errorf("the record page offers the check to a user without %s", fc.RoleCheckinEvaluate)
	}
	before := ee.rowCounts(t)
	for _, tt := range []struct {
		name   string
		c      *http.Client
		id     int64
		csrf   string
		status int
	}{
		{"no token", mgr, ee.limited, "", http.StatusForbidden},
		{"forged token", mgr, ee.limited, "forged", http.StatusForbidden},
		{"another session's token", reader, ee.limited, token, http.StatusForbidden},
		{"out of scope", mgr, ee.paris, token, http.StatusNotFound},
		{"no such record", mgr, 1 << 40, token, http.StatusNotFound},
		{"without Checkin-Evaluate", reader, ee.limited, csrfOf(t, readerPage), http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reads := ee.dir.reads.Load()
			code, body := ee.evaluate(t, tt.c, tt.id, tt.csrf)
			if code != tt.status || strings.Contains(body, `id="eval-outcome"`) {
				t.Errorf("evaluate = %d, shows an outcome: %t; want %d without", code, strings.Contains(body, `id="eval-outcome"`), tt.status)
			}
			if n := ee.dir.reads.Load() - reads; n != 0 {
				t.Errorf("the directory was read %d times; want none", n)
			}
		})
	}
	// The same token and record do evaluate, so the refusals above are the guards'.
	reads := ee.dir.reads.Load()
	if code, body := ee.evaluate(t, mgr, ee.limited, token); code != 200 || !strings.Contains(body, `id="eval-outcome"`) || ee.dir.reads.Load() == reads {
		t.Errorf("evaluate with the token = %d; want 200 with an outcome, reading the directory", code)
	}
	if after := ee.rowCounts(t); after != before {
		t.Errorf("rows %v before, %v after", before, after)
	}
}

// TestEvaluateMaskedMACOnly: the dry run of a record that names no
// coworker, only a MAC address the directory now gives Ana, is judged
// from the stored (unmasked) MAC address for a masked user too, so their
// verdict is the unmasked user's (not "no one owns the device"), and
// their page shows no full MAC address and no name: the texts say
// **:**:**:**:19:0b and A. S.
func TestEvaluateMaskedMACOnly(t *testing.T) {
	ee := newEvalEnv(t)
	ctx := context.Background()
	roles := []string{fc.RoleFailedCheckinRead, fc.RoleCheckinEvaluate}
	addUser(t, ee.db, "maskedeval@example.com", &fc.User{Roles: roles, Businesses: []int64{1}, MaskPersonalData: true})
	july := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	rec := &fc.FailedCheckin{UniqueID: "5b0e3c1a-0000-4000-8000-00000000ac01", BusinessID: 1, BusinessName: "London",
		CheckinAttemptTime: july, CheckinAttemptTimeLocal: july.Add(time.Hour), Source: fc.SourceNetworkActivity,
		MacAddresses: "a4-5e-60-c2-19-0b", Description: "Refused at the door", CreatedOn: july, UpdatedOn: july}
	if n, err := ee.db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) { yield(rec, nil) }); err != nil || n != 1 {
		t.Fatalf("CreateFailedCheckins = %d, %v", n, err)
	}
	page, err := ee.db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Descending: true, Page: 1, Size: 1,
		Conditions: []fc.Condition{{Field: fc.FieldUniqueID, Match: fc.MatchEqualFold, Strings: []string{rec.UniqueID}}}})
	if err != nil || len(page.Records) != 1 || page.Records[0].CoworkerID != nil {
		t.Fatalf("the MAC-only record: %+v, %v", page, err)
	}
	id := page.Records[0].ID
	dir, err := ee.db.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fc.EvaluateAll(dir, &fc.Attempt{BusinessID: 1, Source: fc.SourceNetworkActivity, MacAddresses: rec.MacAddresses, FromTime: evalNow},
		fc.StoredCheckinCount(ctx, ee.db))
	if err != nil || want.Verdict.Coworker == nil || want.Verdict.Coworker.ID != 10 {
		t.Fatalf("fc.EvaluateAll of Ana's MAC address = %+v, %v; the fixture expects Ana", want, err)
	}
	answer := func(email string) string {
		c := ee.client(t)
		ee.signIn(t, c, email)
		_, recPage := get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", ee.srv.URL, id))
		code, body := ee.evaluate(t, c, id, csrfOf(t, recPage))
		if code != 200 || !strings.Contains(body, `id="eval-outcome"`) {
			t.Fatalf("evaluate as %s = %d\n%.800s", email, code, body)
		}
		return html.UnescapeString(body)
	}
	plain, masked := answer("evalmgr@example.com"), answer("maskedeval@example.com")
	verdict := `id="eval-reason">` + want.Verdict.Reason + "<"
	if want.Verdict.Accepted() {
		verdict = "Admitted"
	}
	for who, body := range map[string]string{"unmasked": plain, "masked": masked} {
		if !strings.Contains(body, verdict) || strings.Contains(body, "No coworker in the directory owns") {
			t.Errorf("the %s user's verdict is not %q (fc.EvaluateAll's from the stored MAC address)", who, verdict)
		}
	}
	if !strings.Contains(plain, "Ana Silva") || !strings.Contains(plain, "a4-5e-60-c2-19-0b") {
		t.Errorf("the unmasked user's answer lacks the name or the MAC address")
	}
	for _, leak := range []string{"Ana Silva", "Silva", "a4-5e-60-c2", "A4:5E:60:C2", "a4:5e:60:c2", "Atlas"} {
		if strings.Contains(masked, leak) {
			t.Errorf("the masked user's page shows %q", leak)
		}
	}
	if !strings.Contains(masked, "**:**:**:**:19:0b") || !strings.Contains(masked, "A. S.") {
		t.Errorf("the masked user's answer lacks the masked MAC address or initials:\n%.3000s", masked)
	}
}
