package sqlite

import (
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
)

func TestReportConformance(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) storetest.ReportStore { return openTest(t) })
}
