package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"

	fc "github.com/failedcheckins/failedcheckins"
)

// eraseConfig is the configuration of `failedcheckins erase`.
type eraseConfig struct {
	dbConfig
	Coworker   int64
	MacAddress string
	Email      string
}

// runErase erases one person (PRIVACY.md section 2,
// docs/cli.md#failedcheckins-erase): every record of theirs anonymized in
// one transaction, as POST /api/privacy/erasures does, and prints how many
// records changed. The audit entry (channel Cli) holds the identifier's
// SHA-256, never the identifier.
func runErase(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg := eraseConfig{dbConfig: defaultDBConfig()}
	fs := newFlagSet("erase", "erase [--db DB] --coworker ID | --mac MAC | --email EMAIL", stderr)
	cfg.register(fs)
	fs.Int64Var(&cfg.Coworker, "coworker", 0, "erase the person with this coworker `id`")
	fs.StringVar(&cfg.MacAddress, "mac", "", "erase the person of this MAC `address` (any case and separator)")
	fs.StringVar(&cfg.Email, "email", "", "erase the person whose directory entry has this `email`")
	if err := parseFlags(fs, args); err != nil {
		return helpIsSuccess(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &usageError{msg: fmt.Sprintf("erase takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{msg: err.Error()}
	}
	subject := fc.ErasureSubject{CoworkerID: cfg.Coworker, MacAddress: cfg.MacAddress, Email: cfg.Email}
	if cfg.Coworker < 0 {
		return &usageError{msg: "erase: --coworker must be a positive id"}
	}
	if err := subject.Validate(); err != nil {
		flagNames := map[string]string{"coworkerid": "--coworker", "macaddress": "--mac", "email": "--email"}
		if fc.ErrorCode(err) == fc.ErrInvalid && len(err.(*fc.Error).Fields) == 0 {
			return &usageError{msg: "erase: give exactly one of --coworker, --mac or --email"}
		}
		return &usageError{msg: "erase: " + flagMessage(err, flagNames)}
	}
	db, err := openMigrated(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer closeWith(db, &err)
	n, eraseErr := db.ErasePerson(ctx, subject, cliUser())
	query, _ := url.ParseQuery(subject.AuditQuery())
	if err := auditCLI(ctx, db, "erase", query, int64(n), eraseErr); err != nil {
		return errors.Join(eraseErr, err)
	}
	if eraseErr != nil {
		return fmt.Errorf("erase: nothing was changed: %w", eraseErr)
	}
	fmt.Fprintln(stdout, strconv.Itoa(n)+" records anonymized")
	return nil
}
