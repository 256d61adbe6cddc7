package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// runVersion prints the version of the binary and how it was built: the
// module version (a tag for `go install ...@v1.2.3`, "(devel)" for a local
// build), the VCS revision, time and whether the tree had uncommitted
// changes, and the Go version. An operator pastes it into a bug report.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "version", stderr)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("version takes no arguments, got %q", fs.Args())}
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		// Only a binary built without module support gets here.
		fmt.Fprintf(stdout, "failedcheckins (unknown version)\ngo: %s\n", runtime.Version())
		return nil
	}
	writeVersion(stdout, info)
	return nil
}

// writeVersion prints info as "key: value" lines, the first naming the
// version, so both people and scripts can read it.
func writeVersion(w io.Writer, info *debug.BuildInfo) {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	fmt.Fprintf(w, "failedcheckins %s\n", info.Main.Version)
	fmt.Fprintf(w, "module: %s\n", info.Main.Path)
	for _, key := range []string{"vcs.revision", "vcs.time", "vcs.modified"} {
		if v, ok := settings[key]; ok {
			fmt.Fprintf(w, "%s: %s\n", key, v)
		}
	}
	fmt.Fprintf(w, "go: %s\n", info.GoVersion)
	fmt.Fprintf(w, "platform: %s/%s\n", settings["GOOS"], settings["GOARCH"])
}
