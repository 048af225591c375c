package apikey

import (
	"strings"
	"testing"
)

func TestNewParseMatch(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		key, prefix, hash, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if seen[key] {
			t.Fatal("duplicate key")
		}
		seen[key] = true
		if got, ok := Parse(key); !ok || got != prefix {
			t.Fatalf("Parse(%q) = %q %v, want %q", key, got, ok, prefix)
		}
		if !Matches(key, hash) || strings.Contains(hash, key[len("sb_")+prefixLen+1:]) {
			t.Fatalf("hash %q of %q", hash, key)
		}
		if Matches(key[:len(key)-1]+"A", hash) && key[len(key)-1] != 'A' {
			t.Fatal("a different key matches")
		}
	}
	key, _, _, _ := New()
	for _, bad := range []string{"", "sb_", "sk_" + key[3:], key + "x", key[:len(key)-1], strings.ToUpper(key), "sb_ABCDEFGH_" + key[12:], "sb_abcdefgh-" + key[12:], "Bearer " + key} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse accepted %q", bad)
		}
	}
}

func TestScopes(t *testing.T) {
	scenarios := []struct {
		granted []string
		need    string
		want    bool
	}{
		{[]string{ScopeBookingsRead}, ScopeBookingsRead, true},
		{[]string{ScopeBookingsRead}, ScopeBookingsWrite, false},
		{[]string{ScopeAdmin}, ScopeAvailabilityWrite, true},
		{nil, ScopeBookingsRead, false},
	}
	for _, s := range scenarios {
		if got := Allows(s.granted, s.need); got != s.want {
			t.Errorf("Allows(%v, %s) = %v", s.granted, s.need, got)
		}
	}
	if got, err := ParseScopes(" bookings:read, bookings:read ,admin"); err != nil || len(got) != 2 {
		t.Fatalf("ParseScopes = %v %v", got, err)
	}
	for _, bad := range []string{"", "bookings:delete", ","} {
		if _, err := ParseScopes(bad); err == nil || !strings.HasPrefix(err.Error(), "scopes:") {
			t.Errorf("ParseScopes(%q) err = %v", bad, err)
		}
	}
}
