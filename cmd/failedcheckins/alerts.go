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
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/webhook"
)

const alertsUsage = `Usage:
  failedcheckins alerts rules     [--db DB]
  failedcheckins alerts add       [--db DB] --name NAME --group-by FIELD,... --threshold N --window MINUTES [--repeat MINUTES] [--resolve MINUTES] [--business ID] [--filter QUERY] [--webhooks ID,...]
  failedcheckins alerts incidents [--db DB] [--status Open,Acknowledged,Resolved]
`

// runAlerts manages alert rules and lists incidents without HTTP
// (docs/cli.md#failedcheckins-alerts), as a full administrator: every
// location. A new rule is checked by the API's own webhook.RuleValidator
// and written to the audit trail with channel Cli.
func runAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, alertsUsage)
		return &usageError{msg: "alerts: no subcommand given", reported: true}
	}
	switch sub := args[0]; sub {
	case "add":
		return runAlertsAdd(ctx, args[1:], stdout, stderr)
	case "rules":
		return runAlertsRules(ctx, args[1:], stdout, stderr)
	case "incidents":
		return runAlertsIncidents(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, alertsUsage)
		return nil
	}
	fmt.Fprintf(stderr, "failedcheckins alerts: unknown subcommand %q\n\n%s", args[0], alertsUsage)
	return &usageError{msg: fmt.Sprintf("alerts: unknown subcommand %q", args[0]), reported: true}
}

// alertsAddConfig is the configuration of `failedcheckins alerts add`.
type alertsAddConfig struct {
	dbConfig
	Name, GroupBy, Business, Filter, Webhooks string
	Threshold, Window, Repeat, Resolve        int
}

// alertFlags maps the API's field names, as webhook.RuleValidator
// reports them, to the flags of alerts add.
var alertFlags = map[string]string{"name": "--name", "groupby": "--group-by", "threshold": "--threshold", "windowminutes": "--window",
	"repeatminutes": "--repeat", "resolveminutes": "--resolve", "businessid": "--business", "filter": "--filter",
	"receivers.webhooks": "--webhooks"}

func runAlertsAdd(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := alertsAddConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("alerts add", "alerts add [--db DB] --name NAME --group-by FIELD,... --threshold N --window MINUTES [--repeat MINUTES] [--resolve MINUTES] [--business ID] [--filter QUERY] [--webhooks ID,...]", stderr)
	cfg.register(fs)
	fs.StringVar(&cfg.Name, "name", "", "the rule's `name` (at most 200 characters)")
	fs.StringVar(&cfg.GroupBy, "group-by", "", "what makes a key: `fields` among CoworkerId, MacAddresses, BusinessId, Reason, Source, comma-separated")
	fs.IntVar(&cfg.Threshold, "threshold", 0, "the `N`-th matching refusal of a key within the window opens an incident")
	fs.IntVar(&cfg.Window, "window", 0, "the window in `minutes`, 1 to 1440")
	fs.IntVar(&cfg.Repeat, "repeat", fc.DefaultRepeatMinutes, "notify an open incident again at most every `minutes` while refusals continue")
	fs.IntVar(&cfg.Resolve, "resolve", 0, "resolve an incident after `minutes` without a matching refusal; 0 is the window")
	fs.StringVar(&cfg.Business, "business", "", "the location `id` whose refusals it counts; empty for every location")
	fs.StringVar(&cfg.Filter, "filter", "", "which refusals count, as search `parameters` (FailedCheckin_Reason=PlanExpired); empty for all")
	fs.StringVar(&cfg.Webhooks, "webhooks", "", "the `ids` of webhooks with action 1001 to notify, comma-separated")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("alerts add takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	db, err := openMigrated(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	rule, err := cfg.rule(ctx, db)
	if err != nil {
		return &usageError{msg: err.Error()} // bad input: exit status 2, nothing stored
	}
	params := url.Values{"name": {cfg.Name}, "group-by": {cfg.GroupBy}, "threshold": {strconv.Itoa(cfg.Threshold)},
		"window": {strconv.Itoa(cfg.Window)}, "business": {cfg.Business}, "filter": {cfg.Filter}, "webhooks": {cfg.Webhooks}}
	createErr := db.CreateAlertRule(ctx, rule)
	if err := auditCLI(ctx, db, "alerts add", params, changedCount(createErr), createErr); err != nil {
		return errors.Join(createErr, err)
	}
	if createErr != nil {
		return fmt.Errorf("alerts add: %w", createErr)
	}
	fmt.Fprintf(stdout, "created alert rule %d: %s\n", rule.ID, describeRule(rule))
	return nil
}

func (c alertsAddConfig) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("alerts add: --name is required")
	case c.GroupBy == "":
		return errors.New("alerts add: --group-by is required (CoworkerId, MacAddresses, BusinessId, Reason, Source)")
	}
	return c.dbConfig.Validate()
}

// rule builds the rule the flags describe and checks it exactly as the
// API checks a create; every problem is named by its flag in one error.
func (c alertsAddConfig) rule(ctx context.Context, db store) (*fc.AlertRule, error) {
	r := &fc.AlertRule{Name: c.Name, Active: true, Filter: c.Filter, Threshold: c.Threshold, WindowMinutes: c.Window,
		RepeatMinutes: c.Repeat, ResolveMinutes: c.Resolve}
	if r.ResolveMinutes == 0 {
		r.ResolveMinutes = r.WindowMinutes
	}
	groupBy, ok := webhook.ParseGroupBy(strings.Split(c.GroupBy, ","))
	if !ok {
		return nil, fmt.Errorf("alerts add: --group-by %q: must be fields among CoworkerId, MacAddresses, BusinessId, Reason, Source", c.GroupBy)
	}
	r.GroupBy = groupBy
	if c.Business != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(c.Business), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("alerts add: --business %q: must be a location id (a positive whole number), or empty for every location", c.Business)
		}
		r.BusinessID = &id
	}
	for _, s := range strings.Split(c.Webhooks, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("alerts add: --webhooks %q: must be webhook ids, comma-separated (see: failedcheckins webhooks list)", c.Webhooks)
		}
		r.Receivers.Webhooks = append(r.Receivers.Webhooks, id)
	}
	v := webhook.RuleValidator{Scope: fc.AllBusinesses(), Webhooks: db}
	problems, err := v.Validate(ctx, r, true, nil)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.New("alerts add: " + fieldProblems(problems, alertFlags, map[string]string{
			"name": c.Name, "groupby": c.GroupBy, "threshold": strconv.Itoa(c.Threshold), "windowminutes": strconv.Itoa(c.Window),
			"repeatminutes": strconv.Itoa(c.Repeat), "resolveminutes": strconv.Itoa(c.Resolve), "businessid": c.Business,
			"filter": c.Filter, "receivers.webhooks": c.Webhooks}))
	}
	r.UpdatedBy = new(cliUser())
	return r, nil
}

func describeRule(r *fc.AlertRule) string {
	fields := make([]string, len(r.GroupBy))
	for i, f := range r.GroupBy {
		fields[i] = string(f)
	}
	s := fmt.Sprintf("%s, %d refusals of one %s within %d minutes at %s", r.Name, r.Threshold, strings.Join(fields, "+"),
		r.WindowMinutes, businessName(r.BusinessID))
	if r.Filter != "" {
		s += ", filter " + r.Filter
	}
	return s
}

func runAlertsRules(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := defaultDBConfig()
	fs := newFlagSet("alerts rules", "alerts rules [--db DB]", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("alerts rules takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	return listAlertRules(ctx, db, stdout)
}

func listAlertRules(ctx context.Context, db store, stdout io.Writer) error {
	page, err := db.FindAlertRules(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: math.MaxInt32})
	if err != nil {
		return fmt.Errorf("alerts rules: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tLOCATION\tACTIVE\tGROUP BY\tTHRESHOLD\tWINDOW\tREPEAT\tRESOLVE\tFILTER\tWEBHOOKS")
	for _, r := range page.Records {
		fields := make([]string, len(r.GroupBy))
		for i, f := range r.GroupBy {
			fields[i] = string(f)
		}
		hooks := make([]string, len(r.Receivers.Webhooks))
		for i, id := range r.Receivers.Webhooks {
			hooks[i] = strconv.FormatInt(id, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%dm\t%dm\t%dm\t%s\t%s\n", r.ID, oneLine(r.Name), businessCell(r.BusinessID), yesNo(r.Active),
			strings.Join(fields, ","), r.Threshold, r.WindowMinutes, r.RepeatMinutes, r.ResolveMinutes, orDash(oneLine(r.Filter)),
			orDash(strings.Join(hooks, ",")))
	}
	return tw.Flush()
}

func runAlertsIncidents(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := defaultDBConfig()
	var status string
	fs := newFlagSet("alerts incidents", "alerts incidents [--db DB] [--status Open,Acknowledged,Resolved]", stderr)
	cfg.register(fs)
	fs.StringVar(&status, "status", "", "only incidents of these `statuses` (Open, Acknowledged, Resolved), comma-separated; empty for all")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("alerts incidents takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	// The API's own parser, so --status reads as AlertIncident_Status does.
	raw := "orderBy=Id&size=1000"
	if status != "" {
		raw += "&" + url.Values{"AlertIncident_Status": {status}}.Encode()
	}
	q, err := searchparams.AlertIncidents.Parse(raw)
	if err != nil {
		return &usageError{msg: "alerts incidents: --status: " + err.Error()}
	}
	q.Scope = fc.AllBusinesses()
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRULE\tKEY\tLOCATION\tSTATUS\tREFUSALS\tOPENED\tLAST REFUSAL\tRESOLVED\tACKNOWLEDGED BY")
	for p := int64(1); ; p++ {
		q.Page = p
		page, err := db.FindAlertIncidents(ctx, q)
		if err != nil {
			return fmt.Errorf("alerts incidents: %w", err)
		}
		for _, i := range page.Records {
			resolved := "-"
			if i.ResolvedOn != nil {
				resolved = i.ResolvedOn.UTC().Format(time.RFC3339)
			}
			by := "-"
			if i.AcknowledgedBy != nil {
				by = oneLine(*i.AcknowledgedBy)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", i.ID, oneLine(i.RuleName), oneLine(i.Key), businessCell(i.BusinessID),
				i.Status, i.FailureCount, i.OpenedOn.UTC().Format(time.RFC3339), i.LastFailureOn.UTC().Format(time.RFC3339), resolved, by)
		}
		if q.Offset()+int64(len(page.Records)) >= page.TotalItems || len(page.Records) == 0 {
			break
		}
	}
	return tw.Flush()
}
