package collections

import (
	"errors"
	"sync"
	"time"
)

// zoneCache keeps loaded zones: time.LoadLocation parses tzdata each call.
// Package-level on purpose: zone data is the same for every app in the
// process and never changes while it runs, so sharing it is safe (sync.Map).
var zoneCache sync.Map // name → *time.Location

// LoadZone loads an IANA zone as stored in a record, refusing "Local" and
// the empty name.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, errors.New("not an IANA time zone")
	}
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, loc)
	return loc, nil
}
