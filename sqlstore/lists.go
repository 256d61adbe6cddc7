package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// ListCodec is how a database stores a list in one column (a user's roles
// and location ids) and tests membership of one: the part of the list
// columns' SQL that truly differs between the two databases
// (Dialect.Lists).
type ListCodec interface {
	// Strings and Ints return the argument that stores s; a nil s is
	// stored as the empty list (the columns are NOT NULL).
	Strings(s []string) (any, error)
	Ints(s []int64) (any, error)
	// StringsDest and IntsDest return the scan destination that reads a
	// stored list into *s.
	StringsDest(s *[]string) any
	IntsDest(s *[]int64) any
	// Member is the SQL condition that column equals one of the values of
	// the list (from Ints or Strings) bound at placeholder.
	Member(column, placeholder string) string
}

// arrayLists stores lists as PostgreSQL arrays, which pgx encodes and
// decodes from Go slices itself.
type arrayLists struct{}

func (arrayLists) Strings(s []string) (any, error) { return nonNil(s), nil }
func (arrayLists) Ints(s []int64) (any, error)     { return nonNil(s), nil }
func (arrayLists) StringsDest(s *[]string) any     { return s }
func (arrayLists) IntsDest(s *[]int64) any         { return s }
func (arrayLists) Member(column, placeholder string) string {
	return column + " = ANY(" + placeholder + ")"
}

// nonNil returns s, or an empty slice for nil: pgx sends nil as NULL.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// jsonLists stores lists as JSON arrays in TEXT columns (SQLite has no
// arrays; json_each reads them in SQL). Decoding goes through a small
// cache keyed by the stored text: decoding with encoding/json was a
// measurable share of every authenticated request, and users share few
// distinct lists. Keying by the text keeps it exact: a changed row has a
// different text, so there is nothing to invalidate.
type jsonLists struct {
	strings *listCache[string]
	ints    *listCache[int64]
}

func newJSONLists() jsonLists {
	return jsonLists{strings: &listCache[string]{}, ints: &listCache[int64]{}}
}

func (jsonLists) Strings(s []string) (any, error) {
	b, err := json.Marshal(nonNil(s))
	if err != nil {
		return nil, fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

func (jsonLists) Ints(s []int64) (any, error) {
	b := []byte{'['}
	for i, v := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, ']')), nil
}

func (j jsonLists) StringsDest(s *[]string) any { return &jsonDest[string]{cache: j.strings, to: s} }
func (j jsonLists) IntsDest(s *[]int64) any     { return &jsonDest[int64]{cache: j.ints, to: s} }
func (jsonLists) Member(column, placeholder string) string {
	return column + " IN (SELECT value FROM json_each(" + placeholder + "))"
}

// jsonDest is a sql.Scanner that decodes a JSON list through its cache.
type jsonDest[E any] struct {
	cache *listCache[E]
	to    *[]E
}

var _ sql.Scanner = (*jsonDest[int64])(nil)

func (d *jsonDest[E]) Scan(src any) error {
	var raw string
	switch v := src.(type) {
	case string:
		raw = v
	case []byte:
		raw = string(v)
	default:
		return fmt.Errorf("sqlstore: cannot read %T as a JSON list", src)
	}
	list, err := d.cache.decode(raw)
	if err != nil {
		return fmt.Errorf("decode list: %w", err)
	}
	*d.to = list
	return nil
}

// maxCachedLists bounds a listCache; a full cache is emptied rather than
// growing, so odd lists cannot make it large.
const maxCachedLists = 256

// listCache holds JSON lists decoded, by their text. It hands out copies
// only, so no caller can change what it holds.
type listCache[E any] struct {
	mu sync.Mutex
	m  map[string][]E
}

// decode returns a copy of the list raw decodes to.
func (c *listCache[E]) decode(raw string) ([]E, error) {
	c.mu.Lock()
	v, ok := c.m[raw]
	c.mu.Unlock()
	if ok {
		return slices.Clone(v), nil
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedLists {
		c.m = make(map[string][]E)
	}
	c.m[raw] = v
	c.mu.Unlock()
	return slices.Clone(v), nil
}
