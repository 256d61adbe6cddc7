// Package sqlite is the embedded store: it keeps FailedCheckin records (and,
// through helpers other files of this package add, users and tokens) in one
// SQLite file.
//
// The file runs in WAL mode with synchronous=FULL, so a record is on disk
// before CreateFailedCheckins returns: the service promises never to lose an
// acknowledged record. Writes go through one dedicated connection (SQLite
// allows one writer at a time anyway, and queueing in Go avoids "database is
// locked" errors); reads use a separate pool of read-only connections that
// see consistent snapshots beside the writer.
package sqlite
