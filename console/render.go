package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// pageData is what every page template receives: the title, the signed-in
// session (nil on the sign-in page) and the page's own data.
type pageData struct {
	Title   string
	Session *session
	Body    any
}

// parseTemplates parses each page together with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", base, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes a page. It renders into a buffer first, so a template
// error becomes a clean 500 rather than half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, d pageData) {
	if d.Session == nil {
		d.Session = sessionFrom(r.Context())
	}
	var buf bytes.Buffer
	if err := c.pages[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console render", "page", page, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage shows a message people can act on.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	c.render(w, r, status, "error", pageData{Title: http.StatusText(status), Body: msg})
}

// internalError logs the detail and shows a generic message: a 503 with
// Retry-After when the database is unavailable (a load balancer or a
// person retries it), a 500 otherwise.
func (c *Console) internalError(w http.ResponseWriter, r *http.Request, err error) {
	c.cfg.Logger.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	if fc.ErrorCode(err) == fc.ErrInvalid {
		// The request's fault, found by the store (a filter it cannot
		// run, a value it cannot keep): a 400 with the domain's message,
		// which never holds the database's text (sqlstore.Classify).
		c.errorPage(w, r, http.StatusBadRequest, fc.ErrorMessage(err))
		return
	}
	if fc.ErrorCode(err) == fc.ErrUnavailable {
		w.Header().Set("Retry-After", "5")
		c.errorPage(w, r, http.StatusServiceUnavailable, "The service is temporarily unavailable. Please try again in a few seconds.")
		return
	}
	c.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again.")
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.errorPage(w, r, http.StatusNotFound, "There is no such page.")
}

func urlEscape(s string) string { return url.QueryEscape(s) }
