package sqlstore

import (
	"math"
	"reflect"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestBuildExport: an export is the search's page statement, whatever page
// q asks for, with a limit no result reaches and no offset.
func TestBuildExport(t *testing.T) {
	q := fc.Query{Scope: fc.BusinessScope(3), OrderBy: fc.FieldCheckinAttemptTime, Page: 5, Size: 10}
	got, args, err := BuildExport(PostgreSQL(), q)
	find, ferr := BuildFind(PostgreSQL(), q)
	if err != nil || ferr != nil || got != find.Page || !strings.HasSuffix(got, " LIMIT $2 OFFSET $3") {
		t.Errorf("BuildExport = %q, %v; want the page statement %q", got, err, find.Page)
	}
	if want := []any{int64(3), int64(math.MaxInt64), int64(0)}; !reflect.DeepEqual(args, want) {
		t.Errorf("BuildExport args = %v; want %v", args, want)
	}
}
