package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// cliDocPath is the command line reference written for users.
const cliDocPath = "../../docs/cli.md"

// TestCLIDoc keeps docs/cli.md true to the binary: every command that
// `failedcheckins help` lists has its own section, every `users`
// and `webhooks` subcommand's synopsis is printed there as its group's help prints it, and
// every flag a command registers is named. The flags' defaults and meanings
// are docs/configuration.md's (TestConfigurationDoc), not repeated here.
func TestCLIDoc(t *testing.T) {
	data, err := os.ReadFile(cliDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	headings := map[string]bool{}
	for line := range strings.Lines(doc) {
		if h, ok := strings.CutPrefix(strings.TrimSpace(line), "## "); ok {
			headings[h] = true
		}
	}

	var help bytes.Buffer
	if err := run(t.Context(), []string{"help"}, strings.NewReader(""), &help, &help); err != nil {
		t.Fatalf("help = %v", err)
	}
	commands := 0
	for line := range strings.Lines(help.String()) {
		words := strings.Fields(line)
		if !strings.HasPrefix(line, "  failedcheckins ") || len(words) < 2 {
			continue
		}
		name := "failedcheckins " + words[1]
		// "directory import" is one command; "users add" stands for the
		// users group, whose subcommands are checked below.
		if words[1] == "directory" && len(words) > 2 {
			name += " " + words[2]
		}
		commands++
		if !headings[name] {
			t.Errorf("%s has no section %q for the command `failedcheckins help` lists as %q", cliDocPath, "## "+name, strings.TrimSpace(line))
		}
	}
	if commands < 5 {
		t.Fatalf("found %d commands in the help text; want them all:\n%s", commands, help.String())
	}

	// Every subcommand's synopsis of a command group is printed in the
	// doc as the group's help prints it.
	for _, group := range []string{"users", "webhooks", "alerts"} {
		var help bytes.Buffer
		if err := run(t.Context(), []string{group, "help"}, strings.NewReader(""), &help, &help); err != nil {
			t.Fatalf("%s help = %v", group, err)
		}
		subcommands := 0
		for line := range strings.Lines(help.String()) {
			if !strings.HasPrefix(line, "  failedcheckins "+group+" ") {
				continue
			}
			synopsis, _, _ := strings.Cut(line, "(") // drop the remark in parentheses
			synopsis = strings.TrimSpace(synopsis)
			subcommands++
			if !strings.Contains(doc, synopsis) {
				t.Errorf("%s does not show the synopsis %q that `%s help` prints", cliDocPath, synopsis, group)
			}
		}
		if subcommands < 2 {
			t.Fatalf("found %d %s subcommands in the help text:\n%s", subcommands, group, help.String())
		}
	}

	for _, cmd := range documentedCommands {
		for _, f := range commandFlags(t, cmd) {
			if !strings.Contains(doc, "--"+f.name) {
				t.Errorf("%s does not name --%s, a flag of `failedcheckins %s`", cliDocPath, f.name, strings.Join(cmd, " "))
			}
		}
	}
}
