// Package sqlite is the embedded store: it keeps FailedCheckin and Checkin
// records, the directory, users, tokens and sessions in one SQLite file.
// What it shares with the postgres store (the attempt pipeline, searches,
// statistics, exports, record changes) runs in package sqlstore over this
// package's Tx adapter (tx.go).
//
// The file runs in WAL mode with synchronous=FULL, so a record is on disk
// before CreateFailedCheckins returns: the service promises never to lose an
// acknowledged record. Writes go through one dedicated connection (SQLite
// allows one writer at a time anyway, and queueing in Go avoids "database is
// locked" errors); reads use a separate pool of read-only connections that
// see consistent snapshots beside the writer.
package sqlite
