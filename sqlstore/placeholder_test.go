package sqlstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// placeholderOrder checks the rule of shared statement texts: $N
// placeholders appear in order, each new one one past the largest so
// far ($1, $2, $1, $3 is fine; $2 before $1 is not). PostgreSQL binds by
// number and SQLite by first appearance; under this rule both agree.
func placeholderOrder(sql string) (string, bool) {
	largest := 0
	for i := 0; i < len(sql); i++ {
		if sql[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
			j++
		}
		if j == i+1 {
			continue
		}
		n, _ := strconv.Atoi(sql[i+1 : j])
		switch {
		case n == largest+1:
			largest = n
		case n < 1 || n > largest:
			return sql[i:j], false
		}
		i = j - 1
	}
	return "", true
}

func TestPlaceholderOrderRule(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT $1, $2, $1 + $3": true,
		"SELECT 1":               true,
		"SELECT $2, $1":          false,
		"SELECT $1, $3":          false,
		"SELECT $0":              false,
		"SELECT $1, $10":         false,
	} {
		if _, got := placeholderOrder(sql); got != want {
			t.Errorf("placeholderOrder(%q) = %v, want %v", sql, got, want)
		}
	}
}

// TestSharedPlaceholders checks every statement text of this package
// that has numbered placeholders (each string literal of its source, and
// the texts it composes) against the rule.
func TestSharedPlaceholders(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.Contains(s, "$1") {
				return true
			}
			checked++
			if bad, ok := placeholderOrder(s); !ok {
				t.Errorf("%s: %s out of order in %q", fset.Position(lit.Pos()), bad, s)
			}
			return true
		})
	}
	composed := []string{batchStartSQL, InsertFailedSQL}
	for _, ru := range Rollups {
		composed = append(composed, ru.Upsert(PostgreSQL()))
	}
	for _, s := range composed {
		checked++
		if bad, ok := placeholderOrder(s); !ok {
			t.Errorf("%s out of order in %q", bad, s)
		}
	}
	if checked < 8 {
		t.Errorf("checked %d statement texts; the scan missed the package's statements", checked)
	}
}
