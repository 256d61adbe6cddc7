package main

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// readReplay reads the shapes of an earlier run's -random-out file, so
// that a run on other data (10M records against 1M) measures the same
// shapes: the drawn values come from a sample of the data, so the same
// seed on other data draws other shapes. Each keeps its query string,
// user, size and page kind; its page number is worked out again from the
// new TotalItems, a middle page at the same relative position and a page
// past the end at the same distance past the last (pageFor).
func readReplay(path string) ([]randomShape, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-random-replay: %w", err)
	}
	var shapes []randomShape
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "shape\t") {
			continue
		}
		s, err := replayShape(strings.Split(line, "\t"))
		if err != nil {
			return nil, fmt.Errorf("-random-replay %s: line %d: %w", path, n+1, err)
		}
		shapes = append(shapes, s)
	}
	if len(shapes) == 0 {
		return nil, fmt.Errorf("-random-replay %s: no shapes", path)
	}
	return shapes, nil
}

// replayShape is one row of writeRandomTSV: shape, user, total, page,
// size, ..., path (column 14).
func replayShape(col []string) (randomShape, error) {
	if len(col) < 14 {
		return randomShape{}, fmt.Errorf("%d columns, want at least 14", len(col))
	}
	s := randomShape{name: col[0]}
	if m, ok := strings.CutPrefix(col[1], "manager of "); ok {
		for _, b := range strings.Split(m, ",") {
			id, err := strconv.ParseInt(b, 10, 64)
			if err != nil {
				return s, fmt.Errorf("user %q: %w", col[1], err)
			}
			s.manager = append(s.manager, id)
		}
	} else if col[1] != "admin" {
		return s, fmt.Errorf("user %q: want admin or manager of ids", col[1])
	}
	total, err := strconv.ParseInt(col[2], 10, 64)
	if err != nil {
		return s, fmt.Errorf("total %q: %w", col[2], err)
	}
	k := slices.IndexFunc([]pageKind{pageFirst, pageMiddle, pageLast, pagePastEnd}, func(k pageKind) bool { return k.String() == col[3] })
	if k < 0 {
		return s, fmt.Errorf("page kind %q", col[3])
	}
	s.page = pageKind(k)
	if s.size, err = strconv.Atoi(col[4]); err != nil || s.size < 1 {
		return s, fmt.Errorf("size %q", col[4])
	}
	u, err := url.Parse(col[13])
	if err != nil {
		return s, fmt.Errorf("path %q: %w", col[13], err)
	}
	// Drop page= and keep every other parameter as sent (the order and
	// encoding of the drawn query string).
	var kept []string
	page := int64(1)
	hasPage := false
	for _, p := range strings.Split(u.RawQuery, "&") {
		if v, ok := strings.CutPrefix(p, "page="); ok {
			hasPage = true
			if page, err = strconv.ParseInt(v, 10, 64); err != nil {
				return s, fmt.Errorf("page %q: %w", v, err)
			}
			continue
		}
		if p != "" {
			kept = append(kept, p)
		}
	}
	s.query = strings.Join(kept, "&")
	s.omitPg = s.page == pageFirst && !hasPage
	// total is -1 on a row whose TotalItems read failed: its page was never
	// chosen, so the kind alone stands.
	last := max(1, (total+int64(s.size)-1)/int64(s.size))
	switch {
	case total < 0:
	case s.page == pageMiddle && last > 2:
		s.frac = (float64(page-2) + 0.5) / float64(last-2)
	case s.page == pagePastEnd:
		s.frac = 0.5 // last + 1
		if d := page - last - 1; d > 0 {
			s.frac = (float64(d) + 0.5) / 1000
		}
	}
	return s, nil
}
