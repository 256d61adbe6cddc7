package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// TestResolutionOverTheAPI: a refusal followed within the hour by an
// accepted check-in of the same coworker at the same location carries
// ResolvedByCheckinId and ResolvedOn (null before), is found by
// FailedCheckin_Resolved=true and counted by groupBy=Resolved;
// FailedCheckin_Resolved=maybe is a 400 naming the parameter. On the
// store FAILEDCHECKINS_TEST_DB selects (SQLite by default).
func TestResolutionOverTheAPI(t *testing.T) {
	ctx := context.Background()
	db, ok := teststore.Open(t).(interface {
		storetest.CheckinBackend
		SetNow(func() time.Time)
	})
	if !ok {
		t.Fatal("the test store does not record attempts")
	}
	db.SetNow(func() time.Time { return checkinNow })
	importWith := func(suspended bool) {
		d, err := fc.ParseDirectory(strings.NewReader(storetest.CheckinDirectory))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range d.Coworkers {
			c.Suspended = suspended && c.ID == 11
		}
		if err := db.ImportDirectory(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	h := New(Config{Store: db, Authenticator: checkinAuth{}, Checkins: &CheckinConfig{
		Store: db, Directory: db, Attempts: q, Now: func() time.Time { return checkinNow },
	}}).Handler()
	get := func(target string, status int, want ...string) {
		t.Helper()
		w := send(t, h, "GET", target, "admin", "")
		for _, s := range want {
			if w.Code != status || !strings.Contains(w.Body.String(), s) {
				t.Errorf("GET %s = %d %s; want %d containing %s", target, w.Code, w.Body, status, s)
			}
		}
	}

	importWith(true)
	w := send(t, h, "POST", "/api/spaces/checkins", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 11, "FromTime": "2026-07-01T09:30:00Z"}`)
	if !strings.Contains(w.Body.String(), `"Value":{"FailedCheckinId":1,"Reason":"AccountSuspended"}`) {
		t.Fatalf("refused attempt = %d %s; want FailedCheckin 1, AccountSuspended", w.Code, w.Body)
	}
	get("/api/spaces/failedcheckins/1", 200, `"UpdatedOn":"2026-07-01T10:00:00Z"`, `"ResolvedByCheckinId":null,"ResolvedOn":null`)
	importWith(false)
	w = send(t, h, "POST", "/api/spaces/checkins", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 11, "FromTime": "2026-07-01T09:55:00Z"}`)
	if !strings.Contains(w.Body.String(), `"Value":{"Id":1}`) {
		t.Fatalf("accepted attempt = %d %s; want Checkin 1", w.Code, w.Body)
	}

	// The store's clock says when: an hour after the first answer.
	db.SetNow(func() time.Time { return checkinNow.Add(time.Hour) })
	w = send(t, h, "POST", "/api/spaces/checkins", "door", `{"BusinessId": 1, "Source": 2, "CoworkerId": 11, "FromTime": "2026-07-01T10:00:00Z"}`)
	if !strings.Contains(w.Body.String(), `"Value":{"Id":2}`) {
		t.Fatalf("second accepted attempt = %d %s; want Checkin 2", w.Code, w.Body)
	}
	resolvedOn := checkinNow.Format(utcLayout)
	get("/api/spaces/failedcheckins/1", 200,
		fmt.Sprintf(`"UpdatedOn":%q`, resolvedOn), fmt.Sprintf(`"ResolvedByCheckinId":1,"ResolvedOn":%q}`, resolvedOn))
	get("/api/spaces/failedcheckins/1?explain=true", 200, `"ResolvedByCheckinId":1,"ResolvedOn":`)
	get("/api/spaces/failedcheckins?FailedCheckin_Resolved=true", 200, `"TotalItems":1`, `"ResolvedByCheckinId":1`)
	get("/api/spaces/failedcheckins?failedcheckin_resolved=FALSE", 200, `"TotalItems":0`)
	get("/api/spaces/failedcheckins/stats?groupBy=Resolved", 200, `"Groups":[{"Resolved":true,"Count":1}]`)
	get("/api/spaces/failedcheckins/export?FailedCheckin_Resolved=true", 200,
		",ResolvedByCheckinId,ResolvedOn\n", fmt.Sprintf(",1,%s\n", resolvedOn))
	get("/api/spaces/failedcheckins?FailedCheckin_Resolved=maybe", 400,
		`{"PropertyName":"FailedCheckin_Resolved","Message":"must be true or false","AttemptedValue":"maybe"}`)
	get("/api/spaces/failedcheckins/stats?groupBy=Resolved&FailedCheckin_Resolved=1", 400, `"PropertyName":"FailedCheckin_Resolved"`)
}
