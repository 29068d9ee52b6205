// Package testclock is a settable clock for tests whose parts (stores,
// leases, dispatchers, fleets) must all follow one time.
package testclock

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when the test advances it; safe for
// concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// At returns a clock set to t.
func At(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
