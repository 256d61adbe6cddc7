package searchparams

import (
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// Parse turns a raw query string into a Query (without Scope, which comes
// from the caller). On bad input it returns an ErrInvalid *fc.Error that
// lists every bad parameter, each under the name the client spelled.
func (sp *Table) Parse(rawQuery string) (fc.Query, error) { return sp.parse(rawQuery, false) }

// ParseFilters reads only the filters and ranges of rawQuery, by the rules
// of Parse, for an endpoint that takes a selection but no page or order
// (the live streams, which send every matching record in Id order): page,
// size, orderBy and dir are each a 400 naming the parameter, beside any
// other bad parameter. The Query it returns is ordered by Id ascending.
func (sp *Table) ParseFilters(rawQuery string) (fc.Query, error) { return sp.parse(rawQuery, true) }

// msgNoPaging refuses a paging or sorting parameter where ParseFilters reads.
const msgNoPaging = "is not accepted here: a stream sends every matching record, in Id order"

func (sp *Table) parse(rawQuery string, filtersOnly bool) (fc.Query, error) {
	q := fc.Query{Page: 1, Size: fc.DefaultPageSize, OrderBy: sp.defaultOrder, Descending: true}
	if filtersOnly {
		q.OrderBy, q.Descending = fc.FieldID, false
	}
	params, errs := splitQuery(rawQuery)
	params, dupErrs := collapse(params)
	errs = append(errs, dupErrs...)
	ranges := map[fc.Field]*rangeBounds{}
	var rangeOrder []fc.Field
	for _, p := range params {
		var err *fc.FieldError
		switch key := fc.Fold(p.name); {
		case filtersOnly && (key == paramPage || key == paramSize || key == paramOrderBy || key == paramDir):
			err = &fc.FieldError{Property: p.name, Message: msgNoPaging, AttemptedValue: p.value}
		case key == paramPage:
			q.Page, err = parsePage(p)
		case key == paramSize:
			q.Size, err = parseSize(p)
		case key == paramOrderBy:
			q.OrderBy, err = sp.parseOrderBy(p)
		case key == paramDir:
			q.Descending, err = parseDir(p)
		default:
			var cond *fc.Condition
			cond, err = sp.parseFilter(p, key, ranges, &rangeOrder)
			if cond != nil {
				q.Conditions = append(q.Conditions, *cond)
			}
		}
		if err != nil {
			errs = append(errs, *err)
		}
	}
	for _, field := range rangeOrder {
		rb := ranges[field]
		cond, err := rb.condition()
		if rb.from != nil {
			cond.Param = rb.from.name
		} else if rb.to != nil {
			cond.Param = rb.to.name
		}
		if err != nil {
			errs = append(errs, *err)
		} else {
			q.Conditions = append(q.Conditions, cond)
		}
	}
	if len(errs) > 0 {
		return fc.Query{}, fc.InvalidFields(errs)
	}
	return q, nil
}

// parseFilter reads a filter or range parameter. It returns a condition for
// a filter, records a range bound in ranges, rejects an unknown name under a
// strict prefix and ignores any other unknown name.
func (sp *Table) parseFilter(p rawParam, key string, ranges map[fc.Field]*rangeBounds, order *[]fc.Field) (*fc.Condition, *fc.FieldError) {
	if f, ok := findParam(sp.filters, key); ok {
		cond, err := filterCondition(f, p)
		if err != nil {
			return nil, err
		}
		cond.Param = p.name // as spelled, for an error that names it (fc.Caller.Restrict)
		return &cond, nil
	}
	for _, prefix := range []string{prefixFrom, prefixTo} {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if f, ok := findParam(sp.ranges, rest); ok {
			rb := ranges[f.field]
			if rb == nil {
				rb = &rangeBounds{param: f}
				ranges[f.field] = rb
				*order = append(*order, f.field)
			}
			return nil, rb.set(prefix == prefixFrom, p)
		}
	}
	for _, prefix := range sp.strictPrefixes {
		if strings.HasPrefix(key, fc.Fold(prefix)) {
			return nil, &fc.FieldError{Property: p.name, Message: "is not a known filter parameter", AttemptedValue: p.value}
		}
	}
	return nil, nil // other unknown parameters are ignored (docs/api.md#unknown-and-repeated-parameters)
}

// findParam looks a parameter up by its folded name.
func findParam(params []param, key string) (param, bool) {
	for _, f := range params {
		if fc.Fold(f.name) == key {
			return f, true
		}
	}
	return param{}, false
}
