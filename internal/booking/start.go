package booking

import (
	"strings"
	"time"
)

// ParseStart parses a start as Validate does (RFC 3339 with an explicit
// offset, after now, at most MaxYearsAhead years ahead) and returns it in
// UTC; the error is an ozzo-validation Error naming the problem.
func ParseStart(s string, now time.Time) (time.Time, error) {
	return parseStart(strings.TrimSpace(s), now)
}
