package failedcheckins

import (
	"fmt"
	"strconv"
	"strings"
)

// Source says how a check-in attempt reached the service.
// The numbers are Nexudus's and appear on the wire; never renumber them.
type Source int

// The sources, in Nexudus's numbering.
const (
	SourceNone            Source = 0
	SourceManual          Source = 1
	SourceDoorAccess      Source = 2
	SourceNetworkActivity Source = 3
	SourceTile            Source = 4
	SourceSensor          Source = 5
)

var sourceNames = [...]string{"None", "Manual", "DoorAccess", "NetworkActivity", "Tile", "Sensor"}

// Sources lists every valid source in numeric order.
func Sources() []Source {
	return []Source{SourceNone, SourceManual, SourceDoorAccess, SourceNetworkActivity, SourceTile, SourceSensor}
}

// Valid reports whether s is one of the six known sources.
func (s Source) Valid() bool { return s >= SourceNone && s <= SourceSensor }

// String returns the Nexudus name of the source ("DoorAccess"), or the number
// for an invalid value.
func (s Source) String() string {
	if !s.Valid() {
		return strconv.Itoa(int(s))
	}
	return sourceNames[s]
}

// ParseSource accepts a source number (0-5) or its name in any case.
func ParseSource(text string) (Source, error) {
	text = strings.TrimSpace(text)
	if n, err := strconv.Atoi(text); err == nil {
		if s := Source(n); s.Valid() {
			return s, nil
		}
		return 0, fmt.Errorf("unknown source %q: want 0-5 or one of %s", text, strings.Join(sourceNames[:], ", "))
	}
	for i, name := range sourceNames {
		if strings.EqualFold(name, text) {
			return Source(i), nil
		}
	}
	return 0, fmt.Errorf("unknown source %q: want 0-5 or one of %s", text, strings.Join(sourceNames[:], ", "))
}
