// Package failedcheckins is the domain of the failedcheckins service: the
// FailedCheckin record, the search Query with its conditions, sort and page,
// the result Page, the Error type with its codes and the store interfaces.
//
// It imports nothing else from the project. The store core (sqlstore) and
// the stores (sqlite, postgres), sign-in (signin), the query-string parser
// (searchparams), the HTTP front (api), the console and the command line
// (cmd/failedcheckins) depend on it; the stores and the front never on
// each other, and wiring happens only in cmd/failedcheckins.
package failedcheckins
