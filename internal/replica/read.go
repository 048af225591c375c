package replica

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

func sortColumns(cols []Column) []Column {
	sort.Slice(cols, func(i, j int) bool { return cols[i].Name < cols[j].Name })
	return cols
}

// CollectionDefs returns the live collection definitions of the replica
// (PocketBase's collection JSON), ordered by name.
func (t *Target) CollectionDefs(ctx context.Context) ([]json.RawMessage, error) {
	if _, ok := t.tables[Collections]; !ok {
		return nil, nil
	}
	rows, err := t.conn.Query(ctx, "SELECT "+colRecord+"::text FROM "+t.ident(Collections)+" WHERE NOT "+colDeleted+" ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("replica collections: %w", err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(s))
	}
	return out, rows.Err()
}

// Tables lists the replica's record tables (not Collections), sorted.
func (t *Target) Tables() []string {
	var out []string
	for name := range t.tables {
		if name != Collections {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Rows calls fn with every live row of table (id and record JSON), by id.
func (t *Target) Rows(ctx context.Context, table string, fn func(id string, record []byte) error) error {
	if _, ok := t.tables[table]; !ok {
		return nil
	}
	rows, err := t.conn.Query(ctx, "SELECT id, "+colRecord+"::text FROM "+t.ident(table)+" WHERE NOT "+colDeleted+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("replica rows of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, rec string
		if err := rows.Scan(&id, &rec); err != nil {
			return err
		}
		if err := fn(id, []byte(rec)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RowHash is the hash verify compares: SHA-256 of the record's canonical
// JSON (keys sorted, numbers as float64, NUL characters dropped), so the
// primary's JSON and PostgreSQL's jsonb rendering of it hash alike.
func RowHash(record []byte) (string, error) {
	var v any
	if err := json.Unmarshal(record, &v); err != nil {
		return "", fmt.Errorf("record JSON: %w", err)
	}
	canon, err := json.Marshal(stripNUL(v))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:]), nil
}

// Difference is one row on which the primary and the replica disagree.
type Difference struct {
	Collection string `json:"collection"`
	ID         string `json:"id"`
	// Kind is "missing" (not in the replica), "extra" (only in the
	// replica) or "differs" (in both, different content).
	Kind string `json:"kind"`
}

// Compare lists the differences between the primary's and the replica's
// rows of one collection (id → RowHash), sorted by id.
func Compare(collection string, primary, replica map[string]string) []Difference {
	var out []Difference
	for id, h := range primary {
		r, ok := replica[id]
		switch {
		case !ok:
			out = append(out, Difference{collection, id, "missing"})
		case r != h:
			out = append(out, Difference{collection, id, "differs"})
		}
	}
	for id := range replica {
		if _, ok := primary[id]; !ok {
			out = append(out, Difference{collection, id, "extra"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
