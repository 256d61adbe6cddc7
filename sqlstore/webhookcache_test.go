package sqlstore

import (
	"strings"
	"testing"
)

// queueRecorder is a WriteTx that only records what is queued.
type queueRecorder struct {
	WriteTx
	texts []string
	args  [][]any
}

func (q *queueRecorder) Queue(sql string, args ...any) {
	q.texts = append(q.texts, sql)
	q.args = append(q.args, args)
}

// TestQueueDeliveryInserts: a batch's outbox rows are written in chunks
// of 32, 16, ..., 1 rows, every one once, in the order gathered, each
// chunk with as many placeholders as arguments.
func TestQueueDeliveryInserts(t *testing.T) {
	for _, n := range []int{0, 1, 3, 24, 45, 100} {
		rec := &queueRecorder{}
		b := &attemptBatch{tx: rec}
		for i := range n {
			b.deliveries = append(b.deliveries, int64(i), int64(1000+i), "1,2,3", int64(7))
		}
		b.queueDeliveryInserts()
		var sizes []int
		next := 0
		for i, args := range rec.args {
			rows := len(args) / outboxArgs
			sizes = append(sizes, rows)
			if got := strings.Count(rec.texts[i], "($"); got != rows || len(args)%outboxArgs != 0 {
				t.Fatalf("n=%d: a statement of %d rows for %d arguments", n, got, len(args))
			}
			if strings.Count(rec.texts[i], "$") != rows*outboxArgs {
				t.Errorf("n=%d: placeholders in %q", n, rec.texts[i])
			}
			for r := range rows {
				if args[r*outboxArgs] != int64(next) {
					t.Fatalf("n=%d: row %d holds delivery %v; want %d", n, r, args[r*outboxArgs], next)
				}
				next++
			}
		}
		if next != n || b.deliveries != nil {
			t.Errorf("n=%d: %d written (chunks %v)", n, next, sizes)
		}
		for i := 1; i < len(sizes); i++ {
			if sizes[i] > sizes[i-1] || sizes[i] > 32 {
				t.Errorf("n=%d: chunks %v; want at most 32, largest first", n, sizes)
			}
		}
	}
}
