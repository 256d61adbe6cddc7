package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The search pages of records (failed check-ins and check-ins) are written
// by hand into a pooled buffer rather than through failedCheckinJSON and
// encoding/json: at 1000 records a page, reflection, the per-record wire
// struct and its formatted time strings, and the buffer growing from empty
// were about half the server's CPU per request (issue 17). The bytes are
// those encoding/json writes for the wire structs (pagejson_test.go
// compares both on random records), so the structs stay the one definition
// of the wire shape for the other callers (get-one, explain, export,
// webhooks).

// writeRecordPage answers a search with the page q asked for out of total
// matches, each record appended by appendRecord. It is writeJSON of
// newPageJSON's envelope, byte for byte.
func writeRecordPage[R any](w http.ResponseWriter, q fc.Query, records []R, total int64, appendRecord func([]byte, R) []byte) {
	buf := pageBuffers.Get().(*[]byte)
	b := appendRecordPage((*buf)[:0], q, records, total, appendRecord)
	writeJSONBytes(w, http.StatusOK, b)
	if cap(b) <= maxPooledPage {
		*buf = b
		pageBuffers.Put(buf)
	}
}

// maxPooledPage bounds the buffers kept for the next page: a page of 1000
// records of the longest real values is well under it, and a freak page
// (very long descriptions) is not kept alive by the pool.
const maxPooledPage = 4 << 20

// pageBuffers holds the output buffers of record pages; with 8 connections
// it keeps about 8 page-sized buffers instead of growing a new one per
// request.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

// appendRecordPage appends the search envelope with its records and the
// newline encoding/json's Encoder ends a value with.
func appendRecordPage[R any](b []byte, q fc.Query, records []R, total int64, appendRecord func([]byte, R) []byte) []byte {
	p := newPageInfo(q, len(records), total)
	b = append(b, `{"Records":[`...)
	for i, r := range records {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRecord(b, r)
	}
	b = append(b, `],"CurrentPage":`...)
	b = strconv.AppendInt(b, p.CurrentPage, 10)
	b = append(b, `,"CurrentPageSize":`...)
	b = strconv.AppendInt(b, int64(p.CurrentPageSize), 10)
	b = append(b, `,"CurrentOrderField":`...)
	b = appendJSONString(b, p.CurrentOrderField)
	b = append(b, `,"CurrentSortDirection":`...)
	b = strconv.AppendInt(b, int64(p.CurrentSortDirection), 10)
	b = append(b, `,"FirstItem":`...)
	b = strconv.AppendInt(b, p.FirstItem, 10)
	b = append(b, `,"LastItem":`...)
	b = strconv.AppendInt(b, p.LastItem, 10)
	b = append(b, `,"TotalItems":`...)
	b = strconv.AppendInt(b, p.TotalItems, 10)
	b = append(b, `,"TotalPages":`...)
	b = strconv.AppendInt(b, p.TotalPages, 10)
	b = append(b, `,"HasNextPage":`...)
	b = strconv.AppendBool(b, p.HasNextPage)
	b = append(b, `,"HasPreviousPage":`...)
	b = strconv.AppendBool(b, p.HasPreviousPage)
	b = append(b, `,"PageNumber":`...)
	b = strconv.AppendInt(b, p.PageNumber, 10)
	b = append(b, `,"PageSize":`...)
	b = strconv.AppendInt(b, int64(p.PageSize), 10)
	return append(b, "}\n"...)
}

// failedCheckinAppender appends a record of a search page as caller may
// see it.
func failedCheckinAppender(caller *fc.Caller) func([]byte, *fc.FailedCheckin) []byte {
	return func(b []byte, r *fc.FailedCheckin) []byte { return appendFailedCheckin(b, caller.MaskFailedCheckin(r)) }
}

// checkinAppender appends a check-in of a search page as caller may see it.
func checkinAppender(caller *fc.Caller) func([]byte, *fc.Checkin) []byte {
	return func(b []byte, c *fc.Checkin) []byte { return appendCheckin(b, caller.MaskCheckin(c)) }
}

// appendFailedCheckin appends r as failedCheckinJSON (toFailedCheckinJSON)
// encodes it.
func appendFailedCheckin(b []byte, r *fc.FailedCheckin) []byte {
	b = append(b, `{"Id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, `,"UniqueId":`...)
	b = appendJSONString(b, r.UniqueID)
	b = append(b, `,"CoworkerId":`...)
	b = appendOptionalInt(b, r.CoworkerID)
	b = append(b, `,"CoworkerFullName":`...)
	b = appendJSONString(b, r.CoworkerFullName)
	b = append(b, `,"BusinessId":`...)
	b = strconv.AppendInt(b, r.BusinessID, 10)
	b = append(b, `,"BusinessName":`...)
	b = appendJSONString(b, r.BusinessName)
	b = append(b, `,"CheckinAttemptTime":`...)
	b = appendUTC(b, r.CheckinAttemptTime)
	b = append(b, `,"Source":`...)
	b = strconv.AppendInt(b, int64(r.Source), 10)
	b = append(b, `,"MacAddresses":`...)
	b = appendJSONString(b, r.MacAddresses)
	b = append(b, `,"TeamsAtTheTimeOfCheckin":`...)
	b = appendJSONString(b, r.Teams)
	b = append(b, `,"TariffAtTheTimeOfCheckin":`...)
	b = appendJSONString(b, r.Tariff)
	b = append(b, `,"Description":`...)
	b = appendJSONString(b, r.Description)
	b = append(b, `,"CheckinAttemptTimeLocal":`...)
	b = appendLocal(b, r.CheckinAttemptTimeLocal)
	b = append(b, `,"CreatedOn":`...)
	b = appendUTC(b, r.CreatedOn)
	b = append(b, `,"UpdatedOn":`...)
	b = appendUTC(b, r.UpdatedOn)
	b = append(b, `,"UpdatedBy":`...)
	b = appendOptionalString(b, r.UpdatedBy)
	b = append(b, `,"IsNew":false,"SystemId":`...) // stored records are never new
	b = appendOptionalString(b, r.SystemID)
	b = append(b, `,"Reason":`...)
	b = appendOptionalString(b, r.Reason)
	b = append(b, `,"ResolvedByCheckinId":`...)
	b = appendOptionalInt(b, r.ResolvedByCheckinID)
	b = append(b, `,"ResolvedOn":`...)
	b = appendOptionalTime(b, r.ResolvedOn, appendUTC)
	return append(b, '}')
}

// appendCheckin appends c as checkinJSON (toCheckinJSON) encodes it.
func appendCheckin(b []byte, c *fc.Checkin) []byte {
	b = append(b, `{"Id":`...)
	b = strconv.AppendInt(b, c.ID, 10)
	b = append(b, `,"UniqueId":`...)
	b = appendJSONString(b, c.UniqueID)
	b = append(b, `,"CoworkerId":`...)
	b = strconv.AppendInt(b, c.CoworkerID, 10)
	b = append(b, `,"CoworkerFullName":`...)
	b = appendJSONString(b, c.CoworkerFullName)
	b = append(b, `,"BusinessId":`...)
	b = strconv.AppendInt(b, c.BusinessID, 10)
	b = append(b, `,"BusinessName":`...)
	b = appendJSONString(b, c.BusinessName)
	b = append(b, `,"Source":`...)
	b = strconv.AppendInt(b, int64(c.Source), 10)
	b = append(b, `,"FromTime":`...)
	b = appendUTC(b, c.FromTime)
	b = append(b, `,"ToTime":`...)
	b = appendOptionalTime(b, c.ToTime, appendUTC)
	b = append(b, `,"FromTimeLocal":`...)
	b = appendLocal(b, c.FromTimeLocal)
	b = append(b, `,"ToTimeLocal":`...)
	b = appendOptionalTime(b, c.ToTimeLocal, appendLocal)
	b = append(b, `,"MacAddresses":`...)
	b = appendJSONString(b, c.MacAddresses)
	b = append(b, `,"TeamsAtTheTimeOfCheckin":`...)
	b = appendJSONString(b, c.Teams)
	b = append(b, `,"TariffAtTheTimeOfCheckin":`...)
	b = appendJSONString(b, c.Tariff)
	b = append(b, `,"CreatedOn":`...)
	b = appendUTC(b, c.CreatedOn)
	b = append(b, `,"UpdatedOn":`...)
	b = appendUTC(b, c.UpdatedOn)
	b = append(b, `,"UpdatedBy":`...)
	b = appendOptionalString(b, c.UpdatedBy)
	b = append(b, `,"IsNew":false,"SystemId":`...) // stored records are never new
	b = appendOptionalString(b, c.SystemID)
	return append(b, '}')
}

func appendOptionalInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

func appendOptionalString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

func appendOptionalTime(b []byte, t *time.Time, appendTime func([]byte, time.Time) []byte) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

// appendUTC appends formatUTC(t) as a JSON string.
func appendUTC(b []byte, t time.Time) []byte { return appendClock(b, t.UTC(), utcLayout, 'Z') }

// appendLocal appends formatLocal(t) as a JSON string.
func appendLocal(b []byte, t time.Time) []byte { return appendClock(b, t, localLayout, 0) }

// appendClock appends t's wall clock as "2006-01-02T15:04:05" and the
// suffix (none when 0), quoted. The digits are written directly for the
// years 0-9999 (every real record; Format's zero-padded four digits);
// others, which Format writes with a sign or more digits, go through
// Format itself. The layouts have no fraction, so the Truncate of
// formatUTC and formatLocal changes no digit of a year after 1.
func appendClock(b []byte, t time.Time, layout string, suffix byte) []byte {
	b = append(b, '"')
	year, month, day := t.Date()
	if year < 1 || year > 9999 {
		b = t.Truncate(time.Second).AppendFormat(b, layout)
		return append(b, '"')
	}
	hour, minute, second := t.Clock()
	b = append(b,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10))
	if suffix != 0 {
		b = append(b, suffix)
	}
	return append(b, '"')
}
