// The stored directory document: what both SQL stores do with it apart
// from talking to their driver (the cache of the parsed directory of one
// version, the merge-and-check of an import, and the once-a-minute timer
// for purging idempotency keys).

package sqlstore

import (
	"fmt"
	"strings"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// PurgeInterval is how often a store deletes expired idempotency keys.
const PurgeInterval = time.Minute

// DirectoryCache keeps the parsed directory of one version. Attempts read the
// directory thousands of times a second; parsing it each time would
// dominate. A store reads the version row with every batch (and every
// Directory call) and asks the cache for that version, so an import by
// another process or server on the same database is seen at the next
// batch. The zero DirectoryCache is empty and ready to use.
type DirectoryCache struct {
	mu      sync.Mutex
	version int64
	dir     *fc.Directory
	purged  time.Time // when expired idempotency keys were last deleted
	// Webhooks is the outbox's cache of active webhooks, which the same
	// batches read beside the directory (webhookcache.go).
	Webhooks WebhookCache
	// Alerts is the pipeline's cache of active alert rules, which the
	// same batches read (alertbatch.go).
	Alerts AlertCache
}

// At returns the directory of version: the cached one when it is that
// version, otherwise the document that load returns, parsed and indexed.
// The lock is held while load runs, so concurrent misses parse once. A
// document that does not load is an internal error, not the client's: its
// text is kept (%v) but its ErrInvalid code is dropped on purpose, so it
// can never become a 400.
func (c *DirectoryCache) At(version int64, load func() (string, error)) (*fc.Directory, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dir != nil && c.version == version {
		return c.dir, nil
	}
	doc, err := load()
	if err != nil {
		return nil, fmt.Errorf("read the directory: %w", err)
	}
	d, err := fc.ParseStoredDirectory(strings.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("the stored directory does not parse: %v", err)
	}
	if err := d.Index(); err != nil {
		return nil, fmt.Errorf("the stored directory is not valid: %v", err)
	}
	c.version, c.dir = version, d
	return d, nil
}

// PurgeDue reports whether PurgeInterval has passed since the last purge
// this cache allowed and, when it has, records now as the last purge, so
// of two concurrent callers only one purges.
func (c *DirectoryCache) PurgeDue(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.purged) < PurgeInterval {
		return false
	}
	c.purged = now
	return true
}

// MergeDirectory merges upd into current by Id, checks the result as a whole and
// returns the document to store. A merged directory that does not check
// returns Index's ErrInvalid error unchanged, so the client learns where;
// the store must then change nothing.
func MergeDirectory(current, upd *fc.Directory) (string, error) {
	merged := fc.Merge(current, upd)
	if err := merged.Index(); err != nil {
		return "", err
	}
	doc, err := fc.MarshalDirectory(merged)
	if err != nil {
		return "", fmt.Errorf("encode the directory: %w", err)
	}
	return string(doc), nil
}
