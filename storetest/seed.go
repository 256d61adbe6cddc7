package storetest

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// Seed returns the seed of a randomised test: the value of
// FAILEDCHECKINS_TEST_SEED when it is set, to replay a failure, and a new
// one otherwise, so that repeated runs explore more cases. On failure the
// test logs the seed and how to replay it.
func Seed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("FAILEDCHECKINS_TEST_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FAILEDCHECKINS_TEST_SEED=%q is not a number", v)
		}
		seed = n
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random cases used seed %d; replay with FAILEDCHECKINS_TEST_SEED=%d", seed, seed)
		}
	})
	return seed
}
