package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/webhook"
)

const webhooksUsage = `Usage:
  failedcheckins webhooks add           [--db DB] --name NAME --url URL [--action 63|47] [--business ID] [--filter QUERY] [--description TEXT] [--secret whsec_...] [--webhook-allow-private]
  failedcheckins webhooks list          [--db DB]
  failedcheckins webhooks disable       [--db DB] ID
  failedcheckins webhooks enable        [--db DB] ID     (resets its consecutive failures and sends what waited)
  failedcheckins webhooks rotate-secret [--db DB] ID     (prints the new secret once)
`

// runWebhooks manages webhooks without HTTP (docs/cli.md#failedcheckins-webhooks),
// for an operator who can reach the database: a full administrator's
// view, every location. Each change is checked by the API's own
// webhook.Validator and written to the audit trail with channel Cli.
func runWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, webhooksUsage)
		return &usageError{msg: "webhooks: no subcommand given", reported: true}
	}
	switch sub := args[0]; sub {
	case "add":
		return runWebhooksAdd(ctx, args[1:], stdout, stderr)
	case "list":
		return withWebhookDB(ctx, "list [--db DB]", args[1:], false, stderr, func(db store, _ int64) error {
			return listWebhooks(ctx, db, stdout)
		})
	case "disable", "enable":
		return withWebhookDB(ctx, sub+" [--db DB] ID", args[1:], true, stderr, func(db store, id int64) error {
			return auditWebhookChange(ctx, db, sub, id, setWebhookActive(ctx, db, id, sub == "enable", stdout))
		})
	case "rotate-secret":
		return withWebhookDB(ctx, "rotate-secret [--db DB] ID", args[1:], true, stderr, func(db store, id int64) error {
			return auditWebhookChange(ctx, db, sub, id, rotateWebhookSecret(ctx, db, id, stdout))
		})
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, webhooksUsage)
		return nil
	}
	fmt.Fprintf(stderr, "failedcheckins webhooks: unknown subcommand %q\n\n%s", args[0], webhooksUsage)
	return &usageError{msg: fmt.Sprintf("webhooks: unknown subcommand %q", args[0]), reported: true}
}

// webhooksAddConfig is the configuration of `failedcheckins webhooks add`.
type webhooksAddConfig struct {
	dbConfig
	Name, URL, Business, Filter, Description, Secret string
	Action                                           int
	AllowPrivate                                     bool
}

// webhookFlags maps the API's field names, as webhook.Validator reports
// them, to the flags of webhooks add.
var webhookFlags = map[string]string{"name": "--name", "url": "--url", "action": "--action", "businessid": "--business",
	"filter": "--filter", "description": "--description", "secret": "--secret"}

func runWebhooksAdd(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := webhooksAddConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("webhooks add", "webhooks add [--db DB] --name NAME --url URL [--action 63|47] [--business ID] [--filter QUERY] [--description TEXT] [--secret whsec_...] [--webhook-allow-private]", stderr)
	cfg.register(fs)
	fs.StringVar(&cfg.Name, "name", "", "the webhook's `name` (at most 200 characters)")
	fs.StringVar(&cfg.URL, "url", "", "the receiver's http or https `URL`; loopback and private addresses are refused unless --webhook-allow-private")
	fs.IntVar(&cfg.Action, "action", fc.ActionFailedCheckin, "what it sends: 63 every FailedCheckin, 47 every accepted check-in (1001 alert incidents)")
	fs.StringVar(&cfg.Business, "business", "", "the location `id` whose records it sends; empty for every location")
	fs.StringVar(&cfg.Filter, "filter", "", "which records it sends, as search `parameters` (FailedCheckin_Reason=PlanExpired&FailedCheckin_Source=2); empty for all")
	fs.StringVar(&cfg.Description, "description", "", "free `text` about it")
	fs.StringVar(&cfg.Secret, "secret", "", "the signing `secret` (whsec_ and base64 of 24 to 64 bytes); empty generates one, printed once")
	fs.BoolVar(&cfg.AllowPrivate, "webhook-allow-private", false, "accept a URL of a loopback, private or link-local address (an on-premises receiver; the same setting as serve --webhook-allow-private, which serve needs to deliver)")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("webhooks add takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	hook, err := cfg.webhook(ctx)
	if err != nil {
		return &usageError{msg: err.Error()} // bad input: exit status 2, nothing stored
	}
	db, err := openMigrated(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	// Never the secret in the audit trail: only whether one was given.
	params := url.Values{"name": {cfg.Name}, "url": {cfg.URL}, "action": {strconv.Itoa(cfg.Action)}, "business": {cfg.Business},
		"filter": {cfg.Filter}, "secret": {map[bool]string{true: "given", false: "generated"}[cfg.Secret != ""]}}
	createErr := db.CreateWebhook(ctx, hook)
	if err := auditCLI(ctx, db, "webhooks add", params, changedCount(createErr), createErr); err != nil {
		return errors.Join(createErr, err)
	}
	if createErr != nil {
		return fmt.Errorf("webhooks add: %w", createErr)
	}
	fmt.Fprintf(stdout, "created webhook %d: %s\n", hook.ID, describeWebhook(hook))
	if cfg.Secret == "" {
		fmt.Fprintf(stdout, "its signing secret, shown only now (webhooks rotate-secret %d makes a new one):\n%s\n", hook.ID, hook.Secret)
	}
	return nil
}

func (c webhooksAddConfig) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("webhooks add: --name is required")
	case c.URL == "":
		return errors.New("webhooks add: --url is required (the receiver's https://... address)")
	}
	return c.dbConfig.Validate()
}

// webhook builds the webhook the flags describe and checks it exactly as
// the API checks a create (webhook.Validator, the SSRF guard included);
// every problem is named by its flag in one error.
func (c webhooksAddConfig) webhook(ctx context.Context) (*fc.Webhook, error) {
	hook := &fc.Webhook{Name: c.Name, URL: c.URL, Action: c.Action, Filter: c.Filter, Description: c.Description,
		Secret: c.Secret, Active: true}
	if c.Business != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(c.Business), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("webhooks add: --business %q: must be a location id (a positive whole number), or empty for every location", c.Business)
		}
		hook.BusinessID = &id
	}
	v := webhook.Validator{Scope: fc.AllBusinesses(), AllowPrivate: c.AllowPrivate, PrivateHint: "--webhook-allow-private"}
	problems, err := v.Validate(ctx, hook, webhook.AllChanges)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.New("webhooks add: " + fieldProblems(problems, webhookFlags, map[string]string{
			"name": c.Name, "url": c.URL, "action": strconv.Itoa(c.Action), "businessid": c.Business,
			"filter": c.Filter, "description": c.Description}))
	}
	if hook.Secret == "" {
		hook.Secret = fc.NewWebhookSecret()
	}
	hook.UpdatedBy = new(cliUser())
	return hook, nil
}

// fieldProblems renders the Validator's problems with the flags the
// operator typed and the values they gave (values lists them; a field not
// in it, the secret, is never echoed).
func fieldProblems(problems []fc.FieldError, flags, values map[string]string) string {
	parts := make([]string, len(problems))
	for i, p := range problems {
		key := strings.ToLower(p.Property)
		name := p.Property
		if f, ok := flags[key]; ok {
			name = f
		}
		if v, ok := values[key]; ok {
			name += " " + strconv.Quote(fc.ShortValue(v))
		}
		parts[i] = name + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

// withWebhookDB parses the flags of a webhooks subcommand that takes an
// ID argument when withID (synopsis is its usage line), opens the
// database and runs fn.
func withWebhookDB(ctx context.Context, synopsis string, args []string, withID bool, stderr io.Writer, fn func(store, int64) error) (err error) {
	cfg := defaultDBConfig()
	fs := newFlagSet("webhooks", "webhooks "+synopsis, stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	want := map[bool]int{true: 1, false: 0}[withID]
	if fs.NArg() != want {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("webhooks %s: want %d argument(s), got %d", synopsis, want, fs.NArg())}
	}
	var id int64
	if withID {
		if id, err = strconv.ParseInt(fs.Arg(0), 10, 64); err != nil || id < 1 {
			return &usageError{msg: fmt.Sprintf("webhooks %s: %q is not a webhook id (see: failedcheckins webhooks list)", synopsis, fs.Arg(0))}
		}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	return fn(db, id)
}

// findWebhook looks a webhook up with an error a person can act on.
func findWebhook(ctx context.Context, db store, id int64) (*fc.Webhook, error) {
	w, err := db.FindWebhookByID(ctx, fc.AllBusinesses(), id)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, fc.Errorf(fc.ErrNotFound, "no webhook with id %d (see: failedcheckins webhooks list)", id)
	}
	return w, err
}

// setWebhookActive turns a webhook on or off through the store's update,
// the API's edit: turning it on resets its consecutive failures and makes
// its pending deliveries due at once.
func setWebhookActive(ctx context.Context, db store, id int64, active bool, stdout io.Writer) error {
	w, err := findWebhook(ctx, db, id)
	if err != nil {
		return err
	}
	base := *w // only Active is written: a change made meanwhile stays (the store's merge)
	was := w.Active
	w.Active = active
	w.UpdatedBy = new(cliUser())
	if err := db.UpdateWebhook(ctx, fc.AllBusinesses(), &base, w); err != nil {
		return fmt.Errorf("update webhook %d: %w", id, err)
	}
	switch {
	case active && was:
		fmt.Fprintf(stdout, "webhook %d (%s) was already enabled\n", id, w.Name)
	case active:
		fmt.Fprintf(stdout, "webhook %d (%s) is now enabled; its failure count is reset and waiting deliveries are sent\n", id, w.Name)
	case was:
		fmt.Fprintf(stdout, "webhook %d (%s) is now disabled; its deliveries wait until it is enabled\n", id, w.Name)
	default:
		fmt.Fprintf(stdout, "webhook %d (%s) was already disabled\n", id, w.Name)
	}
	return nil
}

// rotateWebhookSecret gives a webhook a new generated secret and prints
// it, the only time it is shown. Deliveries from now on are signed with
// it; the receiver must switch at once.
func rotateWebhookSecret(ctx context.Context, db store, id int64, stdout io.Writer) error {
	w, err := findWebhook(ctx, db, id)
	if err != nil {
		return err
	}
	base := *w // only the secret is written: a disable meanwhile (a 410) stays
	w.Secret = fc.NewWebhookSecret()
	w.UpdatedBy = new(cliUser())
	if err := db.UpdateWebhook(ctx, fc.AllBusinesses(), &base, w); err != nil {
		return fmt.Errorf("update webhook %d: %w", id, err)
	}
	fmt.Fprintf(stdout, "new signing secret of webhook %d (%s), shown only now; deliveries are signed with it from now on:\n%s\n", id, w.Name, w.Secret)
	return nil
}

// auditWebhookChange writes the audit entry of a webhooks subcommand that
// changed (or failed to change) webhook id, and returns result, or the
// failure to audit a change that was made.
func auditWebhookChange(ctx context.Context, db store, sub string, id int64, result error) error {
	if err := auditCLI(ctx, db, "webhooks "+sub, url.Values{"id": {strconv.FormatInt(id, 10)}}, changedCount(result), result); err != nil {
		return errors.Join(result, err)
	}
	return result
}

func listWebhooks(ctx context.Context, db store, stdout io.Writer) error {
	page, err := db.FindWebhooks(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: math.MaxInt32})
	if err != nil {
		return fmt.Errorf("webhooks list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tACTION\tLOCATION\tACTIVE\tURL\tERRORS\tLAST ERROR\tLAST TRIGGER")
	for _, w := range page.Records {
		last := "-"
		if w.LastTrigger != nil {
			last = w.LastTrigger.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", w.ID, oneLine(w.Name), fc.WebhookActionName(w.Action), businessCell(w.BusinessID),
			yesNo(w.Active), oneLine(w.URL), w.ErrorCount, orDash(oneLine(fc.ShortValue(w.LastError))), last)
	}
	return tw.Flush()
}

func describeWebhook(w *fc.Webhook) string {
	s := fmt.Sprintf("%s, %s of %s to %s", w.Name, fc.WebhookActionName(w.Action), businessName(w.BusinessID), w.URL)
	if w.Filter != "" {
		s += ", filter " + w.Filter
	}
	return s
}

func businessName(id *int64) string {
	if id == nil {
		return "every location"
	}
	return "location " + strconv.FormatInt(*id, 10)
}

// businessCell is the location column of the list: an id, or "all".
func businessCell(id *int64) string {
	if id == nil {
		return "all"
	}
	return strconv.FormatInt(*id, 10)
}

// oneLine keeps a table row on one line whatever a field holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
