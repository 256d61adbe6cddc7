package alertmail

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/alertmail/smtptest"
)

// memStore is an in-memory outbox of one email.
type memStore struct {
	mu       sync.Mutex
	mail     *fc.AlertEmail
	sent     bool
	next     *time.Time
	errText  string
	finished int
}

func (m *memStore) ClaimAlertEmails(_ context.Context, _ string, now, _ time.Time, _ int) ([]*fc.AlertEmail, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sent || (m.next != nil && now.Before(*m.next)) {
		return nil, nil
	}
	c := *m.mail
	return []*fc.AlertEmail{&c}, nil
}

func (m *memStore) FinishAlertEmail(_ context.Context, _ string, _ int64, sent bool, next *time.Time, errText string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent, m.next, m.errText = sent, next, errText
	m.mail.Attempts++
	m.finished++
	return nil
}

func TestParseURL(t *testing.T) {
	s, err := ParseURL("smtp://ops:s3cr%40t@mail.example.com")
	if err != nil || s.Addr != "mail.example.com:587" || s.User != "ops" || s.Password != "s3cr@t" || s.Host != "mail.example.com" {
		t.Errorf("ParseURL = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "http://x", "smtp://", "mail.example.com:25"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) = nil error", bad)
		}
	}
}

// TestSend: an email reaches a real SMTP server (started here) with its
// envelope, headers and body; an unreachable server makes a failed
// attempt with the next one scheduled.
func TestSend(t *testing.T) {
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	store := &memStore{mail: &fc.AlertEmail{ID: 1, IncidentID: 7, Recipients: []string{"ops@example.com", "desk@example.com"},
		Subject: "[failedcheckins] Opened: stuck at the door – Lisbon", Body: "Refusals: 5\nWho: {\"CoworkerId\":11}\n"}}
	s := &Sender{Store: store, Server: Server{Addr: srv.Addr, Host: "127.0.0.1"}, From: "alerts@example.com"}
	if n, err := s.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	got := srv.Messages()
	if len(got) != 1 || !store.sent {
		t.Fatalf("received %d, sent %v (%s)", len(got), store.sent, store.errText)
	}
	m := got[0]
	if m.From != "alerts@example.com" || strings.Join(m.To, ",") != "ops@example.com,desk@example.com" ||
		!strings.Contains(m.Data, "Subject: =?utf-8?q?") || !strings.Contains(m.Data, "Refusals: 5\r\n") ||
		!strings.Contains(m.Data, "Content-Type: text/plain; charset=utf-8") {
		t.Errorf("message = %+v", m)
	}

	down := &memStore{mail: &fc.AlertEmail{ID: 2, Recipients: []string{"ops@example.com"}, Subject: "s", Body: "b"}}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	s = &Sender{Store: down, Server: Server{Addr: "127.0.0.1:1", Host: "127.0.0.1"}, From: "alerts@example.com",
		Now: func() time.Time { return now }}
	if _, err := s.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if down.sent || down.next == nil || !down.next.Equal(now.Add(Schedule[0])) || down.errText == "" {
		t.Errorf("after a refused connection: sent %v, next %v, error %q; want a retry in %v", down.sent, down.next, down.errText, Schedule[0])
	}
}
