package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	fc "github.com/failedcheckins/failedcheckins"
)

const usersUsage = `Usage:
  failedcheckins users add     [--db DB] --email EMAIL --password PASSWORD|- [--admin] [--roles ROLE,...] [--businesses ID,...] [--mask-personal-data]
  failedcheckins users list    [--db DB]
  failedcheckins users disable [--db DB] EMAIL
  failedcheckins users enable  [--db DB] EMAIL
  failedcheckins users passwd  [--db DB] EMAIL     (the new password is read from stdin)
  failedcheckins users totp    [--db DB] EMAIL     (turns on two-factor sign-in, prints the otpauth:// URI)
  failedcheckins users mask    [--db DB] EMAIL     (the user sees names, MAC addresses and teams masked)
  failedcheckins users unmask  [--db DB] EMAIL
`

// runUsers manages the users who may call the API (docs/cli.md#failedcheckins-users, docs/api.md#authentication).
func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return &usageError{msg: "users: no subcommand given", reported: true}
	}
	switch args[0] {
	case "add":
		return runUsersAdd(ctx, args[1:], stdin, stdout, stderr)
	case "list":
		return withUserDB(ctx, "list [--db DB]", args[1:], 0, stderr, func(db store, _ []string) error {
			return listUsers(ctx, db, stdout)
		})
	case "disable", "enable":
		enable := args[0] == "enable"
		return withUserDB(ctx, args[0]+" [--db DB] EMAIL", args[1:], 1, stderr, func(db store, rest []string) error {
			return auditUserChange(ctx, db, args[0], rest[0], setEnabled(ctx, db, rest[0], enable, stdout))
		})
	case "passwd":
		return withUserDB(ctx, "passwd [--db DB] EMAIL", args[1:], 1, stderr, func(db store, rest []string) error {
			return auditUserChange(ctx, db, "passwd", rest[0], changePassword(ctx, db, rest[0], stdin, stdout))
		})
	case "totp":
		return withUserDB(ctx, "totp [--db DB] EMAIL", args[1:], 1, stderr, func(db store, rest []string) error {
			return auditUserChange(ctx, db, "totp", rest[0], enableTOTP(ctx, db, rest[0], stdout))
		})
	case "mask", "unmask":
		mask := args[0] == "mask"
		return withUserDB(ctx, args[0]+" [--db DB] EMAIL", args[1:], 1, stderr, func(db store, rest []string) error {
			return auditUserChange(ctx, db, args[0], rest[0], setMasked(ctx, db, rest[0], mask, stdout))
		})
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usersUsage)
		return nil
	}
	fmt.Fprintf(stderr, "failedcheckins users: unknown subcommand %q\n\n%s", args[0], usersUsage)
	return &usageError{msg: fmt.Sprintf("users: unknown subcommand %q", args[0]), reported: true}
}

// usersAddConfig is the configuration of `failedcheckins users add`.
type usersAddConfig struct {
	dbConfig
	Email, Password, Roles, Businesses string
	Admin                              bool
	// MaskPersonalData makes a user who sees personal fields masked
	// (docs/api.md#masked-users).
	MaskPersonalData bool
}

func (c usersAddConfig) Validate() error {
	switch {
	case c.Email == "":
		return errors.New("users add: --email is required")
	case c.Password == "":
		return errors.New("users add: --password is required (use --password - to read it from stdin)")
	case strings.TrimSpace(c.Password) == "":
		return errors.New("users add: --password is blank")
	case c.Admin && c.Businesses != "":
		return errors.New("users add: --admin sees every location; --businesses does not apply (leave out --admin to limit the user to some locations)")
	}
	return c.dbConfig.Validate()
}

func runUsersAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	cfg := usersAddConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("users add", "users add [--db DB] --email EMAIL --password PASSWORD|- [--admin] [--roles ROLE,...] [--businesses ID,...] [--mask-personal-data]", stderr)
	cfg.register(fs)
	fs.StringVar(&cfg.Email, "email", "", "the user's `email`, their sign-in name")
	fs.StringVar(&cfg.Password, "password", "", "the `password`; - reads it from stdin (keeps it out of the process list and shell history)")
	fs.BoolVar(&cfg.Admin, "admin", false, "make a full administrator: every role, every location")
	fs.StringVar(&cfg.Roles, "roles", "", "comma-separated `roles`, such as FailedCheckin-List,FailedCheckin-Read")
	fs.StringVar(&cfg.Businesses, "businesses", "", "comma-separated location `ids` the user may see")
	fs.BoolVar(&cfg.MaskPersonalData, "mask-personal-data", false,
		"show the user names as initials, MAC addresses as their last two octets and no teams, and refuse their filters and sorts by those fields")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("users add takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	u, err := cfg.user(stdin)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	params := url.Values{"email": {cfg.Email}, "admin": {strconv.FormatBool(cfg.Admin)}, "roles": {cfg.Roles}, "businesses": {cfg.Businesses},
		"mask-personal-data": {strconv.FormatBool(cfg.MaskPersonalData)}}
	createErr := db.CreateUser(ctx, u)
	if err := auditCLI(ctx, db, "users add", params, changedCount(createErr), createErr); err != nil { // never the password
		return errors.Join(createErr, err)
	}
	if createErr != nil {
		return fmt.Errorf("users add: %w", createErr)
	}
	fmt.Fprintf(stdout, "created user %d: %s\n", u.ID, describeUser(u))
	return nil
}

// user builds the user the flags describe, hashing the password.
func (c usersAddConfig) user(stdin io.Reader) (*fc.User, error) {
	password := c.Password
	if password == "-" {
		var err error
		if password, err = readPassword(stdin); err != nil {
			return nil, err
		}
	}
	businesses, err := parseIDs(c.Businesses)
	if err != nil {
		return nil, err
	}
	hash, err := fc.HashPassword(password)
	if err != nil {
		return nil, fmt.Errorf("users add: %w", err)
	}
	return &fc.User{Email: c.Email, PasswordHash: hash, Admin: c.Admin, Roles: splitList(c.Roles),
		Businesses: businesses, Enabled: true, MaskPersonalData: c.MaskPersonalData}, nil
}

// readPassword reads the first line of stdin, without its line ending.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, fc.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.TrimSpace(line) == "" {
		return "", errors.New("no password on stdin (or a blank one): pipe it in, as in echo 'secret' | failedcheckins users add --password -")
	}
	return line, nil
}

// auditUserChange writes the audit entry of a users subcommand that
// changed (or failed to change) the user email, and returns result, or
// the failure to audit a change that was made.
func auditUserChange(ctx context.Context, db store, sub, email string, result error) error {
	if err := auditCLI(ctx, db, "users "+sub, url.Values{"email": {email}}, changedCount(result), result); err != nil {
		return errors.Join(result, err)
	}
	return result
}

// changedCount is the ResultCount of a change of one person: 1, or 0 when
// it failed.
func changedCount(err error) int64 {
	if err != nil {
		return 0
	}
	return 1
}

func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func parseIDs(s string) ([]int64, error) {
	var ids []int64
	for _, item := range splitList(s) {
		id, err := strconv.ParseInt(item, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("--businesses: %q is not a location id (a positive whole number)", item)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// withUserDB parses the flags of a users subcommand that takes nargs
// arguments (synopsis is its usage line), opens the database and runs fn.
func withUserDB(ctx context.Context, synopsis string, args []string, nargs int, stderr io.Writer, fn func(store, []string) error) (err error) {
	cfg := defaultDBConfig()
	fs := newFlagSet("users", "users "+synopsis, stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() != nargs {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("users %s: want %d argument(s), got %d", synopsis, nargs, fs.NArg())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()} // a wrong setting: exit status 2
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	return fn(db, fs.Args())
}

func listUsers(ctx context.Context, db store, stdout io.Writer) error {
	users, err := db.FindUsers(ctx)
	if err != nil {
		return fmt.Errorf("users list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tSTATUS\tADMIN\t2FA\tMASKED\tROLES\tLOCATIONS")
	for _, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, map[bool]string{true: "enabled", false: "disabled"}[u.Enabled],
			yesNo(u.Admin), yesNo(u.TOTPSecret != ""), yesNo(u.MaskPersonalData), orDash(strings.Join(u.Roles, ",")), orDash(joinIDs(u.Businesses)))
	}
	return tw.Flush()
}

func describeUser(u *fc.User) string {
	masked := ""
	if u.MaskPersonalData {
		masked = ", personal data masked"
	}
	if u.Admin {
		return u.Email + ", full administrator (every role, every location)" + masked
	}
	return fmt.Sprintf("%s, roles %s, locations %s%s", u.Email, orDash(strings.Join(u.Roles, ",")), orDash(joinIDs(u.Businesses)), masked)
}

func yesNo(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}
