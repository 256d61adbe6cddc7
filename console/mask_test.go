package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestMaskedUserConsole: a user stored with MaskPersonalData (signed in
// through the real user store) sees names as initials, MAC addresses
// with only their last two octets and no teams on the list page (table
// and the top-coworkers chart), the detail page, the coworker page, the
// CSV export and the live view, and is offered no filter or sort by those
// fields; such a filter or sort typed into the URL is a 403 page naming
// the parameter, on the list, the export and the live view, never a 500.
// The unmasked administrator still sees everything.
func TestMaskedUserConsole(t *testing.T) {
	e := newEnv(t)
	addUser(t, e.db, "masked@example.com", &fc.User{Admin: true, MaskPersonalData: true})
	masked, admin := e.client(t), e.client(t)
	e.signIn(t, masked, "masked@example.com")
	e.signIn(t, admin, "admin@example.com")
	masked.Timeout = 20 * time.Second // a stream that should have been refused fails the test, not hangs it
	var rec *fc.FailedCheckin         // a record with every personal field
	for _, r := range e.records {
		if r.CoworkerID != nil && strings.Contains(r.CoworkerFullName, " ") && r.MacAddresses != "" && r.Teams != "" {
			rec = r
			break
		}
	}
	if rec == nil {
		t.Fatal("the sample has no record with a name, a MAC address and teams")
	}
	leaks := func(what, body string, rs ...*fc.FailedCheckin) {
		t.Helper()
		body = html.UnescapeString(body)
		for _, r := range rs {
			for _, v := range []string{r.CoworkerFullName, r.MacAddresses, r.Teams} {
				if len(v) >= 6 && strings.Contains(body, v) {
					t.Errorf("%s shows %q (record %d) to a masked user", what, v, r.ID)
				}
			}
		}
	}
	id := strconv.FormatInt(rec.ID, 10)
	maskedRec := *rec
	maskedRec.MaskPersonalData()
	for _, c := range []struct{ path, want string }{
		{"/console/failedcheckins?size=100", ""},
		{"/console/failedcheckins?Id=" + id, maskedRec.CoworkerFullName},
		{"/console/failedcheckins/" + id, maskedRec.MacAddresses},
		{"/console/coworkers/" + strconv.FormatInt(*rec.CoworkerID, 10), maskedRec.CoworkerFullName},
		{"/console/failedcheckins/export?format=csv", maskedRec.MacAddresses},
	} {
		code, body := get(t, masked, e.srv.URL+c.path)
		if code != 200 || !strings.Contains(html.UnescapeString(body), c.want) {
			t.Errorf("GET %s as masked = %d; want 200 with %q", c.path, code, c.want)
		}
		leaks(c.path, body, e.records...)
	}
	if _, body := get(t, masked, e.srv.URL+"/console/failedcheckins"); strings.Contains(body, `name="FailedCheckin_Coworker_FullName"`) ||
		strings.Contains(body, "orderBy=CoworkerFullName") {
		t.Errorf("the masked user's list page offers a filter or sort by name")
	}
	code, body := get(t, admin, e.srv.URL+"/console/failedcheckins/"+id)
	if body = html.UnescapeString(body); code != 200 || !strings.Contains(body, rec.CoworkerFullName) || !strings.Contains(body, rec.MacAddresses) {
		t.Errorf("the administrator's detail page = %d; want %q and %q", code, rec.CoworkerFullName, rec.MacAddresses)
	}
	if _, body := get(t, admin, e.srv.URL+"/console/failedcheckins"); !strings.Contains(body, `name="FailedCheckin_Coworker_FullName"`) {
		t.Errorf("the administrator's list page offers no filter by name")
	}

	for _, c := range []struct{ path, param string }{
		{"/console/failedcheckins?FailedCheckin_Coworker_FullName=" + rec.CoworkerFullName[:2], "FailedCheckin_Coworker_FullName"},
		{"/console/failedcheckins?FailedCheckin_TeamsAtTheTimeOfCheckin=a", "FailedCheckin_TeamsAtTheTimeOfCheckin"},
		{"/console/failedcheckins?orderBy=MacAddresses&dir=asc", "orderBy"},
		{"/console/failedcheckins/export?format=csv&FailedCheckin_MacAddresses=0", "FailedCheckin_MacAddresses"},
		{"/console/failedcheckins/stream?FailedCheckin_Coworker_FullName=a", "FailedCheckin_Coworker_FullName"},
	} {
		code, body := get(t, masked, e.srv.URL+c.path)
		if code != http.StatusForbidden || !strings.Contains(body, c.param) {
			t.Errorf("GET %s as masked = %d %.300s; want 403 naming %s", c.path, code, body, c.param)
		}
		if strings.Contains(c.path, "/stream") || c.param == "FailedCheckin_Coworker_FullName" {
			continue // an open stream never ends; a name filter may match nothing
		}
		if code, _ := get(t, admin, e.srv.URL+c.path); code != 200 {
			t.Errorf("GET %s as admin = %d; want 200", c.path, code)
		}
	}

	// The live view replays from the first record, masked.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/console/failedcheckins/stream?after=%d", e.srv.URL, rec.ID-1), nil)
	resp, err := masked.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the masked user's live view = %d", resp.StatusCode)
	}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				first <- data
				return
			}
		}
	}()
	select {
	case data := <-first:
		var got struct {
			Id                                                      int64
			CoworkerFullName, MacAddresses, TeamsAtTheTimeOfCheckin string
		}
		if err := json.Unmarshal([]byte(data), &got); err != nil || got.Id != rec.ID || got.CoworkerFullName != maskedRec.CoworkerFullName ||
			got.MacAddresses != maskedRec.MacAddresses || got.TeamsAtTheTimeOfCheckin != "" {
			t.Errorf("the masked live view sent %s (%v); want record %d masked", data, err, rec.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
}

// TestMaskedCoworkerPage: the coworker page of a masked user (an
// administrator, so it shows the directory's view too) names the
// coworker by initials and shows their MAC addresses and cards masked
// and no teams; the unmasked administrator sees them.
func TestMaskedCoworkerPage(t *testing.T) {
	ee := newEvalEnv(t)
	addUser(t, ee.db, "masked@example.com", &fc.User{Admin: true, MaskPersonalData: true})
	masked, admin := ee.client(t), ee.client(t)
	ee.signIn(t, masked, "masked@example.com")
	ee.signIn(t, admin, "admin@example.com")
	for _, c := range []struct {
		path     string
		has, not []string
	}{
		{"/console/coworkers/10", []string{"A. S.", "**:**:**:**:19:0b", "Three a month"}, []string{"Ana Silva", "Atlas", "A4:5E:60:C2"}},
		{"/console/coworkers/11", []string{"B. O.", "***C4"}, []string{"Okafor", "04A2B3C4"}},
	} {
		code, body := get(t, masked, ee.srv.URL+c.path)
		body = html.UnescapeString(body)
		for _, s := range c.has {
			if code != 200 || !strings.Contains(body, s) {
				t.Errorf("GET %s as masked = %d; want %q on it", c.path, code, s)
			}
		}
		for _, s := range c.not {
			if strings.Contains(body, s) {
				t.Errorf("GET %s as masked shows %q", c.path, s)
			}
		}
		_, plain := get(t, admin, ee.srv.URL+c.path)
		if plain = html.UnescapeString(plain); !strings.Contains(plain, c.not[0]) || !strings.Contains(plain, c.not[len(c.not)-1]) {
			t.Errorf("GET %s as admin lacks %q or %q", c.path, c.not[0], c.not[len(c.not)-1])
		}
	}
}
