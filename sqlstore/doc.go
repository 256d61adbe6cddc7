// Package sqlstore is the core both SQL stores (sqlite and postgres) share:
// every statement and plan they run that is the same in both, and the
// logic around them. It holds the one whitelist that maps API fields to
// columns, the search SQL (conditions, sort, count plans over the rollups,
// deep-page seeks, trigram narrowing), statistics and export statements,
// record validation before insert, the rollup counters, the cache of the
// parsed directory, the schema-migration loader and version rule, and the
// gate that bounds concurrent exports. Whole stores that are the same on
// both databases (Users, FailedCheckinReads) are embedded by each store's
// DB with its own ways to read and write.
//
// The few differences between the two SQL dialects are data in a Dialect
// (placeholder style, substring test, null ordering, time arguments, how
// a list is stored and matched, locks), chosen by each store, never found
// by rewriting SQL text. It is a leaf:
// it imports the domain and neither store.
package sqlstore
