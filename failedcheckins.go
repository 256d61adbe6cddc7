// Package failedcheckins is the domain of the failedcheckins service: the
// FailedCheckin record, the search Query with its conditions, sort and page,
// the result Page, the Error type with its codes and the store interfaces.
//
// It imports nothing else from the project. The storage backends (sqlite),
// the HTTP API (api) and the command line (cmd/failedcheckins) depend on it,
// never on each other; wiring happens only in cmd/failedcheckins.
package failedcheckins
