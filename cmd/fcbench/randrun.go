package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// randomResult is one random shape's measurement.
type randomResult struct {
	shape randomShape
	path  string
	total int64
	r     result
	err   error // the TotalItems read failed: the shape is an error, not skipped
}

// getOneRef is the get-one by id measured between the random shapes of
// the same run: the yardstick of the targets, which are ratios.
type getOneRef struct {
	p50, p99, cpu float64 // ms, medians over the measurements
	n             int
}

// runRandom samples the data, draws c.random shapes with c.seed and
// measures each, with a get-one by id measured before the first, after
// every c.getOneEvery shapes and after the last.
func runRandom(ctx context.Context, c config) error {
	srv, tok, stop, err := startMeasured(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	cl := newClient(srv.base, tok, c.conns)
	smp, err := readSample(cl, c.seed)
	if err != nil {
		return err
	}
	logf("sample: %d records, Id %d..%d, %d locations", len(smp.businesses), smp.minID, smp.maxID, len(slices.Compact(slices.Sorted(slices.Values(smp.businesses)))))
	var shapes []randomShape
	if c.replay != "" {
		if shapes, err = readReplay(c.replay); err != nil {
			return err
		}
		shapes = shapes[:min(len(shapes), c.random)]
	} else {
		shapes = newGenerator(c.seed, smp).shapes(c.random)
	}
	sets := make([][]int64, len(shapes))
	for i, s := range shapes {
		sets[i] = s.manager
	}
	tokens, err := managerTokens(ctx, c, srv, sets)
	if err != nil {
		return err
	}
	tokenOf := func(s randomShape) string { return tokens(s.manager) }
	getOne := fmt.Sprintf("/api/spaces/failedcheckins/%d", smp.oneID)
	if _, err := cl.totalItems("", getOne); err != nil {
		return fmt.Errorf("get-one reference: %w", err)
	}
	var refs []result
	measureRef := func() error {
		r, err := measureOnce(ctx, srv, cl, "get-one", buildRequest(cl.host, getOne, tok), c.shapeWarmup, c.shapeDuration, true)
		if err != nil {
			return err
		}
		if r.errors > 0 {
			return fmt.Errorf("get-one reference %s: %d errors, the first: %v", getOne, r.errors, r.firstErr)
		}
		logf("get-one %s: p50 %.2f ms, p99 %.2f ms, %.3f ms CPU/req", getOne, ms(r.percentile(50)), ms(r.percentile(99)), r.cpuPerRequest())
		refs = append(refs, r)
		return nil
	}
	if err := measureRef(); err != nil {
		return err
	}
	results := make([]randomResult, 0, len(shapes))
	for i, s := range shapes {
		if i > 0 && c.getOneEvery > 0 && i%c.getOneEvery == 0 {
			if err := measureRef(); err != nil {
				return err
			}
		}
		rr := randomResult{shape: s}
		tok := cl.tokenOr(tokenOf(s))
		rr.total, rr.err = cl.totalItems(tok, s.firstPath())
		if rr.err != nil {
			logf("%s: %v", s.name, rr.err)
			results = append(results, rr)
			continue
		}
		rr.path = s.path(rr.total)
		rr.r, err = measureOnce(ctx, srv, cl, s.name, buildRequest(cl.host, rr.path, tok), c.shapeWarmup, c.shapeDuration, true)
		if err != nil {
			return err
		}
		logf("%s %s: %d requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.3f ms CPU/req, TotalItems %d: %s",
			s.name, userOf(s), rr.r.requests, ms(rr.r.percentile(50)), ms(rr.r.percentile(99)), ms(rr.r.percentile(100)),
			rr.r.cpuPerRequest(), rr.total, rr.path)
		results = append(results, rr)
	}
	if err := measureRef(); err != nil {
		return err
	}
	ref := getOneRef{n: len(refs),
		p50: medianOf(refs, func(r result) float64 { return ms(r.percentile(50)) }),
		p99: medianOf(refs, func(r result) float64 { return ms(r.percentile(99)) }),
		cpu: medianOf(refs, result.cpuPerRequest)}
	if err := writeRandomTSV(c.randomOut, results, ref); err != nil {
		return err
	}
	printRandom(os.Stdout, c, getOne, results, ref)
	return nil
}

func userOf(s randomShape) string {
	if s.manager == nil {
		return "admin"
	}
	parts := make([]string, len(s.manager))
	for i, id := range s.manager {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "manager of " + strings.Join(parts, ",")
}

// targets returns the ceilings on the ratios to get-one for the
// store: p99 10x on SQLite and 20x on PostgreSQL, CPU 20x on both; a flag
// above zero overrides them.
func targets(c config) (p99, cpu float64) {
	p99, cpu = 10, 20
	if isPostgres(c.db) {
		p99 = 20
	}
	if c.maxP99Ratio > 0 {
		p99 = c.maxP99Ratio
	}
	if c.maxCPURatio > 0 {
		cpu = c.maxCPURatio
	}
	return p99, cpu
}

// ratios returns a result's p99 and CPU per request over the reference's.
func (ref getOneRef) ratios(r result) (p99, cpu float64) {
	if ref.p99 > 0 {
		p99 = ms(r.percentile(99)) / ref.p99
	}
	if ref.cpu > 0 {
		cpu = r.cpuPerRequest() / ref.cpu
	}
	return p99, cpu
}

// badness is how far a shape is from its targets: the larger of its two
// ratios over their ceilings (above 1: it exceeds one); an error is the
// worst of all.
func badness(rr randomResult, ref getOneRef, maxP99, maxCPU float64) float64 {
	if rr.err != nil || rr.r.errors > 0 {
		return 1e18
	}
	p, c := ref.ratios(rr.r)
	return max(p/maxP99, c/maxCPU)
}

// printRandom writes the per-shape table, the worst ten with their query
// strings and the summary line.
func printRandom(w *os.File, c config, getOne string, results []randomResult, ref getOneRef) {
	maxP99, maxCPU := targets(c)
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\nfcbench -random %d -seed %d: db %s, %d connections, %s per shape after %s warm-up, %d CPUs, host %s\n",
		c.random, c.seed, c.db, c.conns, c.shapeDuration, c.shapeWarmup, runtime.NumCPU(), host)
	fmt.Fprintf(w, "get-one reference %s: %d measurements, median p50 %.2f ms, p99 %.2f ms, %.3f ms CPU/req\n\n", getOne, ref.n, ref.p50, ref.p99, ref.cpu)
	fmt.Fprintln(w, "| shape | user | TotalItems | page | size | requests | errors | p50 ms | p99 ms | max ms | CPU ms/req | p99/get-one | CPU/get-one | query |")
	fmt.Fprintln(w, "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, rr := range results {
		fmt.Fprintln(w, randomRow(rr, ref))
	}
	worst := slices.Clone(results)
	slices.SortStableFunc(worst, func(a, b randomResult) int {
		return cmp.Compare(badness(b, ref, maxP99, maxCPU), badness(a, ref, maxP99, maxCPU))
	})
	fmt.Fprintf(w, "\nThe worst 10 (by the larger of p99/get-one over %.0f and CPU/get-one over %.0f):\n\n", maxP99, maxCPU)
	fmt.Fprintln(w, "| shape | user | TotalItems | page | size | requests | errors | p50 ms | p99 ms | max ms | CPU ms/req | p99/get-one | CPU/get-one | query |")
	fmt.Fprintln(w, "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, rr := range worst[:min(10, len(worst))] {
		fmt.Fprintln(w, randomRow(rr, ref))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, summaryLine(results, ref, maxP99, maxCPU))
}

// randomRow is one table row (the full query string: the worst ones are
// to be reproduced).
func randomRow(rr randomResult, ref getOneRef) string {
	s := rr.shape
	if rr.err != nil {
		return fmt.Sprintf("| %s | %s | - | %s | %d | 0 | ERROR | - | - | - | - | - | - | `%s`: %s |", s.name, userOf(s), s.page, s.size,
			s.firstPath(), strings.ReplaceAll(truncateRunes(rr.err.Error(), 200), "|", "\\|"))
	}
	p, c := ref.ratios(rr.r)
	return fmt.Sprintf("| %s | %s | %d | %s | %d | %d | %d | %.2f | %.2f | %.2f | %.3f | %.1f | %.1f | `%s` |", s.name, userOf(s), rr.total, s.page, s.size,
		rr.r.requests, rr.r.errors, ms(rr.r.percentile(50)), ms(rr.r.percentile(99)), ms(rr.r.percentile(100)), rr.r.cpuPerRequest(), p, c, rr.path)
}

// summaryLine counts the shapes over each target and the errors.
func summaryLine(results []randomResult, ref getOneRef, maxP99, maxCPU float64) string {
	var overP99, overCPU, overAny, errs, managers int
	var worstP, worstC float64
	for _, rr := range results {
		if rr.shape.manager != nil {
			managers++
		}
		if rr.err != nil || rr.r.errors > 0 {
			errs++
			continue
		}
		p, c := ref.ratios(rr.r)
		worstP, worstC = max(worstP, p), max(worstC, c)
		if p > maxP99 {
			overP99++
		}
		if c > maxCPU {
			overCPU++
		}
		if p > maxP99 || c > maxCPU {
			overAny++
		}
	}
	return fmt.Sprintf("summary: %d shapes (%d by location managers), %d with errors; %d exceed a target: %d p99 > %.0fx get-one, %d CPU/req > %.0fx get-one; worst ratios p99 %.1fx, CPU %.1fx",
		len(results), managers, errs, overAny, overP99, maxP99, overCPU, maxCPU, worstP, worstC)
}

// writeRandomTSV writes one line per shape (and the reference) for later
// analysis; no path, no file.
func writeRandomTSV(path string, results []randomResult, ref getOneRef) error {
	if path == "" {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# get-one p50 %.3f p99 %.3f cpu %.4f (%d measurements)\n", ref.p50, ref.p99, ref.cpu, ref.n)
	b.WriteString("shape\tuser\ttotal\tpage\tsize\trequests\terrors\tp50_ms\tp99_ms\tmax_ms\tcpu_ms\tp99_ratio\tcpu_ratio\tpath\terror\n")
	for _, rr := range results {
		s := rr.shape
		if rr.err != nil {
			fmt.Fprintf(&b, "%s\t%s\t-1\t%s\t%d\t0\t1\t0\t0\t0\t0\t0\t0\t%s\t%s\n", s.name, userOf(s), s.page, s.size, s.firstPath(),
				strings.ReplaceAll(rr.err.Error(), "\n", " "))
			continue
		}
		p, c := ref.ratios(rr.r)
		fmt.Fprintf(&b, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.4f\t%.2f\t%.2f\t%s\t\n", s.name, userOf(s), rr.total, s.page, s.size,
			rr.r.requests, rr.r.errors, ms(rr.r.percentile(50)), ms(rr.r.percentile(99)), ms(rr.r.percentile(100)), rr.r.cpuPerRequest(), p, c, rr.path)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("random results file: %w", err)
	}
	return nil
}

// sampleRecord is the part of a record the sample keeps.
type sampleRecord struct {
	ID                      int64   `json:"Id"`
	UniqueID                string  `json:"UniqueId"`
	CoworkerID              *int64  `json:"CoworkerId"`
	CoworkerFullName        string  `json:"CoworkerFullName"`
	BusinessID              int64   `json:"BusinessId"`
	BusinessName            string  `json:"BusinessName"`
	CheckinAttemptTime      string  `json:"CheckinAttemptTime"`
	MacAddresses            string  `json:"MacAddresses"`
	TeamsAtTheTimeOfCheckin string  `json:"TeamsAtTheTimeOfCheckin"`
	Tariff                  string  `json:"TariffAtTheTimeOfCheckin"`
	Description             string  `json:"Description"`
	CheckinAttemptTimeLocal string  `json:"CheckinAttemptTimeLocal"`
	UpdatedBy               *string `json:"UpdatedBy"`
}

// sampleSize is how many records the sample reads.
const sampleSize = 500

// readSample reads, as the administrator, the first and last record by
// Id and about sampleSize records at ids drawn with seed, through the API
// itself (so it works the same on both stores).
func readSample(cl *client, seed uint64) (*sample, error) {
	page := func(q string) ([]sampleRecord, error) {
		path := withQuery(q)
		status, body, err := cl.get("", path)
		if err != nil {
			return nil, fmt.Errorf("sample %s: %w", path, err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("sample %s: HTTP %d: %.200s", path, status, body)
		}
		var p struct {
			Records []sampleRecord `json:"Records"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("sample %s: %w", path, err)
		}
		return p.Records, nil
	}
	first, err := page("orderBy=Id&dir=asc&size=1")
	if err != nil {
		return nil, err
	}
	last, err := page("orderBy=Id&dir=desc&size=1")
	if err != nil {
		return nil, err
	}
	if len(first) == 0 || len(last) == 0 {
		return nil, fmt.Errorf("the database has no records to sample")
	}
	s := &sample{minID: first[0].ID, maxID: last[0].ID, text: map[fc.Field][]string{}}
	r := rand.New(rand.NewPCG(seed, 0x5a))
	ids := make([]string, sampleSize)
	for i := range ids {
		ids[i] = strconv.FormatInt(s.minID+r.Int64N(s.maxID-s.minID+1), 10)
	}
	recs, err := page("Id=" + strings.Join(ids, ",") + "&orderBy=Id&dir=asc&size=1000")
	if err != nil {
		return nil, err
	}
	recs = append(recs, first[0], last[0])
	addText := func(f fc.Field, v string) {
		if v != "" {
			s.text[f] = append(s.text[f], v)
		}
	}
	for _, rec := range recs {
		a := anchor{id: rec.ID, business: rec.BusinessID, uniqueID: rec.UniqueID, text: map[fc.Field]string{
			fc.FieldCoworkerFullName: rec.CoworkerFullName, fc.FieldBusinessName: rec.BusinessName,
			fc.FieldMacAddresses: rec.MacAddresses, fc.FieldTeams: rec.TeamsAtTheTimeOfCheckin,
			fc.FieldTariff: rec.Tariff, fc.FieldDescription: rec.Description}}
		if rec.CoworkerID != nil {
			a.coworker = *rec.CoworkerID
		}
		if rec.UpdatedBy != nil {
			a.text[fc.FieldUpdatedBy] = *rec.UpdatedBy
		}
		s.businesses = append(s.businesses, rec.BusinessID)
		if rec.CoworkerID != nil {
			s.coworkers = append(s.coworkers, *rec.CoworkerID)
		}
		s.uniqueIDs = append(s.uniqueIDs, rec.UniqueID)
		addText(fc.FieldCoworkerFullName, rec.CoworkerFullName)
		addText(fc.FieldBusinessName, rec.BusinessName)
		addText(fc.FieldMacAddresses, rec.MacAddresses)
		addText(fc.FieldTeams, rec.TeamsAtTheTimeOfCheckin)
		addText(fc.FieldTariff, rec.Tariff)
		addText(fc.FieldDescription, rec.Description)
		if rec.UpdatedBy != nil {
			addText(fc.FieldUpdatedBy, *rec.UpdatedBy)
		}
		var err1, err2 error
		if a.utc, err1 = time.Parse(time.RFC3339, rec.CheckinAttemptTime); err1 == nil {
			s.minUTC, s.maxUTC = minTime(s.minUTC, a.utc), maxTime(s.maxUTC, a.utc)
		}
		if a.local, err2 = time.Parse("2006-01-02T15:04:05", rec.CheckinAttemptTimeLocal); err2 == nil {
			s.minLoc, s.maxLoc = minTime(s.minLoc, a.local), maxTime(s.maxLoc, a.local)
		}
		if err1 == nil && err2 == nil {
			s.anchors = append(s.anchors, a)
		}
	}
	if len(s.coworkers) == 0 || s.minUTC.IsZero() || s.minLoc.IsZero() {
		return nil, fmt.Errorf("the sample of %d records has no coworker or no valid times", len(recs))
	}
	s.oneID = recs[len(recs)/2].ID
	return s, nil
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
