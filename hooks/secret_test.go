package hooks

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestExistingSecretNeverCreatesAKey: the replica command run in a shell
// without SLOTBASE_ENCRYPTION_KEY must not leave a new slotbase.key behind
// (the server would not use it, and a backup would carry it); with the
// server's key file or the variable it reads the same key loadSecret does.
func TestExistingSecretNeverCreatesAKey(t *testing.T) {
	t.Setenv("SLOTBASE_ENCRYPTION_KEY", "")
	dir := t.TempDir()
	if _, err := existingSecret(dir); err == nil {
		t.Fatal("existingSecret found a key in an empty dir")
	}
	if _, err := os.Stat(filepath.Join(dir, secretFile)); !os.IsNotExist(err) {
		t.Fatalf("existingSecret left %s behind (stat: %v)", secretFile, err)
	}
	made, err := loadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	read, err := existingSecret(dir)
	if err != nil || !bytes.Equal(read, made) {
		t.Fatalf("existingSecret = %x, %v; want the server's key %x", read, err, made)
	}
	t.Setenv("SLOTBASE_ENCRYPTION_KEY", "0123456789abcdef0123456789abcdef-env")
	empty := t.TempDir()
	fromEnv, err := existingSecret(empty)
	want, _ := loadSecret(empty)
	if err != nil || !bytes.Equal(fromEnv, want) {
		t.Fatalf("with the variable set: %x, %v; want %x", fromEnv, err, want)
	}
}
