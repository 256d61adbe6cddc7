package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestWriteEndsWithoutTheWriter: once its transaction has ended, write
// returns without waiting for the writer connection again, even with
// texts left to prepare. Callers rely on it: a batch of attempts puts
// the incident cache back only after write returns (sqlstore.recordTx),
// and the next batch, holding the writer and the database's write lock,
// waits for that put (maxTakeWait). Preparing the texts after the
// transaction, on the writer, made every batch of a burst on a fresh
// store wait the whole 50 ms with the write lock held, and a second
// process on the file then failed its writes past writerBusyTimeout
// (TestAlertTwoServers, "database is locked").
//
// Here another user of the writer queues for it while the transaction
// runs, so it gets the connection when the transaction lets it go, and
// keeps it until write has returned.
func TestWriteEndsWithoutTheWriter(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	returned := make(chan struct{})
	held := make(chan error, 1)
	err = db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		waits := db.writer.Stats().WaitCount
		go func() {
			conn, err := db.writer.Conn(ctx)
			if err != nil {
				held <- err
				return
			}
			defer conn.Close()
			// Bounded only so that the failure is reported rather than
			// the test hanging: write returns at once, or never while
			// this holds the writer.
			select {
			case <-returned:
				held <- nil
			case <-time.After(10 * time.Second):
				held <- errors.New("write still waits for the writer 10 s after its transaction")
			}
		}()
		for db.writer.Stats().WaitCount == waits { // until queued behind this transaction
			time.Sleep(time.Millisecond)
		}
		var one int
		return tx.QueryRow(ctx, `SELECT 1 + $1`, 0).Scan(&one) // a text to prepare
	})
	close(returned)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
}
