package calendar

import "testing"

func TestFindAndWrites(t *testing.T) {
	ps := []Provider{{Kind: "google", SyncJob: "gcal.sync", WriteJob: "gcal.write"}, {Kind: "ics", SyncJob: "ics.sync"}}
	scenarios := []struct {
		kind         string
		found, write bool
	}{
		{"google", true, true},
		{"ics", true, false},
		{"caldav", false, false},
	}
	for _, s := range scenarios {
		t.Run(s.kind, func(t *testing.T) {
			p, ok := Find(ps, s.kind)
			if ok != s.found || p.Writes() != s.write {
				t.Fatalf("Find(%q) = %+v, %v; want found %v, writes %v", s.kind, p, ok, s.found, s.write)
			}
		})
	}
}
