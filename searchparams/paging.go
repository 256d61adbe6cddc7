package searchparams

import (
	"errors"
	"math"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// parsePage reads page: a whole number >= 1 that fits in 64 bits. A page
// past the end is valid (it is simply empty).
func parsePage(p rawParam) (int64, *fc.FieldError) {
	n, err := strconv.ParseInt(strings.TrimSpace(p.value), 10, 64)
	if err != nil || n < 1 {
		return 1, &fc.FieldError{Property: p.name, Message: "must be a whole number of at least 1 (and at most " +
			strconv.FormatInt(math.MaxInt64, 10) + ")", AttemptedValue: p.value}
	}
	return n, nil
}

// parseSize reads size: a whole number >= 1; anything above MaxPageSize,
// however large, is served as MaxPageSize (docs/api.md#paging-and-sorting).
func parseSize(p rawParam) (int, *fc.FieldError) {
	n, err := strconv.ParseInt(strings.TrimSpace(p.value), 10, 64)
	if errors.Is(err, strconv.ErrRange) && n > 0 {
		return fc.MaxPageSize, nil // too many digits, but a positive whole number
	}
	if err != nil || n < 1 {
		return fc.DefaultPageSize, &fc.FieldError{Property: p.name, Message: "must be a whole number of at least 1", AttemptedValue: p.value}
	}
	return int(min(n, fc.MaxPageSize)), nil
}

// parseOrderBy reads orderBy: a field name or alias, case-insensitive. The
// answer is the canonical name, which the response echoes.
func (sp *Table) parseOrderBy(p rawParam) (fc.Field, *fc.FieldError) {
	key := fc.Fold(strings.TrimSpace(p.value))
	for _, f := range sp.sortFields {
		if fc.Fold(string(f)) == key {
			return f, nil
		}
	}
	for alias, f := range sp.sortAliases {
		if fc.Fold(alias) == key {
			return f, nil
		}
	}
	names := make([]string, 0, len(sp.sortFields))
	for _, f := range sp.sortFields {
		names = append(names, string(f))
	}
	return sp.defaultOrder, &fc.FieldError{Property: p.name,
		Message: "must be one of " + strings.Join(names, ", ") + sp.aliasNote(), AttemptedValue: p.value}
}

// aliasNote lists the orderBy aliases in a stable order for the error message.
func (sp *Table) aliasNote() string {
	if len(sp.sortAliases) == 0 {
		return ""
	}
	var parts []string
	for _, f := range sp.sortFields {
		for alias, target := range sp.sortAliases {
			if target == f {
				parts = append(parts, alias+" (= "+string(f)+")")
			}
		}
	}
	return "; also " + strings.Join(parts, ", ")
}

// parseDir reads dir; it reports whether the order is descending.
func parseDir(p rawParam) (bool, *fc.FieldError) {
	switch fc.Fold(strings.TrimSpace(p.value)) {
	case "0", "asc", "ascending":
		return false, nil
	case "1", "-1", "desc", "descending":
		return true, nil
	}
	return true, &fc.FieldError{Property: p.name, Message: "must be 0, Ascending or asc, or 1, -1, Descending or desc", AttemptedValue: p.value}
}
