package api

import (
	"net/http"
	"strconv"
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
	b := appendRecordPage(takePageBuffer(), q, records, total, appendRecord)
	writeJSONBytes(w, http.StatusOK, b)
	givePageBuffer(b)
}

// pageBuffers holds the output buffers of record pages for the next ones,
// up to one per connection of a busy client (fcbench's 8) and at most
// maxPooledPage each: at most 32 MiB, and a page of 1000 records of the
// longest real values is well under the limit, so a freak page (very long
// descriptions) is not kept. It is a channel rather than a sync.Pool,
// which the GC empties: at 1000 records a page allocates about 1 MB in
// the drivers, a GC runs every few pages, and a sync.Pool kept almost no
// buffer across them (the pages grew their buffer from empty again).
var pageBuffers = make(chan []byte, 8)

const maxPooledPage = 4 << 20

// takePageBuffer returns an empty buffer, a kept one if any.
func takePageBuffer() []byte {
	select {
	case b := <-pageBuffers:
		return b[:0]
	default:
		return nil
	}
}

// givePageBuffer keeps b for a later page, unless it is too large or
// enough are kept. The caller must not use b afterwards.
func givePageBuffer(b []byte) {
	if cap(b) > maxPooledPage {
		return
	}
	select {
	case pageBuffers <- b:
	default:
	}
}

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
	c := new(clock)
	return func(b []byte, r *fc.FailedCheckin) []byte {
		return appendFailedCheckin(b, caller.MaskFailedCheckin(r), c)
	}
}

// checkinAppender appends a check-in of a search page as caller may see it.
func checkinAppender(caller *fc.Caller) func([]byte, *fc.Checkin) []byte {
	k := new(clock)
	return func(b []byte, c *fc.Checkin) []byte { return appendCheckin(b, caller.MaskCheckin(c), k) }
}

// appendFailedCheckin appends r as failedCheckinJSON (toFailedCheckinJSON)
// encodes it, its dates through k.
func appendFailedCheckin(b []byte, r *fc.FailedCheckin, k *clock) []byte {
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
	b = k.appendUTC(b, r.CheckinAttemptTime)
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
	b = k.appendLocal(b, r.CheckinAttemptTimeLocal)
	b = append(b, `,"CreatedOn":`...)
	b = k.appendUTC(b, r.CreatedOn)
	b = append(b, `,"UpdatedOn":`...)
	b = k.appendUTC(b, r.UpdatedOn)
	b = append(b, `,"UpdatedBy":`...)
	b = appendOptionalString(b, r.UpdatedBy)
	b = append(b, `,"IsNew":false,"SystemId":`...) // stored records are never new
	b = appendOptionalString(b, r.SystemID)
	b = append(b, `,"Reason":`...)
	b = appendOptionalString(b, r.Reason)
	b = append(b, `,"ResolvedByCheckinId":`...)
	b = appendOptionalInt(b, r.ResolvedByCheckinID)
	b = append(b, `,"ResolvedOn":`...)
	b = k.appendOptional(b, r.ResolvedOn, 'Z')
	return append(b, '}')
}

// appendCheckin appends c as checkinJSON (toCheckinJSON) encodes it, its
// dates through k.
func appendCheckin(b []byte, c *fc.Checkin, k *clock) []byte {
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
	b = k.appendUTC(b, c.FromTime)
	b = append(b, `,"ToTime":`...)
	b = k.appendOptional(b, c.ToTime, 'Z')
	b = append(b, `,"FromTimeLocal":`...)
	b = k.appendLocal(b, c.FromTimeLocal)
	b = append(b, `,"ToTimeLocal":`...)
	b = k.appendOptional(b, c.ToTimeLocal, 0)
	b = append(b, `,"MacAddresses":`...)
	b = appendJSONString(b, c.MacAddresses)
	b = append(b, `,"TeamsAtTheTimeOfCheckin":`...)
	b = appendJSONString(b, c.Teams)
	b = append(b, `,"TariffAtTheTimeOfCheckin":`...)
	b = appendJSONString(b, c.Tariff)
	b = append(b, `,"CreatedOn":`...)
	b = k.appendUTC(b, c.CreatedOn)
	b = append(b, `,"UpdatedOn":`...)
	b = k.appendUTC(b, c.UpdatedOn)
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

// appendOptional appends null for nil, else *t as appendUTC (suffix 'Z')
// or appendLocal (suffix 0) do. (A method value as the writer, as
// before the clock, would be an allocation a call.)
func (k *clock) appendOptional(b []byte, t *time.Time, suffix byte) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	if suffix != 0 {
		return k.appendUTC(b, *t)
	}
	return k.appendLocal(b, *t)
}

// clock writes the times of one page's records. It keeps the last few
// dates it wrote, by day: a page's records are mostly of a few days (its
// order is often a time), and the civil date of a day was the larger
// part of writing a time, four of them a record. Not safe for concurrent
// use; one per page.
type clock struct {
	dates [4]struct {
		day  int64 // days since 0001-01-01, +1 (0: no date kept; never a day of the years 1-9999)
		text [10]byte
	}
}

// appendUTC appends formatUTC(t) as a JSON string.
func (k *clock) appendUTC(b []byte, t time.Time) []byte { return k.appendClock(b, t.UTC(), 'Z') }

// appendLocal appends formatLocal(t) as a JSON string.
func (k *clock) appendLocal(b []byte, t time.Time) []byte { return k.appendClock(b, t, 0) }

// appendClock appends t's wall clock as "2006-01-02T15:04:05" and the
// suffix (none when 0), quoted, as Format writes it. A time in UTC (every
// stored one) in the years 1-9999 is written from its Unix seconds with
// civil-date arithmetic, not time's Date and Clock (each of which
// converts the instant again); other zones and years, which Format writes
// with a sign or more digits, go through Format itself. The layouts have
// no fraction, so the Truncate of formatUTC and formatLocal changes no
// digit of a year after 1.
func (k *clock) appendClock(b []byte, t time.Time, suffix byte) []byte {
	const minUnix, maxUnix = -62135596800, 253402300799 // 0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z
	b = append(b, '"')
	if sec := t.Unix(); t.Location() == time.UTC && sec >= minUnix && sec <= maxUnix {
		days, rem := sec/86400, sec%86400
		if rem < 0 {
			days, rem = days-1, rem+86400
		}
		// The key counts from 0001-01-01 so that no day written here has
		// the empty slot's 0 (from 1970 it did: 1969-12-31 came out as ten
		// NUL bytes from a slot not yet filled; wt-E's review).
		const firstDay = minUnix / 86400 // -719162, 0001-01-01
		d := &k.dates[days&3]
		if key := days - firstDay + 1; d.day != key {
			d.day = key
			appendCivilDate(d.text[:0], days)
		}
		b = append(b, d.text[:]...)
		hour, minute, second := rem/3600, rem/60%60, rem%60
		b = append(b, 'T', twoDigits[2*hour], twoDigits[2*hour+1], ':', twoDigits[2*minute], twoDigits[2*minute+1], ':',
			twoDigits[2*second], twoDigits[2*second+1])
	} else {
		layout := localLayout
		if suffix != 0 {
			layout = utcLayout[:len(utcLayout)-1] // the suffix is appended below
		}
		b = t.Truncate(time.Second).AppendFormat(b, layout)
	}
	if suffix != 0 {
		b = append(b, suffix)
	}
	return append(b, '"')
}

// twoDigits holds 00 to 99, two bytes each.
const twoDigits = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendCivilDate appends the date of days since 1970-01-01 (years
// 1-9999) as 2006-01-02: days to a proleptic Gregorian date by Howard
// Hinnant's days_from_civil inverse (eras of 400 years from 0000-03-01).
func appendCivilDate(b []byte, days int64) []byte {
	z := days + 719468
	era := z / 146097 // z >= 0 from year 1 on
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	year := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	if month <= 2 {
		year++
	}
	return append(b, twoDigits[2*(year/100)], twoDigits[2*(year/100)+1], twoDigits[2*(year%100)], twoDigits[2*(year%100)+1], '-',
		twoDigits[2*month], twoDigits[2*month+1], '-', twoDigits[2*day], twoDigits[2*day+1])
}
