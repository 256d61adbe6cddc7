//go:build race

package api

// raceDetector: the race detector slows every request several times, so
// the hostile-input suite tries a deterministic part of its grid.
const raceDetector = true
