package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// Cookie names. The session cookie is scoped to the console's path, HttpOnly
// (no script reads it) and SameSite=Strict (no other site's page or link
// sends it), and Secure unless Config.InsecureCookie.
const (
	sessionCookie = "fc_console"
	// signInCookie holds a random value repeated in the sign-in form, so a
	// sign-in cannot be forged by another site (login CSRF) even in a
	// browser that sends no Sec-Fetch-Site or Origin header.
	signInCookie = "fc_console_signin"
	csrfField    = "csrf"
)

// session is the signed-in user of a request and their session token.
type session struct {
	user   *fc.User
	caller *fc.Caller
	token  string
	// webhooks: the console serves the webhooks pages and the user may
	// list webhooks, so the navigation links to them.
	webhooks bool
	// alerts: the console serves the alerts page and the user may list
	// incidents.
	alerts bool
}

// ShowWebhooks says whether the navigation links to the webhooks pages.
func (s *session) ShowWebhooks() bool { return s.webhooks }

// ShowAlerts says whether the navigation links to the alerts page.
func (s *session) ShowAlerts() bool { return s.alerts }

// Email is the signed-in user's email, for the page header.
func (s *session) Email() string { return s.user.Email }

// CSRF returns the synchronizer token of the session: an HMAC of a fixed
// label keyed with the session's secret token. Only the holder of the
// cookie can compute it, every server derives the same one without
// storing anything, and it dies with the session.
func (s *session) CSRF() string { return csrfToken(s.token) }

func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("failedcheckins console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF compares the form's token with the session's in constant time.
func (s *session) validCSRF(r *http.Request) bool {
	got := r.PostFormValue(csrfField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF())) == 1
}

type sessionKey struct{}

func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// loadSession returns the session of the request's cookie, or nil when
// there is none or it has expired, ended or belongs to a disabled user.
func (c *Console) loadSession(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, nil
	}
	u, err := c.cfg.Store.FindUserByConsoleSession(r.Context(), fc.HashToken(ck.Value), c.cfg.Now())
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find console session: %w", err)
	}
	if !u.Enabled {
		return nil, nil
	}
	caller := u.Caller()
	return &session{user: u, caller: caller, token: ck.Value,
		webhooks: c.cfg.Webhooks != nil && caller.HasRole(fc.RoleWebhookList),
		alerts:   c.cfg.Alerts != nil && caller.HasRole(fc.RoleAlertIncidentList)}, nil
}

// requireSession runs h for a signed-in user and sends anyone else to the
// sign-in page, remembering where they were going.
func (c *Console) requireSession(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := c.loadSession(r)
		if err != nil {
			c.internalError(w, r, err)
			return
		}
		if s == nil {
			target := "/console/signin"
			if r.Method == http.MethodGet {
				target += "?next=" + urlEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		audit.SetUser(r.Context(), s.user.Email) // the audit entry's caller (package audit)
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// requireRole is requireSession plus a role check: a user without the
// role gets a 403 page, as the API answers 403.
func (c *Console) requireRole(role string, h http.HandlerFunc) http.Handler {
	return c.requireSession(func(w http.ResponseWriter, r *http.Request) {
		if !sessionFrom(r.Context()).caller.HasRole(role) {
			c.errorPage(w, r, http.StatusForbidden, "You need the "+role+" role for this page.")
			return
		}
		h(w, r)
	})
}

// setCookie writes a console cookie with the safe attributes; maxAge < 0
// deletes it.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Path, MaxAge: maxAge,
		HttpOnly: true, Secure: c.secureCookie(r), SameSite: http.SameSiteStrictMode,
	})
}

// secureCookie says whether cookies get the Secure attribute: always,
// except with Config.InsecureCookie on a request that came over plain HTTP
// (no TLS here, and no proxy saying it terminated TLS).
func (c *Console) secureCookie(r *http.Request) bool {
	return !c.cfg.InsecureCookie || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// clientAddress is the address the request came from, for the sign-in
// throttle: RemoteAddr, which serve sets from X-Forwarded-For only for
// requests from --trusted-proxies (package proxyaddr), as in the API; the
// header itself is never read here, since a client could forge it.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps a post-sign-in redirect inside the console, so the
// sign-in page cannot be used to send people to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Path) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/failedcheckins"
	}
	return next
}
