package api

import fc "github.com/failedcheckins/failedcheckins"

// pageJSON is the search envelope of docs/api.md#the-search-answer, for records of
// any entity (T is the wire type of one record).
type pageJSON[T any] struct {
	Records []T `json:"Records"`
	pageInfo
}

// pageInfo is the envelope's fields after Records, in their wire order
// (embedded, encoding/json writes them as pageJSON's own).
type pageInfo struct {
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
// total matches, converting each record with toWire. Records is never null.
func newPageJSON[R, T any](q fc.Query, records []R, total int64, toWire func(R) T) pageJSON[T] {
	out := pageJSON[T]{Records: make([]T, 0, len(records)), pageInfo: newPageInfo(q, len(records), total)}
	for _, r := range records {
		out.Records = append(out.Records, toWire(r))
	}
	return out
}

// newPageInfo is the envelope of n records, the page q asked for out of
// total matches. It avoids overflow for absurd page numbers: such a page
// is empty, and an empty page has FirstItem = LastItem = 0.
func newPageInfo(q fc.Query, n int, total int64) pageInfo {
	out := pageInfo{
		CurrentPage: q.Page, CurrentPageSize: q.Size, CurrentOrderField: string(q.OrderBy),
		TotalItems: total, PageNumber: q.Page, PageSize: q.Size,
	}
	size := int64(max(q.Size, 1))
	out.TotalPages = total / size
	if total%size != 0 {
		out.TotalPages++
	}
	if q.Descending {
		out.CurrentSortDirection = 1
	}
	if n > 0 {
		out.FirstItem = q.Offset() + 1
		out.LastItem = out.FirstItem + int64(n) - 1
	}
	out.HasNextPage, out.HasPreviousPage = q.Page < out.TotalPages, q.Page > 1
	return out
}
