package sqlstore

// The webhook row locks, for the external tests that run them on a
// PostgreSQL server (webhooklock_test.go).
var (
	LockWebhooksSQL = lockWebhooksSQL
	FanOutLockSQL   = fanOutLockSQL
)
