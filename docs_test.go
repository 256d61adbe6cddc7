package failedcheckins

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// checkinsDocPath is the check-in reference written for users.
const checkinsDocPath = "docs/checkins.md"

// reasonConstants returns the Reason* constants of verdict.go in their
// order, read from the source so that a new code cannot be left out of
// the docs by forgetting to list it here too.
func reasonConstants(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "verdict.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("verdict.go: %s is not a string literal", name.Name)
				}
				code, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				codes = append(codes, code)
			}
		}
	}
	if len(codes) == 0 {
		t.Fatal("verdict.go declares no Reason constant")
	}
	return codes
}

// TestCheckinsDocReasons keeps the table of docs/checkins.md "Reason codes"
// true: it lists every reason code, in the order the rules apply (the
// order of the constants), each with the Description the service writes,
// placeholders filled with the values of one example directory.
func TestCheckinsDocReasons(t *testing.T) {
	data, err := os.ReadFile(checkinsDocPath)
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "\n## Reason codes\n")
	if !ok {
		t.Fatalf("%s has no section \"## Reason codes\"", checkinsDocPath)
	}
	table, _, _ = strings.Cut(table, "\n## ")
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| [^|]+ \\| `([^`]*)` \\|$")
	var docCodes, patterns []string
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		docCodes = append(docCodes, m[1])
		patterns = append(patterns, m[2])
	}
	codes := reasonConstants(t)
	if strings.Join(docCodes, ",") != strings.Join(codes, ",") {
		t.Fatalf("%s lists the reason codes\n  %v\nwant, in rule order,\n  %v", checkinsDocPath, docCodes, codes)
	}

	end := time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)
	v := &Verdict{
		Business: &Business{ID: 1007, Name: "Location 007 – Paris"},
		Coworker: &Coworker{ID: 100001, FullName: "Ana Silva", PlanStart: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), PlanEnd: &end},
		Tariff: &Tariff{ID: 1, Name: "Hot Desk Monthly", AccessHours: []AccessHours{
			{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, From: 8 * 60, To: 19 * 60},
			{Days: []time.Weekday{time.Saturday, time.Sunday}, From: 10 * 60, To: 14 * 60},
		}},
	}
	const limit = 10
	fill := strings.NewReplacer(
		"{PlanStart}", "2026-04-01", "{PlanEnd}", "2026-02-28",
		"{Tariff}", v.Tariff.Name, "{Business}", v.Business.Name,
		"{AccessHours}", "Mon-Fri 08:00-19:00, Sat,Sun 10:00-14:00", "{Limit}", strconv.Itoa(limit))
	for i, code := range codes {
		want := fill.Replace(patterns[i])
		if strings.ContainsAny(want, "{}") {
			t.Errorf("%s: %s: the pattern %q has a placeholder this test does not know", checkinsDocPath, code, patterns[i])
			continue
		}
		if got := describe(code, v, limit); got != want {
			t.Errorf("%s: %s: the service writes the Description %q; the doc's pattern %q gives %q", checkinsDocPath, code, got, patterns[i], want)
		}
	}
}

// TestDocLinks checks every link between the project's documents: each
// relative link of README.md and docs/*.md names a file that exists and,
// when it has a #fragment into a markdown file, a heading of that file;
// each docs/NAME.md#fragment that a Go comment cites exists too.
func TestDocLinks(t *testing.T) {
	mdLink := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	files, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "README.md")
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			if msg := checkLink(filepath.Dir(file), target); msg != "" {
				t.Errorf("%s: link %s: %s", file, target, msg)
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d links; the docs link to each other more than that", checked)
	}

	cite := regexp.MustCompile(`docs/[a-z0-9-]+\.md#[a-z0-9-]+`)
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range cite.FindAllString(string(data), -1) {
			if msg := checkLink(".", c); msg != "" {
				t.Errorf("%s cites %s: %s", path, c, msg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkLink says what is wrong with a relative link from a file in dir,
// or "".
func checkLink(dir, target string) string {
	path, fragment, _ := strings.Cut(target, "#")
	file := filepath.Join(dir, path)
	if path == "" {
		return "" // a fragment into the same file: not checked
	}
	data, err := os.ReadFile(file)
	if err != nil {
		if info, serr := os.Stat(file); serr == nil && info.IsDir() {
			return ""
		}
		return "no such file"
	}
	if fragment == "" || !strings.HasSuffix(file, ".md") {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(line, "#") && headingAnchor(line) == fragment {
			return ""
		}
	}
	return "no heading of " + file + " has the anchor #" + fragment
}

// headingAnchor is the anchor a markdown heading line gets, as GitHub
// makes it: lower case, punctuation dropped, spaces turned into dashes.
func headingAnchor(line string) string {
	text := strings.TrimSpace(strings.TrimLeft(line, "#"))
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
