package sqlstore_test

import (
	"strings"
	"testing"
	"testing/fstest"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0002_users.sql":   {Data: []byte("CREATE TABLE users (id INTEGER);")},
		"migrations/0001_records.sql": {Data: []byte("CREATE TABLE records (id INTEGER);")},
		"migrations/README":           {Data: []byte("not a migration")},
	}
	ms, err := sqlstore.LoadMigrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "0001_records.sql" || ms[1].Version != 2 ||
		!strings.Contains(ms[1].SQL, "users") {
		t.Errorf("Load = %+v; want 0001_records.sql then 0002_users.sql", ms)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, files := range map[string][]string{
		"gap":       {"0001_a.sql", "0003_c.sql"},
		"duplicate": {"0001_a.sql", "0001_b.sql"},
		"no number": {"users.sql"},
		"zero":      {"0000_a.sql"},
	} {
		fsys := fstest.MapFS{}
		for _, f := range files {
			fsys["migrations/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		}
		if ms, err := sqlstore.LoadMigrations(fsys); err == nil {
			t.Errorf("%s: Load(%v) = %+v; want an error", name, files, ms)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		current, latest int
		want            string
	}{
		{3, 3, ""},
		{2, 3, "run failedcheckins migrate"},
		{0, 3, "run failedcheckins migrate"},
		{4, 3, "upgrade the binary"},
	} {
		err := sqlstore.CheckVersion(c.current, c.latest)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Check(%d, %d) = %v; want nil", c.current, c.latest, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || fc.ErrorCode(err) != fc.ErrUnavailable):
			t.Errorf("Check(%d, %d) = %v; want an unavailable error saying %q", c.current, c.latest, err, c.want)
		}
	}
}
