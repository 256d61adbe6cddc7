package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

const searchPath = "/api/spaces/failedcheckins"

// bad is a search scenario that must be a 400 naming exactly the given parameters.
func bad(name, query string, properties ...string) scenario {
	return scenario{name: name, target: searchPath + "?" + query, token: "admin", status: http.StatusBadRequest,
		props: props(properties...), want: []string{`"Status":400`}}
}

// ok is a search scenario that must be a 200 with exactly the given records.
func ok(name, query string, want ...int64) scenario {
	return scenario{name: name, target: searchPath + "?" + query, token: "admin", status: http.StatusOK, ids: ids(want...)}
}

func TestSearchPagingAndSorting(t *testing.T) {
	s := newTestServer(t, nil)
	runScenarios(t, s.Handler(), []scenario{
		{name: "defaults", target: searchPath, token: "admin", status: 200, ids: ids(6, 4, 3, 2, 1, 5), want: []string{
			`"CurrentPage":1,"CurrentPageSize":25,"CurrentOrderField":"CreatedOn","CurrentSortDirection":1,"FirstItem":1,"LastItem":6,"TotalItems":6,"TotalPages":1,"HasNextPage":false,"HasPreviousPage":false,"PageNumber":1,"PageSize":25}`}},
		{name: "middle page", target: searchPath + "?page=2&size=2", token: "admin", status: 200, ids: ids(3, 2), want: []string{
			`"CurrentPage":2,"CurrentPageSize":2,`, `"FirstItem":3,"LastItem":4,"TotalItems":6,"TotalPages":3,"HasNextPage":true,"HasPreviousPage":true,"PageNumber":2,"PageSize":2}`}},
		{name: "last partial page", target: searchPath + "?page=2&size=4", token: "admin", status: 200, ids: ids(1, 5), want: []string{
			`"FirstItem":5,"LastItem":6,"TotalItems":6,"TotalPages":2,"HasNextPage":false,"HasPreviousPage":true`}},
		{name: "page past the end", target: searchPath + "?page=3&size=4", token: "admin", status: 200, ids: ids(), want: []string{
			`"Records":[]`, `"FirstItem":0,"LastItem":0,"TotalItems":6,"TotalPages":2,"HasNextPage":false,"HasPreviousPage":true`}},
		{name: "huge page", target: searchPath + "?page=9223372036854775807", token: "admin", status: 200, ids: ids(), want: []string{
			`"CurrentPage":9223372036854775807,`, `"FirstItem":0,"LastItem":0`}},
		{name: "size above max", target: searchPath + "?size=1001", token: "admin", status: 200, want: []string{`"CurrentPageSize":1000,`, `"PageSize":1000}`}},
		{name: "size beyond int64", target: searchPath + "?size=99999999999999999999999", token: "admin", status: 200, want: []string{`"CurrentPageSize":1000,`}},
		{name: "size exactly max", target: searchPath + "?size=1000", token: "admin", status: 200, want: []string{`"CurrentPageSize":1000,`}},
		{name: "size 1", target: searchPath + "?size=1", token: "admin", status: 200, ids: ids(6), want: []string{`"TotalPages":6,"HasNextPage":true`}},
		ok("order by id ascending", "orderBy=Id&dir=asc", 1, 2, 3, 4, 5, 6),
		ok("names are case-insensitive", "ORDERBY=id&DIR=Asc&PAGE=1&SIZE=2", 1, 2),
		ok("empty values are absent", "orderBy=&dir=&page=&size=&FailedCheckin_Business_Name=&Id=", 6, 4, 3, 2, 1, 5),
		{name: "alias Coworker, nulls first", target: searchPath + "?orderBy=coworker&dir=0", token: "admin", status: 200,
			ids: ids(2, 1, 5, 3, 4, 6), want: []string{`"CurrentOrderField":"CoworkerId","CurrentSortDirection":0`}},
		{name: "alias Business, ties by id descending", target: searchPath + "?orderBy=Business&dir=Descending", token: "admin", status: 200,
			ids: ids(4, 5, 3, 6, 2, 1), want: []string{`"CurrentOrderField":"BusinessId","CurrentSortDirection":1`}},
		ok("text order folds case, empty first", "orderBy=coworkerfullname&dir=ASC", 2, 1, 5, 4, 6, 3),
		ok("text order descending, empty last", "orderBy=CoworkerFullName&dir=desc", 3, 6, 4, 5, 1, 2),
		ok("null text first ascending", "orderBy=UpdatedBy&dir=asc", 1, 2, 4, 5, 6, 3),
		ok("order by source", "orderBy=Source&dir=asc", 5, 4, 1, 2, 3, 6),
		ok("order by local time", "orderBy=CheckinAttemptTimeLocal&dir=asc", 5, 1, 2, 3, 4, 6),
		bad("size zero", "size=0", "size"),
		bad("size negative", "size=-5", "size"),
		bad("size not a number", "size=ten", "size"),
		bad("size fraction", "size=2.5", "size"),
		bad("page zero", "page=0", "page"),
		bad("page not a number", "Page=first", "Page"),
		bad("page beyond int64", "page=99999999999999999999", "page"),
		bad("unknown order field", "orderBy=Nope", "orderBy"),
		bad("unknown direction", "dir=up", "dir"),
		bad("direction 2", "dir=2", "dir"),
	})
}

func TestSearchOrderByEveryField(t *testing.T) {
	s := newTestServer(t, nil)
	var scenarios []scenario
	for _, f := range fc.FailedCheckinFields {
		for _, spelling := range []string{string(f), strings.ToLower(string(f)), strings.ToUpper(string(f))} {
			scenarios = append(scenarios, scenario{name: spelling, target: searchPath + "?orderBy=" + spelling, token: "admin",
				status: 200, want: []string{fmt.Sprintf(`"CurrentOrderField":%q`, f), `"TotalItems":6`}})
		}
	}
	runScenarios(t, s.Handler(), scenarios)
}

func TestSearchDirectionSpellings(t *testing.T) {
	s := newTestServer(t, nil)
	var scenarios []scenario
	for dir, want := range map[string]string{"0": "0", "Ascending": "0", "ascending": "0", "ASC": "0", "asc": "0",
		"1": "1", "-1": "1", "Descending": "1", "DESCENDING": "1", "desc": "1", "Desc": "1"} {
		scenarios = append(scenarios, scenario{name: dir, target: searchPath + "?orderBy=Id&dir=" + dir, token: "admin", status: 200,
			want: []string{`"CurrentSortDirection":` + want}})
	}
	runScenarios(t, s.Handler(), scenarios)
}

func TestSearchOrderByMessageListsFields(t *testing.T) {
	s := newTestServer(t, nil)
	w := do(t, s.Handler(), "GET", searchPath+"?orderBy=Nope", "admin")
	for _, name := range []string{"Id", "UniqueId", "CheckinAttemptTimeLocal", "Reason", "Coworker", "Business"} {
		if !strings.Contains(w.Body.String(), name) {
			t.Errorf("orderBy=Nope: body = %s; want the valid name %s listed", w.Body, name)
		}
	}
}
