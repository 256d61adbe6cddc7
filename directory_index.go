package failedcheckins

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Index checks the directory as a whole and builds its lookups: ids unique
// per kind, names present, time zones known, tariffs and locations that a
// reference names present, MAC addresses and access cards owned by one
// coworker only. A bad directory is an ErrInvalid error listing every
// problem, each under a path such as "Coworkers[3] (Id 100004).TariffId".
// Index records each Business's time zone in it, so d must own its
// elements (a parsed directory, or Merge's result, never one that is
// already shared).
func (d *Directory) Index() error {
	var bad []FieldError
	add := func(path, msg, value string) {
		bad = append(bad, FieldError{Property: path, Message: msg, AttemptedValue: value})
	}
	d.businesses = make(map[int64]*Business, len(d.Businesses))
	for i, b := range d.Businesses {
		d.indexBusiness(b, d.entryPath("Businesses", i, b.ID), add)
	}
	d.tariffs = make(map[int64]*Tariff, len(d.Tariffs))
	for i, t := range d.Tariffs {
		d.indexTariff(t, d.entryPath("Tariffs", i, t.ID), add)
	}
	d.coworkers = make(map[int64]*Coworker, len(d.Coworkers))
	d.macs, d.cards = map[string]*Coworker{}, map[string]*Coworker{}
	// Stored coworkers first: a MAC address or card that the document
	// gives to a second coworker is then reported on the document's entry.
	for _, i := range d.storedFirst() {
		c := d.Coworkers[i]
		d.indexCoworker(c, d.entryPath("Coworkers", i, c.ID), add)
	}
	if len(bad) > 0 {
		return InvalidFields(bad)
	}
	return nil
}

// storedFirst lists the indexes of d.Coworkers, those that are not from
// the parsed document first, each part in its order.
func (d *Directory) storedFirst() []int {
	order := make([]int, len(d.Coworkers))
	for i := range order {
		order[i] = i
	}
	fromDoc := func(i int) bool { _, ok := d.positions["Coworkers"][d.Coworkers[i].ID]; return ok }
	slices.SortStableFunc(order, func(a, b int) int {
		switch fa, fb := fromDoc(a), fromDoc(b); {
		case fa == fb:
			return 0
		case fb:
			return -1
		}
		return 1
	})
	return order
}

// entryPath names entry i of list for an error: by its position in the
// parsed document when there is one (a merged entry that came from the
// stored directory has none), else by i.
func (d *Directory) entryPath(list string, i int, id int64) string {
	if d.positions != nil {
		p, ok := d.positions[list][id]
		if !ok {
			return fmt.Sprintf("%s (Id %d, already in the directory)", list, id)
		}
		i = p
	}
	return entryPath(list, i, id)
}

func entryPath(list string, i int, id int64) string {
	return fmt.Sprintf("%s[%d] (Id %d)", list, i, id)
}

type addFunc func(path, msg, value string)

func (d *Directory) indexBusiness(b *Business, at string, add addFunc) {
	if b.ID <= 0 {
		add(at+".Id", "must be a positive integer", strconv.FormatInt(b.ID, 10))
	} else if d.businesses[b.ID] != nil {
		add(at+".Id", "is given twice", strconv.FormatInt(b.ID, 10))
	}
	if b.Name == "" {
		add(at+".Name", "is required", "")
	}
	loc, err := time.LoadLocation(b.TimeZone)
	if err != nil || b.TimeZone == "" || b.TimeZone == "Local" {
		add(at+".TimeZone", "must be an IANA time zone name such as Europe/London", b.TimeZone)
		loc = time.UTC
	}
	b.loc = loc
	d.businesses[b.ID] = b
}

func (d *Directory) indexTariff(t *Tariff, at string, add addFunc) {
	if t.ID <= 0 {
		add(at+".Id", "must be a positive integer", strconv.FormatInt(t.ID, 10))
	} else if d.tariffs[t.ID] != nil {
		add(at+".Id", "is given twice", strconv.FormatInt(t.ID, 10))
	}
	if t.Name == "" {
		add(at+".Name", "is required", "")
	}
	for j, id := range t.Businesses {
		if d.businesses[id] == nil {
			add(fmt.Sprintf("%s.Businesses[%d]", at, j), "names no business in the directory", strconv.FormatInt(id, 10))
		}
	}
	for j, h := range t.AccessHours {
		if len(h.Days) == 0 || h.From < 0 || h.From >= 24*60 || h.To < 0 || h.To > 24*60 {
			add(fmt.Sprintf("%s.AccessHours[%d]", at, j), "needs at least one day and times from 00:00 to 24:00", "")
		}
	}
	if t.MonthlyCheckinLimit < 0 {
		add(at+".MonthlyCheckinLimit", "must be 0 (no limit) or more", strconv.Itoa(t.MonthlyCheckinLimit))
	}
	d.tariffs[t.ID] = t
}

func (d *Directory) indexCoworker(c *Coworker, at string, add addFunc) {
	if c.ID <= 0 {
		add(at+".Id", "must be a positive integer", strconv.FormatInt(c.ID, 10))
	} else if d.coworkers[c.ID] != nil {
		add(at+".Id", "is given twice", strconv.FormatInt(c.ID, 10))
	}
	if c.FullName == "" {
		add(at+".FullName", "is required", "")
	}
	if c.TariffID != nil && d.tariffs[*c.TariffID] == nil {
		add(at+".TariffId", "names no tariff in the directory", strconv.FormatInt(*c.TariffID, 10))
	}
	if c.PlanEnd != nil && !c.PlanStart.IsZero() && c.PlanEnd.Before(c.PlanStart) {
		add(at+".PlanEnd", "is before PlanStart", c.PlanEnd.Format(time.DateOnly))
	}
	for j, mac := range c.MacAddresses {
		n, ok := NormalizeMAC(mac)
		switch {
		case !ok:
			add(fmt.Sprintf("%s.MacAddresses[%d]", at, j), "must be a MAC address such as A4:5E:60:C2:19:0B", mac)
		case d.macs[n] != nil && d.macs[n] != c:
			add(fmt.Sprintf("%s.MacAddresses[%d]", at, j), fmt.Sprintf("already belongs to coworker %d", d.macs[n].ID), mac)
		default:
			d.macs[n] = c
		}
	}
	for j, card := range c.AccessCards {
		k := Fold(card)
		switch {
		case k == "":
			add(fmt.Sprintf("%s.AccessCards[%d]", at, j), "must not be empty", card)
		case d.cards[k] != nil && d.cards[k] != c:
			add(fmt.Sprintf("%s.AccessCards[%d]", at, j), fmt.Sprintf("already belongs to coworker %d", d.cards[k].ID), card)
		default:
			d.cards[k] = c
		}
	}
	d.coworkers[c.ID] = c
}
