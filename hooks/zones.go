package hooks

import (
	"strconv"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// loadZone loads an IANA zone (collections.LoadZone), refusing "Local" and "".
func loadZone(name string) (*time.Location, error) { return c.LoadZone(name) }

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.Quote(s)
}
