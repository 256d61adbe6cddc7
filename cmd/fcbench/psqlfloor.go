package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// On PostgreSQL the floor is timed with the psql binary (issue 6: "the
// floor measured with psql on the same database"): each shape's naive SQL
// (floorSQL: sqlstore's count(*) and LIMIT/OFFSET page, the arguments
// written as literals, so each run is planned for its values) runs runs+1
// times in one psql session with \timing; a run is the count's time plus
// the page's, the first run is not counted, the floor is the median.

// floorSQL returns the statements of one floor run of s: the count and the
// page of a search, or the primary-key lookup of a get-one.
func floorSQL(d sqlstore.Dialect, s shape) ([]string, error) {
	if s.query.Size == 0 {
		q, err := inlineArgs("SELECT "+sqlstore.SelectColumns+" FROM failed_checkins WHERE id = $1", []any{s.getID})
		return []string{q}, err
	}
	find, err := sqlstore.BuildFind(d, s.query)
	if err != nil {
		return nil, err
	}
	count, err := inlineArgs(find.Count, find.Args)
	if err != nil {
		return nil, err
	}
	page, err := inlineArgs(find.Page, append(find.Args[:len(find.Args):len(find.Args)], s.query.Size, s.query.Offset()))
	if err != nil {
		return nil, err
	}
	return []string{count, page}, nil
}

var placeholder = regexp.MustCompile(`\$[0-9]+`)

// inlineArgs replaces the numbered placeholders of a PostgreSQL statement
// by literals of args.
func inlineArgs(q string, args []any) (string, error) {
	var bad error
	out := placeholder.ReplaceAllStringFunc(q, func(p string) string {
		i, _ := strconv.Atoi(p[1:])
		if i < 1 || i > len(args) {
			bad = fmt.Errorf("placeholder %s with %d arguments", p, len(args))
			return p
		}
		lit, err := literal(args[i-1])
		if err != nil {
			bad = err
		}
		return lit
	})
	return out, bad
}

// literal writes v as a SQL literal. Text is quoted with doubled quotes
// (standard_conforming_strings is on since PostgreSQL 9.1, so a backslash
// stays a backslash, as in a bound parameter); a time is an untyped
// literal in UTC, which takes the type of the column it is compared with.
func literal(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "NULL", nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case bool:
		return strconv.FormatBool(v), nil
	case string:
		if strings.ContainsRune(v, 0) {
			return "", fmt.Errorf("text with a NUL byte")
		}
		return "'" + strings.ReplaceAll(v, "'", "''") + "'", nil
	case time.Time:
		return "'" + v.UTC().Format("2006-01-02 15:04:05.999999") + "+00'", nil
	}
	return "", fmt.Errorf("no literal for an argument of type %T", v)
}

// libpqURL returns dsn with only the parameters libpq knows in its query
// (pgx accepts more, such as pool_max_conns, which psql would reject).
func libpqURL(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse the PostgreSQL URL: %w", err)
	}
	q := url.Values{}
	for k, v := range u.Query() {
		switch k {
		case "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "options", "target_session_attrs", "passfile", "host", "port", "user", "password", "dbname":
			q[k] = v
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// psqlScript is the input of one shape's floor: the count printed once
// (the floor checks it like the store's), then runs+1 timed runs with the
// rows sent to /dev/null.
func psqlScript(stmts []string, counted bool, runs int) string {
	var b strings.Builder
	b.WriteString("\\set ON_ERROR_STOP 1\n")
	if counted {
		b.WriteString(stmts[0] + ";\n")
	}
	b.WriteString("\\o /dev/null\n\\timing on\n")
	for range runs + 1 {
		for _, st := range stmts {
			b.WriteString(st + ";\n")
		}
	}
	return b.String()
}

var timingLine = regexp.MustCompile(`(?m)^Time: ([0-9]+\.[0-9]+) ms`)

// parsePsqlTiming reads psql's output: the count on the first line when
// counted, then one "Time: N ms" line per statement; per statements
// (statements per run) times are added into one run.
func parsePsqlTiming(out []byte, counted bool, per, runs int) (times []time.Duration, total int64, err error) {
	total = -1
	if counted {
		first, _, _ := bytes.Cut(out, []byte("\n"))
		if total, err = strconv.ParseInt(strings.TrimSpace(string(first)), 10, 64); err != nil {
			return nil, 0, fmt.Errorf("psql: the count %q: %w", first, err)
		}
	}
	m := timingLine.FindAllSubmatch(out, -1)
	if len(m) != per*(runs+1) {
		return nil, 0, fmt.Errorf("psql: %d timings; want %d: %.300s", len(m), per*(runs+1), out)
	}
	for i := 0; i < len(m); i += per {
		var run time.Duration
		for _, t := range m[i : i+per] {
			f, err := strconv.ParseFloat(string(t[1]), 64)
			if err != nil {
				return nil, 0, err
			}
			run += time.Duration(f * float64(time.Millisecond))
		}
		times = append(times, run)
	}
	return times[1:], total, nil // the first run warms the cache
}

// psqlFloor times s's floor SQL with psql and returns the median run and
// the count.
func psqlFloor(ctx context.Context, psql, dsn string, s shape, runs int) (time.Duration, int64, error) {
	stmts, err := floorSQL(sqlstore.PostgreSQL(), s)
	if err != nil {
		return 0, 0, fmt.Errorf("floor %s: %w", s.name, err)
	}
	conn, err := libpqURL(dsn)
	if err != nil {
		return 0, 0, err
	}
	counted := s.query.Size != 0
	cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-A", "-t", "-d", conn, "-f", "-")
	cmd.Stdin = strings.NewReader(psqlScript(stmts, counted, runs))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("floor %s: %s: %w: %s", s.name, psql, err, stderr.Bytes())
	}
	times, total, err := parsePsqlTiming(out, counted, len(stmts), runs)
	if err != nil {
		return 0, 0, fmt.Errorf("floor %s: %w", s.name, err)
	}
	slices.Sort(times)
	return times[len(times)/2], total, nil
}
