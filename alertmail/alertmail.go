// Package alertmail sends the email notifications of alert incidents
// (PUSH.md section 3, serve --smtp-url): a Sender claims the emails the
// store queued with each incident's change and sends them over SMTP,
// with STARTTLS whenever the server offers it.
//
// It uses the standard library's net/smtp: the protocol needed here is
// small (EHLO, STARTTLS, AUTH PLAIN, one message), net/smtp is frozen but
// maintained with Go, and it adds no dependency.
package alertmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	fc "github.com/failedcheckins/failedcheckins"
)

// Retries after a failed attempt; after the last one the email is Failed.
var Schedule = []time.Duration{30 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// Lease is how long a claim lasts: longer than an attempt.
const Lease = 2 * time.Minute

// Server is a parsed --smtp-url: smtp://user:password@host:port.
type Server struct {
	Addr     string // host:port
	Host     string
	User     string
	Password string
}

// ParseURL reads an smtp:// URL (port 587 when none is given).
func ParseURL(raw string) (Server, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return Server{}, errors.New("must be smtp://[user:password@]host[:port]")
	}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	s := Server{Addr: net.JoinHostPort(u.Hostname(), port), Host: u.Hostname()}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	return s, nil
}

// Sender sends queued incident emails.
type Sender struct {
	Store  fc.AlertEmailStore
	Server Server
	From   string
	// Now is the clock of claims and retries; nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// TLS is the configuration of STARTTLS; nil verifies the server's
	// certificate for Server.Host.
	TLS   *tls.Config
	owner string

	metricsOnce sync.Once
	emails      *prometheus.CounterVec
}

// counter returns the sender's series, made on first use.
func (s *Sender) counter() *prometheus.CounterVec {
	s.metricsOnce.Do(func() {
		s.emails = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "failedcheckins_alert_emails_total",
			Help: "Alert email attempts made by this server, by outcome: sent, retry (failed, to be retried), failed (failed for good).",
		}, []string{"outcome"})
		for _, o := range []string{"sent", "retry", "failed"} {
			s.emails.WithLabelValues(o)
		}
	})
	return s.emails
}

// Collectors returns the sender's series, for the server's registry
// (docs/api.md#metrics).
func (s *Sender) Collectors() []prometheus.Collector { return []prometheus.Collector{s.counter()} }

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run sends due emails every poll until ctx ends.
func (s *Sender) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Warn("alertmail: claim", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims the emails due now, sends each and records the result;
// it returns how many it attempted.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	if s.owner == "" {
		s.owner = "alertmail-" + fmt.Sprint(time.Now().UnixNano())
	}
	now := s.now()
	mails, err := s.Store.ClaimAlertEmails(ctx, s.owner, now, now.Add(Lease), 20)
	if err != nil {
		return 0, err
	}
	for _, m := range mails {
		err := s.send(ctx, m)
		var next *time.Time
		msg := ""
		if err != nil {
			msg = err.Error()
			if m.Attempts < len(Schedule) {
				at := s.now().Add(Schedule[m.Attempts])
				next = &at
			}
			if s.Logger != nil {
				s.Logger.Warn("alertmail: send", "email", m.ID, "error", err)
			}
		}
		switch {
		case err == nil:
			s.counter().WithLabelValues("sent").Inc()
		case next != nil:
			s.counter().WithLabelValues("retry").Inc()
		default:
			s.counter().WithLabelValues("failed").Inc()
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		ferr := s.Store.FinishAlertEmail(rctx, s.owner, m.ID, err == nil, next, msg)
		cancel()
		if ferr != nil {
			return len(mails), ferr
		}
	}
	return len(mails), nil
}

// send delivers one email: STARTTLS when offered, AUTH PLAIN when the URL
// has a user (net/smtp refuses it without TLS, except to localhost).
func (s *Sender) send(ctx context.Context, m *fc.AlertEmail) error {
	d := net.Dialer{Timeout: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.Server.Addr)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(time.Minute))
	c, err := smtp.NewClient(conn, s.Server.Host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer func() { _ = c.Close() }()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.Server.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return err
		}
	}
	if s.Server.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Server.User, s.Server.Password, s.Server.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.From); err != nil {
		return err
	}
	for _, to := range m.Recipients {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Message(s.From, m)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Message is the RFC 5322 message of an email: plain text, UTF-8.
func Message(from string, m *fc.AlertEmail) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\n")
	b.WriteString("To: " + strings.Join(m.Recipients, ", ") + "\r\n")
	b.WriteString("Subject: " + headerSafe(m.Subject) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return []byte(b.String())
}

// headerSafe keeps a header value on one line, RFC 2047-encoded when it
// is not ASCII.
func headerSafe(s string) string {
	return mime.QEncoding.Encode("utf-8", strings.NewReplacer("\r", " ", "\n", " ").Replace(s))
}
