package secretbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	other := bytes.Repeat([]byte{8}, 32)
	sealed, err := Seal(key, "manage-token", []byte("mt_secret"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "mt_secret") || !strings.HasPrefix(sealed, "v1.") {
		t.Fatalf("sealed value %q", sealed)
	}
	again, _ := Seal(key, "manage-token", []byte("mt_secret"))
	if again == sealed {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	if got, err := Open(key, "manage-token", sealed); err != nil || string(got) != "mt_secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	scenarios := []struct {
		name, purpose, value string
		key                  []byte
	}{
		{"other key", "manage-token", sealed, other},
		{"other purpose", "oauth", sealed, key},
		{"tampered", "manage-token", sealed[:len(sealed)-2] + "AA", key},
		{"truncated", "manage-token", sealed[:10], key},
		{"no prefix", "manage-token", sealed[3:], key},
		{"junk", "manage-token", "v1.!!!", key},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if _, err := Open(s.key, s.purpose, s.value); !errors.Is(err, ErrSealed) {
				t.Fatalf("err = %v, want ErrSealed", err)
			}
		})
	}
	if _, err := Seal([]byte("short"), "x", nil); !errors.Is(err, ErrKey) {
		t.Fatalf("short key: %v", err)
	}
}
