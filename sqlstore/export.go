package sqlstore

import (
	"math"

	fc "github.com/failedcheckins/failedcheckins"
)

// BuildExport returns the statement of an export of q and its arguments:
// the page statement of a search with no limit, so an export keeps exactly
// the search's WHERE and ORDER BY rules. q's page and size are ignored.
// The caller handles the empty scope (which must not query at all).
func BuildExport(d Dialect, q fc.Query) (string, []any, error) {
	q.Page, q.Size = 1, 1 // any valid page: its LIMIT and OFFSET are replaced below
	s, err := BuildFind(d, q)
	if err != nil {
		return "", nil, err
	}
	args := append(s.Args[:len(s.Args):len(s.Args)], int64(math.MaxInt64), int64(0))
	return s.Page, args, nil
}
