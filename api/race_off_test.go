//go:build !race

package api

// raceDetector: see race_on_test.go.
const raceDetector = false
