// Package beatstest holds an in-memory stand-in for the Redis beat store,
// for the unit tests of the packages that record beats.
package beatstest

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrDown is what Store returns while it is told to fail.
var ErrDown = errors.New("redis down")

// Store keeps the cluster-wide count in memory; set Fail to make every
// call fail as an unreachable Redis would.
type Store struct {
	Total atomic.Int64
	Fail  atomic.Bool
}

// IncrBy adds n to the count and returns the new total, or ErrDown.
func (s *Store) IncrBy(_ context.Context, _ string, n int64) (int64, error) {
	if s.Fail.Load() {
		return 0, ErrDown
	}
	return s.Total.Add(n), nil
}
