package hooks

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// secretFile holds the generated server secret inside the data dir.
const secretFile = "slotbase.key"

// existingSecret is the server's secret as loadSecret finds it, but never
// generates one: commands run beside the server (replica status over
// `fly ssh console`) read the key the server uses or say it is missing.
func existingSecret(dataDir string) ([]byte, error) {
	if os.Getenv("SLOTBASE_ENCRYPTION_KEY") == "" {
		if _, err := os.Stat(filepath.Join(dataDir, secretFile)); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no SLOTBASE_ENCRYPTION_KEY in this shell and no %s in %s: set the key the server uses, or pass --postgres", secretFile, dataDir)
		}
	}
	return loadSecret(dataDir)
}

// loadSecret returns the server's 32-byte secret: derived from
// SLOTBASE_ENCRYPTION_KEY when set, else read from (or generated once into)
// dataDir/slotbase.key with 0600 permissions. It keys HMACs and, later, the
// encryption of OAuth tokens; it is never logged.
func loadSecret(dataDir string) ([]byte, error) {
	if env := os.Getenv("SLOTBASE_ENCRYPTION_KEY"); env != "" {
		if len(env) < 32 {
			return nil, errors.New("SLOTBASE_ENCRYPTION_KEY: must be at least 32 characters")
		}
		sum := sha256.Sum256([]byte(env))
		return sum[:], nil
	}
	path := filepath.Join(dataDir, secretFile)
	if b, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s: not a 64-digit hex key", path)
		}
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			return loadSecret(dataDir)
		}
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return nil, err
	}
	return key, f.Sync()
}
