package api

import (
	"errors"
	"math"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// parsePage reads page: a whole number >= 1 that fits in 64 bits. A page
// past the end is valid (it is simply empty).
func parsePage(p rawParam) (int64, *fc.FieldError) {
	n, err := strconv.ParseInt(strings.TrimSpace(p.value), 10, 64)
	if err != nil || n < 1 {
		return 1, &fc.FieldError{Property: p.name, Message: "must be a whole number of at least 1 (and at most " +
			strconv.FormatInt(math.MaxInt64, 10) + ")", AttemptedValue: p.value}
	}
	return n, nil
}

// parseSize reads size: a whole number >= 1; anything above MaxPageSize,
// however large, is served as MaxPageSize (API.md 2.1).
func parseSize(p rawParam) (int, *fc.FieldError) {
	n, err := strconv.ParseInt(strings.TrimSpace(p.value), 10, 64)
	if errors.Is(err, strconv.ErrRange) && n > 0 {
		return fc.MaxPageSize, nil // too many digits, but a positive whole number
	}
	if err != nil || n < 1 {
		return fc.DefaultPageSize, &fc.FieldError{Property: p.name, Message: "must be a whole number of at least 1", AttemptedValue: p.value}
	}
	return int(min(n, fc.MaxPageSize)), nil
}

// parseOrderBy reads orderBy: a field name or alias, case-insensitive. The
// answer is the canonical name, which the response echoes.
func (sp *searchParams) parseOrderBy(p rawParam) (fc.Field, *fc.FieldError) {
	key := fc.Fold(strings.TrimSpace(p.value))
	for _, f := range sp.sortFields {
		if fc.Fold(string(f)) == key {
			return f, nil
		}
	}
	for alias, f := range sp.sortAliases {
		if fc.Fold(alias) == key {
			return f, nil
		}
	}
	names := make([]string, 0, len(sp.sortFields))
	for _, f := range sp.sortFields {
		names = append(names, string(f))
	}
	return sp.defaultOrder, &fc.FieldError{Property: p.name,
		Message: "must be one of " + strings.Join(names, ", ") + sp.aliasNote(), AttemptedValue: p.value}
}

// aliasNote lists the orderBy aliases in a stable order for the error message.
func (sp *searchParams) aliasNote() string {
	if len(sp.sortAliases) == 0 {
		return ""
	}
	var parts []string
	for _, f := range sp.sortFields {
		for alias, target := range sp.sortAliases {
			if target == f {
				parts = append(parts, alias+" (= "+string(f)+")")
			}
		}
	}
	return "; also " + strings.Join(parts, ", ")
}

// parseDir reads dir; it reports whether the order is descending.
func parseDir(p rawParam) (bool, *fc.FieldError) {
	switch fc.Fold(strings.TrimSpace(p.value)) {
	case "0", "asc", "ascending":
		return false, nil
	case "1", "-1", "desc", "descending":
		return true, nil
	}
	return true, &fc.FieldError{Property: p.name, Message: "must be 0, Ascending or asc, or 1, -1, Descending or desc", AttemptedValue: p.value}
}

// pageJSON is the search envelope of API.md section 2.5, for records of
// any entity (T is the wire type of one record).
type pageJSON[T any] struct {
	Records              []T    `json:"Records"`
	CurrentPage          int64  `json:"CurrentPage"`
	CurrentPageSize      int    `json:"CurrentPageSize"`
	CurrentOrderField    string `json:"CurrentOrderField"`
	CurrentSortDirection int    `json:"CurrentSortDirection"`
	FirstItem            int64  `json:"FirstItem"`
	LastItem             int64  `json:"LastItem"`
	TotalItems           int64  `json:"TotalItems"`
	TotalPages           int64  `json:"TotalPages"`
	HasNextPage          bool   `json:"HasNextPage"`
	HasPreviousPage      bool   `json:"HasPreviousPage"`
	PageNumber           int64  `json:"PageNumber"`
	PageSize             int    `json:"PageSize"`
}

// newPageJSON builds the envelope for records, the page q asked for out of
// total matches, converting each record with toWire. It avoids overflow for
// absurd page numbers: such a page is empty, and an empty page has
// FirstItem = LastItem = 0. Records is never null.
func newPageJSON[R, T any](q fc.Query, records []R, total int64, toWire func(R) T) pageJSON[T] {
	out := pageJSON[T]{
		Records:     make([]T, 0, len(records)),
		CurrentPage: q.Page, CurrentPageSize: q.Size, CurrentOrderField: string(q.OrderBy),
		TotalItems: total, PageNumber: q.Page, PageSize: q.Size,
	}
	for _, r := range records {
		out.Records = append(out.Records, toWire(r))
	}
	size := int64(max(q.Size, 1))
	out.TotalPages = total / size
	if total%size != 0 {
		out.TotalPages++
	}
	if q.Descending {
		out.CurrentSortDirection = 1
	}
	if len(records) > 0 {
		out.FirstItem = q.Offset() + 1
		out.LastItem = out.FirstItem + int64(len(records)) - 1
	}
	out.HasNextPage, out.HasPreviousPage = q.Page < out.TotalPages, q.Page > 1
	return out
}
