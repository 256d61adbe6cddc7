package console

import (
	"crypto/subtle"
	"net/http"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// signInData fills the sign-in template.
type signInData struct {
	Next, Email, Error, Token string
}

// signInPage shows the form with a fresh login-CSRF value (cookie and
// hidden field must match).
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	c.renderSignIn(w, r, http.StatusOK, signInData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (c *Console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, d signInData) {
	d.Token = fc.NewToken()
	c.setCookie(w, r, signInCookie, d.Token, 600)
	c.render(w, r, status, "signin", pageData{Title: "Sign in", Body: d})
}

// signIn checks the credentials with the sign-in service (the API's throttling),
// then starts a session: a new random token in the cookie, its hash in the
// database. Every failure gets the same message.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	d := signInData{Next: safeNext(r.PostFormValue("next")), Email: strings.TrimSpace(r.PostFormValue("email"))}
	ck, err := r.Cookie(signInCookie)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostFormValue(csrfField))) != 1 {
		d.Error = "The sign-in form expired. Please try again."
		c.renderSignIn(w, r, http.StatusForbidden, d)
		return
	}
	// An email no account can have (not UTF-8, a control character,
	// longer than an address) is a 400 that says so; the store never
	// sees it.
	if msg := fc.EmailText.Problem(d.Email); msg != "" {
		d.Error = "Email: " + msg + "."
		d.Email = fc.ShortValue(d.Email)
		c.renderSignIn(w, r, http.StatusBadRequest, d)
		return
	}
	u, err := c.cfg.SignIn.SignIn(r.Context(), d.Email, r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("code")), clientAddress(r))
	switch fc.ErrorCode(err) {
	case "":
	case fc.ErrUnauthorized:
		d.Error = "The email, password or code is not right."
		c.renderSignIn(w, r, http.StatusUnauthorized, d)
		return
	case fc.ErrTooMany:
		d.Error = "Too many failed sign-in attempts. Please wait a minute and try again."
		c.renderSignIn(w, r, http.StatusTooManyRequests, d)
		return
	default:
		c.internalError(w, r, err)
		return
	}
	token, now := fc.NewToken(), c.cfg.Now()
	s := &fc.ConsoleSession{TokenHash: fc.HashToken(token), UserID: u.ID, CreatedOn: now, ExpiresOn: now.Add(fc.ConsoleSessionLifetime)}
	if err := c.cfg.Store.CreateConsoleSession(r.Context(), s); err != nil {
		c.internalError(w, r, err)
		return
	}
	c.setCookie(w, r, signInCookie, "", -1)
	c.setCookie(w, r, sessionCookie, token, int(fc.ConsoleSessionLifetime.Seconds()))
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// signOut ends the session, but only with the session's CSRF token: a
// cookie alone changes nothing.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if !s.validCSRF(r) {
		c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was changed.")
		return
	}
	if err := c.cfg.Store.DeleteConsoleSession(r.Context(), fc.HashToken(s.token)); err != nil {
		c.internalError(w, r, err)
		return
	}
	c.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}
