package sqlstore

import (
	"context"
	"testing"
	"time"
)

// TestIncidentCacheTakeWaits: a batch that finds the cache held waits for
// the holder's put and gets the cache (with the map the holder put back),
// instead of giving up at once and emptying it for the batches after; a
// holder that never puts back costs the waiter the cache after the wait,
// not its batch.
func TestIncidentCacheTakeWaits(t *testing.T) {
	ctx := context.Background()
	c := &incidentCache{wait: time.Minute} // the put below comes long before
	mark, open, ok := c.take(ctx)
	if !ok || mark == 0 || open != nil {
		t.Fatalf("first take = %d, %v, %v; want a mark, no map, true", mark, open, ok)
	}
	open = map[alertKey]*storedIncident{{rule: 1, key: "k"}: {}}
	go func() {
		time.Sleep(5 * time.Millisecond)
		c.put(open, true)
	}()
	mark2, open2, ok := c.take(ctx)
	if !ok || mark2 != mark || len(open2) != 1 {
		t.Fatalf("take while held = %d, %d incidents, %v; want %d, 1, true", mark2, len(open2), ok, mark)
	}

	c.wait = time.Millisecond // the holder (the take above) never puts back
	if _, _, ok := c.take(ctx); ok {
		t.Fatal("take got a cache another batch still holds")
	}
	c.put(nil, false)
	if _, open, ok := c.take(ctx); !ok || open != nil {
		t.Fatalf("take after an uncommitted put = %v, %v; want an empty cache", open, ok)
	}
}
