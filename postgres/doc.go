// Package postgres is the server store: it keeps FailedCheckin records,
// users, tokens and failed sign-in counters in one PostgreSQL database, so
// that any number of API servers in front of it are interchangeable.
//
// It speaks PostgreSQL through pgx and a pgxpool connection pool (pool
// settings come from the DSN: pool_max_conns and friends, see
// docs/postgres.md). The search SQL is shared with the sqlite store through
// package sqlstore; only the dialect differs. Its behaviour is the one the
// store conformance suite (package storetest) pins for both stores: Unicode
// case folding through folded copies computed with failedcheckins.Fold on
// write, byte-order (COLLATE "C") sorting of the folded copies, null and ""
// first in ascending order, and Id as the tie-break.
package postgres
