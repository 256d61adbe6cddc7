package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The open incidents' cache of the attempt pipeline (issue 14). A batch
// whose refusals join open incidents used to read them in every batch:
// with ten rules and one member hammering a door, that read was 52 of the
// 133 us a batch of eight refusals paid for its rules
// (docs/benchmarks.md, "Alert rules (issue 14)"). The batches of one
// store keep the open incidents they read and wrote in memory instead,
// for the next batch, and a batch trusts them only after checking, in
// its own transaction, that no one else wrote an incident since:
//
//   - alert_state.incidents_writer holds the mark of the cache whose
//     batches wrote the incidents last (a random number per store), or 0;
//   - a batch reads it before it reads or writes any incident (SQLite:
//     with the batch's first statement, since no other writer can commit
//     during the transaction; PostgreSQL: again, FOR UPDATE, just before,
//     since acknowledgements do not take the records' lock), and uses the
//     cache only when the mark is its own; when it is not, the batch
//     starts from an empty cache and writes its mark;
//   - every other writer of incidents sets it to 0 in its transaction,
//     before it touches an incident (incidentsChanged): acknowledgement,
//     the sweep, erasure, retention, rule changes. A batch that cannot
//     hold the cache (another batch of the same store still holds it
//     after maxTakeWait) is such a writer too.
//
// The cache holds a subset of the open incidents, each exactly as stored
// when its mark is in the table; a key it does not hold is read from the
// table, as before. A batch holds the cache alone from its first look at
// an incident to the end of its transaction, changes it in place, and
// puts it back only when it committed: a batch rolled back, or a commit
// whose outcome is unknown, leaves it empty, which is always valid.
//
// The partial unique index alert_incidents_one_open still makes a second
// open incident of one rule and key impossible, whatever any cache says.

// maxCachedIncidents bounds the cache: past it, the cache starts empty
// again (its keys are then read from the table as they come).
const maxCachedIncidents = 10000

// Statements of the mark.
const (
	readIncidentsWriterSQL = `SELECT incidents_writer FROM alert_state WHERE id = 1`
	claimIncidentsSQL      = `UPDATE alert_state SET incidents_writer = $1 WHERE id = 1`
	incidentsChangedSQL    = `UPDATE alert_state SET incidents_writer = 0 WHERE id = 1`
)

// incidentCache is the open incidents one store's batches keep. The zero
// incidentCache is empty and ready to use.
type incidentCache struct {
	mu       sync.Mutex
	mark     int64         // this cache's mark in incidents_writer: set at the first take, never 0
	held     bool          // a batch holds open
	released chan struct{} // closed by the put that ends the current hold
	wait     time.Duration // how long take waits for a holder; 0 is maxTakeWait (tests set others)
	open     map[alertKey]*storedIncident
}

// maxTakeWait bounds how long a batch waits for the cache's holder to put
// it back. Batches of one store are serialized, so a batch looking at
// incidents finds the cache held only in the moment between the previous
// batch's commit and its put: giving up at once there cost the cache in
// 55 of 400 batches of 8 concurrent clients on PostgreSQL (the review of
// issue 14), and each such batch empties it for the next one too. The
// waiting batch holds the writer, so the wait is short and bounded: a
// holder that never puts back (a recovered panic) costs the cache, not
// the writes.
const maxTakeWait = 50 * time.Millisecond

// take gives the cache to a batch, or reports false when another batch
// still holds it after maxTakeWait (or ctx ends). The batch owns the map
// until put.
func (c *incidentCache) take(ctx context.Context) (mark int64, open map[alertKey]*storedIncident, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		released, wait := c.released, c.wait
		c.mu.Unlock()
		if wait == 0 {
			wait = maxTakeWait
		}
		t := time.NewTimer(wait)
		select {
		case <-released:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		c.mu.Lock()
		if c.held {
			return 0, nil, false
		}
	}
	for c.mark == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		c.mark = int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	}
	c.held, open, c.open = true, c.open, nil
	c.released = make(chan struct{})
	return c.mark, open, true
}

// put takes the cache back from a batch: its map when the batch
// committed, nothing otherwise.
func (c *incidentCache) put(open map[alertKey]*storedIncident, committed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = false
	close(c.released)
	if committed && len(open) <= maxCachedIncidents {
		c.open = open
	}
}

// incidentLease is a batch's hold on its store's incident cache, from
// recordTx, which knows whether the batch committed.
type incidentLease struct {
	c    *incidentCache
	held bool
	open map[alertKey]*storedIncident
}

// end puts the cache back, if the batch took it.
func (l *incidentLease) end(committed bool) {
	if l != nil && l.held {
		l.held = false
		l.c.put(l.open, committed)
	}
}

// incidentsChanged tells every store's batches that incidents changed,
// in the transaction that changes them, before it touches one (the mark's
// row lock first, as the batches take it, so no two writers wait for
// each other's locks in the opposite order).
func incidentsChanged(ctx context.Context, tx Tx) error {
	if _, err := tx.Exec(ctx, incidentsChangedSQL); err != nil {
		return fmt.Errorf("mark the alert incidents changed: %w", err)
	}
	return nil
}

// beginIncidents reads the mark (on PostgreSQL; batchStartSQL read it on
// SQLite), once per batch, before the batch reads or writes an incident,
// and takes the cache when it can: the batch may
// then use the cache's incidents when the mark is its cache's, and
// claims the mark otherwise. A batch that cannot take it sets the mark
// to 0, since it may write incidents the cache's holder does not see.
func (b *attemptBatch) beginIncidents(ctx context.Context) error {
	a := &b.alerts
	if a.begun {
		return nil
	}
	a.begun = true
	if a.states == nil {
		a.states = map[alertKey]*alertState{}
		a.byID = map[int64]*alertState{}
	}
	mark := a.mark
	if b.d.RowLocks {
		// Locked, so that no acknowledgement commits between this read and
		// the batch's commit; batchStartSQL's read could be older.
		if err := b.tx.QueryRow(ctx, readIncidentsWriterSQL+b.d.forUpdate()).Scan(&mark); err != nil {
			return fmt.Errorf("read the alert incidents' writer: %w", err)
		}
	}
	l := a.lease
	if l != nil {
		var own int64
		var open map[alertKey]*storedIncident
		if own, open, l.held = l.c.take(ctx); l.held {
			if mark != own || open == nil {
				open = map[alertKey]*storedIncident{}
			}
			if mark != own {
				b.tx.Queue(claimIncidentsSQL, own)
			}
			l.open, a.cached = open, open
			return nil
		}
	}
	if mark != 0 {
		b.tx.Queue(incidentsChangedSQL)
	}
	return nil
}

// cachedState returns the state of a key the cache holds an open
// incident of, made the batch's, or nil.
func (b *attemptBatch) cachedState(k alertKey) *alertState {
	inc := b.alerts.cached[k]
	if inc == nil {
		return nil
	}
	st := &alertState{inc: inc}
	b.alerts.states[k] = st
	b.alerts.byID[inc.ID] = st
	return st
}

// keepIncidents writes what the batch knows of its keys into the cache it
// holds, after flushAlerts: their open incidents, as the batch leaves
// their rows, or their absence.
func (b *attemptBatch) keepIncidents() {
	open := b.alerts.cached
	if open == nil {
		return
	}
	for k, st := range b.alerts.states {
		if st.inc == nil || st.inc.Status == fc.IncidentResolved {
			delete(open, k)
			continue
		}
		open[k] = st.inc.batchView()
	}
}

// batchView returns the incident as a batch reads it from its row
// (scanBatchIncident): only what joins change or depend on.
func (i *storedIncident) batchView() *storedIncident {
	if !i.full {
		return i
	}
	v := &storedIncident{resolveAfter: i.resolveAfter, lastNotified: i.lastNotified, listed: i.listed}
	v.ID, v.RuleID, v.Key, v.Status, v.FailureCount, v.LastFailureOn = i.ID, i.RuleID, i.Key, i.Status, i.FailureCount, i.LastFailureOn
	return v
}
