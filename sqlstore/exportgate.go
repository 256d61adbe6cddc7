package sqlstore

import (
	"sync"

	fc "github.com/failedcheckins/failedcheckins"
)

// ExportGate admits at most fc.MaxConcurrentExports exports at a time, and
// at most fc.MaxExportsPerUser of one requester; each store keeps one.
// The zero value is not usable: use NewExportGate.
type ExportGate struct {
	mu      sync.Mutex
	running int
	perUser map[int64]int // running exports by requester; 0 is not counted
}

// NewExportGate returns a gate with every slot free.
func NewExportGate() *ExportGate {
	return &ExportGate{perUser: map[int64]int{}}
}

// Start takes a slot for an export of requester (0: nobody in particular,
// only the global limit applies), or refuses at once with
// TooManyUserExports or TooManyExports (a waiting export would hold its
// HTTP request open for nothing); release gives the slot back, once.
func (g *ExportGate) Start(requester int64) (release func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if requester != 0 && g.perUser[requester] >= fc.MaxExportsPerUser {
		return nil, fc.TooManyUserExports()
	}
	if g.running >= fc.MaxConcurrentExports {
		return nil, fc.TooManyExports()
	}
	g.running++
	if requester != 0 {
		g.perUser[requester]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.running--
			if requester != 0 {
				if g.perUser[requester]--; g.perUser[requester] == 0 {
					delete(g.perUser, requester)
				}
			}
		})
	}, nil
}
