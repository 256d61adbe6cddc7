package postgres

import (
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestSessionConformance runs the console session suite of both stores.
func TestSessionConformance(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) storetest.SessionStore { return openTest(t) })
}
