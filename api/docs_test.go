package api_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// apiDocPath is the HTTP API reference written for users; openapi.json is
// the document the server serves and every HTTP test validates against.
const (
	apiDocPath     = "../docs/api.md"
	openAPIDocPath = "openapi.json"
)

// TestAPIDoc keeps docs/api.md true to the OpenAPI document: every
// operation, every parameter and every field of the record schemas it
// defines is documented, and the endpoint table lists no operation the
// server does not have.
func TestAPIDoc(t *testing.T) {
	data, err := os.ReadFile(apiDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	var spec struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]struct {
				Name string `json:"name"`
			} `json:"parameters"`
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	raw, err := os.ReadFile(openAPIDocPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}

	var operations []string
	for path, item := range spec.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "patch", "delete":
				operations = append(operations, strings.ToUpper(method)+" "+path)
			}
		}
	}
	if len(operations) < 5 {
		t.Fatalf("%s defines %d operations; want them all", openAPIDocPath, len(operations))
	}
	for _, op := range operations {
		if !strings.Contains(doc, "`"+op+"`") {
			t.Errorf("%s does not document `%s`", apiDocPath, op)
		}
	}
	// The other way round: an operation in the endpoint table must exist.
	table := section(doc, "## Every endpoint")
	row := regexp.MustCompile("(?m)^\\| `([A-Z]+ /[^`]*)` \\|")
	listed := row.FindAllStringSubmatch(table, -1)
	if len(listed) == 0 {
		t.Fatalf("%s: the section \"Every endpoint\" lists no operation", apiDocPath)
	}
	for _, m := range listed {
		if !slices.Contains(operations, m[1]) {
			t.Errorf("%s lists `%s`, which %s does not define", apiDocPath, m[1], openAPIDocPath)
		}
	}
	if len(listed) != len(operations) {
		t.Errorf("%s: \"Every endpoint\" lists %d operations; %s defines %d", apiDocPath, len(listed), openAPIDocPath, len(operations))
	}

	for key, p := range spec.Components.Parameters {
		if p.Name == "" || !strings.Contains(doc, "`"+p.Name+"`") {
			t.Errorf("%s does not document the parameter %q (components.parameters.%s)", apiDocPath, p.Name, key)
		}
	}
	for _, schema := range []string{"FailedCheckin", "Checkin", "FailedCheckinPage", "Error", "FieldError", "Token", "Stats"} {
		props := spec.Components.Schemas[schema].Properties
		if len(props) == 0 {
			t.Errorf("%s has no schema %s with properties", openAPIDocPath, schema)
		}
		for name := range props {
			if !strings.Contains(doc, name) {
				t.Errorf("%s does not mention %s, a field of the %s schema", apiDocPath, name, schema)
			}
		}
	}
}

// section returns the text of the markdown section that starts with the
// heading line, up to the next heading of the same level.
func section(doc, heading string) string {
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		return ""
	}
	level := heading[:strings.Index(heading, " ")+1]
	if i := strings.Index(rest, "\n"+level); i >= 0 {
		return rest[:i]
	}
	return rest
}
