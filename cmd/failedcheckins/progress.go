package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress follows an import by the bytes read from the file (a Writer fed
// by a TeeReader): bytes are known up front from the file size, rows are
// not.
type progress interface {
	io.Writer
	start(size int64)
	finish()
}

// newProgress returns a progress bar on stderr when stderr is a terminal,
// and a silent one otherwise, so logs and scripts get only the summary.
func newProgress(stderr io.Writer, label string) progress {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{w: stderr, label: label}
	}
	return silentProgress{}
}

type silentProgress struct{}

func (silentProgress) Write(p []byte) (int, error) { return len(p), nil }
func (silentProgress) start(int64)                 {}
func (silentProgress) finish()                     {}

// barProgress draws github.com/schollz/progressbar, which handles terminal
// width, throttling and byte units.
type barProgress struct {
	w     io.Writer
	label string
	bar   *progressbar.ProgressBar
}

func (b *barProgress) start(size int64) {
	b.bar = progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription(b.label),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (b *barProgress) Write(p []byte) (int, error) {
	if b.bar != nil {
		// The bar only draws on the terminal: a failed redraw must not
		// fail the import whose bytes it counts.
		_ = b.bar.Add(len(p))
	}
	return len(p), nil
}

func (b *barProgress) finish() {
	if b.bar != nil {
		_ = b.bar.Finish() // drawing only, as in Write
		_ = b.bar.Clear()
	}
}
