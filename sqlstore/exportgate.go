package sqlstore

import fc "github.com/failedcheckins/failedcheckins"

// ExportGate admits at most fc.MaxConcurrentExports exports at a time; each
// store keeps one. The zero value is not usable: use NewExportGate.
type ExportGate struct{ slots chan struct{} }

// NewExportGate returns a gate with fc.MaxConcurrentExports free slots.
func NewExportGate() *ExportGate {
	return &ExportGate{slots: make(chan struct{}, fc.MaxConcurrentExports)}
}

// Start takes a slot, or refuses at once with TooManyExports (a waiting
// export would hold its HTTP request open for nothing); release gives the
// slot back.
func (g *ExportGate) Start() (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
		return nil, fc.TooManyExports()
	}
}
