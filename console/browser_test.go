package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// chromiumPath finds Debian's chromium. Without it the browser test skips
// locally but fails in CI (CI=true), where .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed, and CI=true: the browser tests must run (apt-get install -y chromium)")
	}
	t.Skip("chromium is not installed: skipping the browser tests (apt-get install -y chromium)")
	return ""
}

// newBrowser starts headless Chromium with a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 120*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// apiIDs asks the API (as the administrator) for the ids of one page.
func (e *env) apiIDs(t *testing.T, query string) ([]int64, int64) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/spaces/failedcheckins?"+query, nil)
	req.SetBasicAuth("admin@example.com", password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Records    []struct{ Id int64 }
		TotalItems int64
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 {
		t.Fatalf("API ?%s = %d, %v", query, resp.StatusCode, err)
	}
	var ids []int64
	for _, r := range page.Records {
		ids = append(ids, r.Id)
	}
	return ids, page.TotalItems
}

// tableIDs reads the ids of the result table and the summary line.
func tableIDs(t *testing.T, ctx context.Context) ([]int64, string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("results"))); err != nil {
		t.Fatalf("wait for the table: %v", err)
	}
	texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#results tbody tr td:first-child")).map(td => td.innerText.trim())`))
	if err != nil {
		t.Fatalf("read table: %v", err)
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("summary")))
	if err != nil {
		t.Fatalf("read summary: %v", err)
	}
	var ids []int64
	for _, s := range texts {
		n, _ := strconv.ParseInt(s, 10, 64)
		ids = append(ids, n)
	}
	return ids, summary
}

// TestBrowser signs in, filters, sorts, pages, opens a record and
// downloads the CSV in headless Chromium, checking each view against the
// API's answer to the same query, and saves the README's screenshots.
func TestBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	shots := filepath.Join("..", "docs", "img")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	results := chromedp.WaitVisible(chromedp.ID("results"))
	run("sign in",
		chromedp.Navigate(e.srv.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		results)

	loc := strconv.FormatInt(e.managerLoc, 10)
	run("filter by location and source",
		chromedp.SetValue(chromedp.ID("loc"), loc),
		chromedp.SetValue(chromedp.ID("src"), "DoorAccess"),
		chromedp.Click(chromedp.ID("apply")),
		chromedp.WaitReady(chromedp.CSS(`#loc option[value="`+loc+`"][selected]`)),
		results)
	apiQuery := "FailedCheckin_Business=" + loc + "&FailedCheckin_Source=DoorAccess"
	e.checkTable(t, ctx, apiQuery, "filter")

	run("sort by local time, ascending", chromedp.Click(`//th/a[starts-with(normalize-space(.), "Local time")]`),
		chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="ascending"]`)))
	e.checkTable(t, ctx, apiQuery+"&orderBy=CheckinAttemptTimeLocal&dir=asc", "sort")

	run("next page", chromedp.Click(chromedp.ID("next")), chromedp.WaitVisible(chromedp.ID("prev")))
	e.checkTable(t, ctx, apiQuery+"&orderBy=CheckinAttemptTimeLocal&dir=asc&page=2", "page 2")
	ids, _ := tableIDs(t, ctx)

	run("open a record", chromedp.Click(chromedp.CSS("#results tbody tr:first-child td:first-child a")),
		chromedp.WaitVisible(chromedp.ID("f-id")))
	field, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("f-id")))
	if err != nil || len(ids) == 0 || field != strconv.FormatInt(ids[0], 10) {
		t.Errorf("detail page shows Id %q (%v); want %v, the first row", field, err, ids)
	}
	saveShot(t, ctx, chromedp.FullScreenshot(100), filepath.Join(shots, "console-detail.png"))

	e.checkDownload(t, ctx, apiQuery)

	run("the list for the screenshot", chromedp.Navigate(e.srv.URL+"/console/failedcheckins?size=25"), results)
	saveShot(t, ctx, chromedp.FullScreenshot(100), filepath.Join(shots, "console-list.png"))
	run("phone-sized viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload(), results)
	saveShot(t, ctx, chromedp.CaptureScreenshot(), filepath.Join(shots, "console-phone.png"))
}

// saveShot writes a screenshot to path.
func saveShot(t *testing.T, ctx context.Context, shot chromedp.Action[[]byte], path string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, shot)
	if err == nil {
		err = os.WriteFile(path, buf, 0o644)
	}
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
}

// checkTable compares the table's ids and total with the API's page.
func (e *env) checkTable(t *testing.T, ctx context.Context, apiQuery, step string) {
	t.Helper()
	got, summary := tableIDs(t, ctx)
	want, total := e.apiIDs(t, apiQuery)
	if !slices.Equal(got, want) || !strings.HasPrefix(strings.ReplaceAll(summary, ",", ""), strconv.FormatInt(total, 10)+" ") {
		t.Errorf("%s: table shows %v (%q); the API (?%s) answers %v of %d", step, got, summary, apiQuery, want, total)
	}
	if len(want) == 0 {
		t.Errorf("%s: the API answers no records; the comparison proves little", step)
	}
}

// checkDownload goes back to the filtered list, clicks "Download CSV" and
// compares the file with every page of the same API search.
func (e *env) checkDownload(t *testing.T, ctx context.Context, apiQuery string) {
	t.Helper()
	dir := t.TempDir()
	q, _ := url.ParseQuery(apiQuery)
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/failedcheckins?"+q.Encode()), chromedp.WaitVisible(chromedp.ID("export")),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptr(true)})
			return err
		}),
		chromedp.Click(chromedp.ID("export")))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	var guid string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
	}
	f, err := os.Open(filepath.Join(dir, guid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := csvrecord.NewReader(f)
	if err != nil {
		t.Fatalf("downloaded CSV: %v", err)
	}
	var got []int64
	for r, err := range rd.All() {
		if err != nil {
			t.Fatalf("downloaded CSV: %v", err)
		}
		got = append(got, r.ID)
	}
	var want []int64
	for page := 1; ; page++ {
		ids, total := e.apiIDs(t, apiQuery+"&size=100&page="+strconv.Itoa(page))
		want = append(want, ids...)
		if int64(len(want)) >= total || len(ids) == 0 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("downloaded CSV holds %d ids %v; the API's pages hold %d %v", len(got), head(got), len(want), head(want))
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 10)] }

func ptr[T any](v T) *T { return &v }

// TestBrowserLiveView: with the list page open and its "Live" switch on,
// a refusal written afterwards (by another writer: the stream learns of it
// by polling) appears at the top of the table, as the server renders a
// row; one outside the filter does not.
func TestBrowserLiveView(t *testing.T) {
	e := newEnv(t)
	ctx := newBrowser(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	loc := strconv.FormatInt(e.managerLoc, 10)
	run("sign in",
		chromedp.Navigate(e.srv.URL+"/console/failedcheckins?FailedCheckin_Business="+loc),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("results")))
	run("switch Live on", chromedp.Click(chromedp.ID("live")),
		chromedp.WaitVisible(`//span[@id="live-status"][starts-with(., "Live:")]`))
	e.write(t, liveRecord(e.otherLoc, fc.SourceDoorAccess, "elsewhere"), liveRecord(e.managerLoc, fc.SourceDoorAccess, "at the door now"))
	newest, _ := e.apiIDs(t, "orderBy=Id&dir=desc&size=1")
	id := strconv.FormatInt(newest[0], 10)
	run("wait for the new row", chromedp.WaitVisible(chromedp.CSS(`#results tbody tr[data-id="`+id+`"]`)))
	ids, _ := tableIDs(t, ctx)
	if len(ids) < 2 || ids[0] != newest[0] {
		t.Errorf("the table starts %v; want the new refusal %s first", head(ids), id)
	}
	if ids[1] == newest[0]-1 {
		t.Errorf("the refusal at location %d (Id %d) is in the table of location %s", e.otherLoc, newest[0]-1, loc)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#results tbody tr:first-child td")).map(td => td.innerText.trim())`))
	if err != nil || len(cells) != 8 || cells[4] != "Live Tester" || cells[5] != "DoorAccess" || cells[6] != "UnknownCoworker" || cells[7] != "at the door now" {
		t.Errorf("the new row reads %q (%v)", cells, err)
	}
}
