package console

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// Console-only parameters: one date-time range and the zone it is read in,
// so a person picks "from" and "to" once and says whether they mean the
// location's wall clock (the default) or UTC. Every other parameter is the
// API's own, so a console URL is nearly an API URL.
const (
	paramFrom = "from"
	paramTo   = "to"
	paramZone = "zone" // "local" (default) or "utc"
)

// APIQuery turns the console's query string into the API's: from and to
// become the range of FailedCheckin_CheckinAttemptTimeLocal or, with
// zone=utc, of FailedCheckin_CheckinAttemptTime. Everything else is passed
// on unchanged, so the API's parser judges it.
func APIQuery(v url.Values) string {
	out := url.Values{}
	for k, vs := range v {
		switch k {
		case paramFrom, paramTo, paramZone:
			continue
		}
		for _, x := range vs {
			out.Add(k, x)
		}
	}
	field := "FailedCheckin_CheckinAttemptTimeLocal"
	if strings.EqualFold(v.Get(paramZone), "utc") {
		field = "FailedCheckin_CheckinAttemptTime"
	}
	if f := strings.TrimSpace(v.Get(paramFrom)); f != "" {
		out.Set("from_"+field, f)
	}
	if t := strings.TrimSpace(v.Get(paramTo)); t != "" {
		out.Set("to_"+field, t)
	}
	return out.Encode()
}

// parseQuery checks the console's own parameters and has the API's parser
// judge the rest (APIQuery). Each of from, to and zone may be given once:
// the first of two would otherwise win silently, and a link edited by
// hand would show something other than it says. zone is local or utc
// (any case, or empty for local); anything else is refused rather than
// read as local. Errors are ErrInvalid with one field per parameter,
// those of the console's parameters first, then the API parser's.
func parseQuery(v url.Values) (fc.Query, error) {
	var fields []fc.FieldError
	for _, p := range []string{paramFrom, paramTo, paramZone} {
		if len(v[p]) > 1 {
			fields = append(fields, fc.FieldError{Property: p, Message: "give it once, not " + strconv.Itoa(len(v[p])) + " times",
				AttemptedValue: strings.Join(v[p], ", ")})
		}
	}
	if z := v.Get(paramZone); len(v[paramZone]) == 1 && z != "" && !strings.EqualFold(z, "local") && !strings.EqualFold(z, "utc") {
		fields = append(fields, fc.FieldError{Property: paramZone, Message: "must be local (the location's time) or utc", AttemptedValue: z})
	}
	q, err := searchparams.FailedCheckins.Parse(APIQuery(v))
	if len(fields) == 0 {
		return q, err
	}
	var fe *fc.Error
	if errors.As(err, &fe) && fe.Code == fc.ErrInvalid {
		fields = append(fields, fe.Fields...)
	} else if err != nil {
		return q, err
	}
	return fc.Query{}, fc.InvalidFields(fields)
}

// with returns v's encoding with the given parameters replaced (an empty
// value removes one), for sort, paging and export links.
func with(v url.Values, kv ...string) string {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			c.Del(kv[i])
		} else {
			c.Set(kv[i], kv[i+1])
		}
	}
	return c.Encode()
}

// sortLink is a column header: clicking it sorts by the column, or flips
// the direction when it is already the sort column; the page goes back to 1.
type sortLink struct {
	Label, URL string
	// AriaSort is "ascending", "descending" or "none" for screen readers.
	AriaSort string
}

// A column of a personal field gets no link when masked: its order is
// refused to a user who sees it masked.
func sortLinks(v url.Values, q fc.Query, masked bool) []sortLink {
	cols := []struct {
		label string
		field fc.Field
	}{
		{"Id", fc.FieldID}, {"Local time", fc.FieldCheckinAttemptTimeLocal}, {"UTC time", fc.FieldCheckinAttemptTime},
		{"Location", fc.FieldBusinessName}, {"Coworker", fc.FieldCoworkerFullName}, {"Source", fc.FieldSource},
		{"Reason", fc.FieldReason}, {"Description", fc.FieldDescription},
	}
	links := make([]sortLink, 0, len(cols))
	for _, col := range cols {
		l := sortLink{Label: col.label, AriaSort: "none"}
		dir := "asc"
		if q.OrderBy == col.field {
			l.AriaSort = "ascending"
			if q.Descending {
				l.AriaSort = "descending"
			} else {
				dir = "desc"
			}
		}
		if !masked || !fc.IsPersonalField(col.field) {
			l.URL = "?" + with(v, "orderBy", string(col.field), "dir", dir, "page", "")
		}
		links = append(links, l)
	}
	return links
}

// paging is the pager under the table.
type paging struct {
	Page, Pages, First, Last, Total int64
	Prev, Next, FirstURL, LastURL   string
}

func pagingFor(v url.Values, q fc.Query, total int64, n int) paging {
	p := paging{Page: q.Page, Total: total}
	p.Pages = (total + int64(q.Size) - 1) / int64(q.Size)
	if n > 0 {
		p.First = q.Offset() + 1
		p.Last = q.Offset() + int64(n)
	}
	link := func(page int64) string { return "?" + with(v, "page", strconv.FormatInt(page, 10)) }
	if q.Page > 1 {
		p.Prev, p.FirstURL = link(min(q.Page-1, max(p.Pages, 1))), link(1)
	}
	if q.Page < p.Pages {
		p.Next, p.LastURL = link(q.Page+1), link(p.Pages)
	}
	return p
}
