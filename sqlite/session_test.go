package sqlite

import (
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
)

func TestSessionConformance(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T) storetest.SessionStore { return openTest(t) })
}
