package failedcheckins

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The directory document (docs/checkins.md#the-directory) is one format shared by
// `directory import` and PUT/GET /api/directory, so it lives here rather
// than in either package: both must read exactly the same thing.

type directoryDoc struct {
	Businesses []businessDoc `json:"Businesses"`
	Tariffs    []tariffDoc   `json:"Tariffs"`
	Coworkers  []coworkerDoc `json:"Coworkers"`
}

type businessDoc struct {
	ID       int64  `json:"Id"`
	Name     string `json:"Name"`
	TimeZone string `json:"TimeZone"`
}

type tariffDoc struct {
	ID                  int64            `json:"Id"`
	Name                string           `json:"Name"`
	Businesses          []int64          `json:"Businesses"`
	AccessHours         []accessHoursDoc `json:"AccessHours"`
	MonthlyCheckinLimit int              `json:"MonthlyCheckinLimit"`
}

type accessHoursDoc struct {
	Days []string `json:"Days"`
	From string   `json:"From"`
	To   string   `json:"To"`
}

type coworkerDoc struct {
	ID             int64    `json:"Id"`
	FullName       string   `json:"FullName"`
	Email          string   `json:"Email"`
	Active         bool     `json:"Active"`
	Suspended      bool     `json:"Suspended"`
	UnpaidInvoices bool     `json:"UnpaidInvoices"`
	TariffID       *int64   `json:"TariffId"`
	PlanStart      *string  `json:"PlanStart"`
	PlanEnd        *string  `json:"PlanEnd"`
	Teams          []string `json:"Teams"`
	MacAddresses   []string `json:"MacAddresses"`
	AccessCards    []string `json:"AccessCards"`
}

var dayNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// ParseDirectory reads a directory document: unknown fields, bad JSON,
// bad dates, days or times, and text that breaks the text rules
// (docs/api.md#text) are an ErrInvalid error that says where. The result
// is not indexed yet (an import merges it first; see Index).
func ParseDirectory(r io.Reader) (*Directory, error) {
	return parseDirectory(r, true)
}

// ParseStoredDirectory reads the directory a store kept. It checks the
// structure as ParseDirectory does, but not the text rules: a directory
// stored before those rules existed may break them (a longer name, a tab),
// and refusing it here would stop every check-in, evaluation and read of
// the directory, and the PUT that would repair it. The rules apply to
// what enters (ParseDirectory); what the service already holds is read.
func ParseStoredDirectory(r io.Reader) (*Directory, error) {
	return parseDirectory(r, false)
}

func parseDirectory(r io.Reader, strict bool) (*Directory, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read the directory: %w", err)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '{' {
		return nil, Errorf(ErrInvalid, "the directory must be a JSON object such as %s", directoryExample)
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would quietly replace a
	// broken character with U+FFFD and store a name nobody wrote.
	if strict && !utf8.Valid(data) {
		return nil, Errorf(ErrInvalid, "the directory is not valid UTF-8 at %s; save it as UTF-8", position(data, int64(invalidUTF8At(data))))
	}
	if strict {
		if err := checkKeys(data); err != nil {
			return nil, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc directoryDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, Errorf(ErrInvalid, "the directory must be one JSON object")
	}
	return doc.directory(strict)
}

// invalidUTF8At returns the offset of the first byte of data that is not
// valid UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// maxKeyErrors bounds the key problems one answer lists.
const maxKeyErrors = 100

// checkKeys refuses what encoding/json would quietly accept in a
// directory document: a key given twice in one object (it keeps the last,
// so two readers could see two directories) and a field name in another
// case than the contract's (it matches "fullname" to FullName). The
// contract spells every field one way (docs/checkins.md#the-directory),
// and that is how clients send them. Syntax errors and unknown fields are
// left to the decoder, which reports them with their position.
func checkKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var bad []FieldError
	walkKeys(dec, reflect.TypeFor[directoryDoc](), "", &bad)
	if len(bad) > 0 {
		return InvalidFields(bad)
	}
	return nil
}

// walkKeys reads one JSON value from dec, checking the keys of every
// object in it against t (the Go type it decodes into; nil when unknown).
// It stops quietly at a syntax error.
func walkKeys(dec *json.Decoder, t reflect.Type, path string, bad *[]FieldError) bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return false
			}
			key, _ := kt.(string)
			name, ft := jsonField(t, key)
			at := strings.TrimPrefix(path+"."+key, ".")
			switch {
			case seen[strings.ToLower(key)]:
				addKeyError(bad, at, "is given more than once in the same object; give each field once")
			case name != "" && name != key:
				addKeyError(bad, at, fmt.Sprintf("must be written %s: field names are case-sensitive", name))
			}
			seen[strings.ToLower(key)] = true
			if !walkKeys(dec, ft, at, bad) {
				return false
			}
		}
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if !walkKeys(dec, elem, fmt.Sprintf("%s[%d]", path, i), bad) {
				return false
			}
		}
	default:
		return true // a scalar
	}
	_, err = dec.Token() // the closing } or ]
	return err == nil
}

// jsonField finds the field of struct type t that encoding/json would
// decode key into: its JSON name and type, or "" for none.
func jsonField(t reflect.Type, key string) (string, reflect.Type) {
	if t == nil || t.Kind() != reflect.Struct {
		return "", nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if strings.EqualFold(name, key) {
			return name, f.Type
		}
	}
	return "", nil
}

func addKeyError(bad *[]FieldError, at, msg string) {
	if len(*bad) < maxKeyErrors {
		*bad = append(*bad, FieldError{Property: at, Message: msg, AttemptedValue: ShortValue(at)})
	}
}

// directoryExample shows the shape of a directory document in errors.
const directoryExample = `{"Businesses": [...], "Tariffs": [...], "Coworkers": [...]}`

// jsonError says where a document failed to decode, as line:column.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Errorf(ErrInvalid, "the directory is not valid JSON at %s: %s", position(data, syn.Offset), syn.Error())
	case errors.As(err, &typ):
		return Errorf(ErrInvalid, "the directory has %s where %s must be %s, at %s",
			jsonKind(typ.Value), typ.Field, goKind(typ.Type), position(data, typ.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return Errorf(ErrInvalid, "the directory has an %s", strings.TrimPrefix(err.Error(), "json: "))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(ErrInvalid, "the directory is empty or cut short")
	}
	return Errorf(ErrInvalid, "the directory is not valid JSON")
}

// jsonKind names a JSON value kind as encoding/json reports it ("array",
// "number 1.5", "string") for a person.
func jsonKind(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "bool":
		return "true or false"
	}
	return "a " + v
}

// goKind says what a Go type needs, without Go's names for it.
func goKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.String:
		return "text in double quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Pointer:
		return goKind(t.Elem()) + " or null"
	}
	return "an object"
}

func position(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// directory builds the Directory; strict also applies the text rules.
func (doc *directoryDoc) directory(strict bool) (*Directory, error) {
	d := &Directory{}
	var bad []FieldError
	add := func(path, msg, value string) {
		bad = append(bad, FieldError{Property: path, Message: msg, AttemptedValue: value})
	}
	d.positions = map[string]map[int64]int{}
	text := func(path string, kind TextKind, s string) {
		if !strict {
			return
		}
		if fe := kind.Check(path, s); fe != nil {
			bad = append(bad, *fe)
		}
	}
	for i, b := range doc.Businesses {
		d.Businesses = append(d.Businesses, &Business{ID: b.ID, Name: b.Name, TimeZone: b.TimeZone})
		d.place("Businesses", i, b.ID, add)
		text(entryPath("Businesses", i, b.ID)+".Name", NameText, b.Name)
	}
	for i, t := range doc.Tariffs {
		at := entryPath("Tariffs", i, t.ID)
		d.Tariffs = append(d.Tariffs, t.tariff(at, add))
		d.place("Tariffs", i, t.ID, add)
		text(at+".Name", NameText, t.Name)
		if strict && len(t.AccessHours) > MaxAccessHours {
			add(at+".AccessHours", fmt.Sprintf("must list at most %d windows (this lists %d)", MaxAccessHours, len(t.AccessHours)), "")
		}
	}
	for i, c := range doc.Coworkers {
		at := entryPath("Coworkers", i, c.ID)
		d.Coworkers = append(d.Coworkers, c.coworker(at, add))
		d.place("Coworkers", i, c.ID, add)
		text(at+".FullName", NameText, c.FullName)
		text(at+".Email", EmailText, c.Email)
		for j, team := range c.Teams {
			text(fmt.Sprintf("%s.Teams[%d]", at, j), NameText, team)
		}
		// Records keep the teams joined with ", " in one indexed column.
		if n := utf8.RuneCountInString(strings.Join(c.Teams, ", ")); strict && n > MaxTeamsLength {
			add(at+".Teams", fmt.Sprintf("must be at most %d characters together, joined with \", \" (these are %d)", MaxTeamsLength, n), "")
		}
		for j, card := range c.AccessCards {
			text(fmt.Sprintf("%s.AccessCards[%d]", at, j), TextKind{Max: MaxAccessCardLength}, card)
		}
	}
	if len(bad) > 0 {
		return nil, InvalidFields(bad)
	}
	return d, nil
}

// place records where entry i of list stands; an Id given twice in one
// list is refused here, naming both places, since a merge by Id would
// silently keep only the last.
func (d *Directory) place(list string, i int, id int64, add addFunc) {
	if d.positions[list] == nil {
		d.positions[list] = map[int64]int{}
	}
	if first, dup := d.positions[list][id]; dup {
		add(entryPath(list, i, id)+".Id", fmt.Sprintf("is given twice in %s, first at %s[%d]", list, list, first), strconv.FormatInt(id, 10))
		return
	}
	d.positions[list][id] = i
}

func (t tariffDoc) tariff(at string, add addFunc) *Tariff {
	out := &Tariff{ID: t.ID, Name: t.Name, Businesses: t.Businesses, MonthlyCheckinLimit: t.MonthlyCheckinLimit}
	for j, h := range t.AccessHours {
		hat := fmt.Sprintf("%s.AccessHours[%d]", at, j)
		var w AccessHours
		for _, day := range h.Days {
			wd, ok := parseDay(day)
			if !ok {
				add(hat+".Days", "must list days as Mon, Tue, Wed, Thu, Fri, Sat, Sun", day)
			}
			w.Days = append(w.Days, wd)
		}
		var ok bool
		if w.From, ok = parseClock(h.From, false); !ok {
			add(hat+".From", "must be a time HH:MM from 00:00 to 23:59", h.From)
		}
		if w.To, ok = parseClock(h.To, true); !ok {
			add(hat+".To", "must be a time HH:MM from 00:00 to 24:00", h.To)
		}
		out.AccessHours = append(out.AccessHours, w)
	}
	return out
}

func (c coworkerDoc) coworker(at string, add addFunc) *Coworker {
	out := &Coworker{ID: c.ID, FullName: c.FullName, Email: c.Email, Active: c.Active, Suspended: c.Suspended,
		UnpaidInvoices: c.UnpaidInvoices, TariffID: c.TariffID, Teams: c.Teams, MacAddresses: c.MacAddresses, AccessCards: c.AccessCards}
	if c.PlanStart != nil {
		t, err := time.Parse(time.DateOnly, *c.PlanStart)
		if err != nil {
			add(at+".PlanStart", "must be a date YYYY-MM-DD or null", *c.PlanStart)
		}
		out.PlanStart = t
	}
	if c.PlanEnd != nil {
		t, err := time.Parse(time.DateOnly, *c.PlanEnd)
		if err != nil {
			add(at+".PlanEnd", "must be a date YYYY-MM-DD or null", *c.PlanEnd)
		}
		out.PlanEnd = &t
	}
	return out
}

func parseDay(s string) (time.Weekday, bool) {
	for i, n := range dayNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

// parseClock reads HH:MM as minutes since midnight; 24:00 only when
// allowEnd (the exclusive end of a window).
func parseClock(s string, allowEnd bool) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err == nil {
		return t.Hour()*60 + t.Minute(), true
	}
	if allowEnd && s == "24:00" {
		return 24 * 60, true
	}
	return 0, false
}

// MarshalDirectory writes d as a directory document (what GET
// /api/directory returns and ParseDirectory reads back).
func MarshalDirectory(d *Directory) ([]byte, error) {
	doc := directoryDoc{Businesses: []businessDoc{}, Tariffs: []tariffDoc{}, Coworkers: []coworkerDoc{}}
	for _, b := range d.Businesses {
		doc.Businesses = append(doc.Businesses, businessDoc{ID: b.ID, Name: b.Name, TimeZone: b.TimeZone})
	}
	for _, t := range d.Tariffs {
		td := tariffDoc{ID: t.ID, Name: t.Name, Businesses: nonNil(t.Businesses), AccessHours: []accessHoursDoc{}, MonthlyCheckinLimit: t.MonthlyCheckinLimit}
		for _, h := range t.AccessHours {
			hd := accessHoursDoc{Days: []string{}, From: clock(h.From), To: clock(h.To)}
			for _, wd := range h.Days {
				hd.Days = append(hd.Days, dayNames[wd])
			}
			td.AccessHours = append(td.AccessHours, hd)
		}
		doc.Tariffs = append(doc.Tariffs, td)
	}
	for _, c := range d.Coworkers {
		doc.Coworkers = append(doc.Coworkers, coworkerDocOf(c))
	}
	return json.Marshal(doc)
}

func coworkerDocOf(c *Coworker) coworkerDoc {
	cd := coworkerDoc{ID: c.ID, FullName: c.FullName, Email: c.Email, Active: c.Active, Suspended: c.Suspended,
		UnpaidInvoices: c.UnpaidInvoices, TariffID: c.TariffID,
		Teams: nonNil(c.Teams), MacAddresses: nonNil(c.MacAddresses), AccessCards: nonNil(c.AccessCards)}
	if !c.PlanStart.IsZero() {
		s := c.PlanStart.Format(time.DateOnly)
		cd.PlanStart = &s
	}
	if c.PlanEnd != nil {
		s := c.PlanEnd.Format(time.DateOnly)
		cd.PlanEnd = &s
	}
	return cd
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }
