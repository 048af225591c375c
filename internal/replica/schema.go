package replica

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// System columns every replica table has, besides "id" (the primary key).
// Field names starting with "_" never become typed columns.
const (
	colSeq       = "_seq"
	colDeleted   = "_deleted"
	colChangedAt = "_changed_at"
	colRecord    = "_record"
)

// PostgreSQL types of typed columns.
const (
	pgText   = "text"
	pgNumber = "double precision"
	pgBool   = "boolean"
	pgTime   = "timestamp with time zone"
	pgJSON   = "jsonb"
)

// Collection is the part of a PocketBase collection definition the replica
// needs: its name, kind and fields.
type Collection struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Type   string  `json:"type"` // base, auth or view
	Fields []Field `json:"fields"`
}

// Field is one field of a Collection.
type Field struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	MaxSelect int    `json:"maxSelect"`
}

// ParseCollection reads a collection definition (PocketBase's JSON form).
func ParseCollection(raw []byte) (Collection, error) {
	var c Collection
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("collection definition: %w", err)
	}
	if !validName.MatchString(c.Name) {
		return c, fmt.Errorf("collection name %q: must match %s", c.Name, validName)
	}
	return c, nil
}

// validName is what a table or column name may look like (PocketBase's own
// rule for collection and field names is stricter).
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Column is a typed column of a replica table.
type Column struct {
	Name string
	Type string // one of the pg* types
}

// Columns maps the collection's fields to typed columns, sorted by name.
// Multi-value fields (relations, selects, files with maxSelect > 1), JSON
// and geo points become jsonb; dates timestamptz; numbers double
// precision; bools boolean; everything else text.
func (c Collection) Columns() []Column {
	var cols []Column
	for _, f := range c.Fields {
		if f.Name == "id" || strings.HasPrefix(f.Name, "_") || !validName.MatchString(f.Name) {
			continue
		}
		cols = append(cols, Column{Name: f.Name, Type: fieldType(f)})
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].Name < cols[j].Name })
	return cols
}

func fieldType(f Field) string {
	switch f.Type {
	case "number":
		return pgNumber
	case "bool":
		return pgBool
	case "date", "autodate":
		return pgTime
	case "json", "geoPoint":
		return pgJSON
	case "relation", "select", "file":
		if f.MaxSelect > 1 {
			return pgJSON
		}
		return pgText
	default:
		return pgText
	}
}

// columnValue turns a record value into the text the SQL casts to the
// column's type, or nil (NULL) when the value does not fit: a value that
// PostgreSQL would reject must never block the stream (the jsonb column
// keeps it as it was).
func columnValue(typ string, v any) any {
	if v == nil {
		return nil
	}
	switch typ {
	case pgJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		return string(b)
	case pgBool:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b)
		}
		return nil
	case pgNumber:
		var s string
		switch n := v.(type) {
		case json.Number:
			s = n.String()
		case string:
			s = n
		case bool:
			if n {
				return "1"
			}
			return "0"
		default:
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != f || f > 1.7e308 || f < -1.7e308 {
			return nil
		}
		return s
	case pgTime:
		s, ok := v.(string)
		if !ok || s == "" {
			return nil
		}
		for _, layout := range []string{"2006-01-02 15:04:05.000Z07:00", "2006-01-02 15:04:05Z07:00", time.RFC3339Nano} {
			if t, err := time.Parse(layout, s); err == nil {
				if t.Year() < 1 || t.Year() > 9999 {
					return nil
				}
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
		return nil
	default: // text
		switch s := v.(type) {
		case string:
			return s
		case json.Number:
			return s.String()
		case bool:
			return strconv.FormatBool(s)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil
			}
			return string(b)
		}
	}
}

// decodeRecord parses a record's JSON with numbers kept exact and strips
// NUL characters from strings (PostgreSQL's text and jsonb reject them).
func decodeRecord(raw []byte) (map[string]any, []byte, error) {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("record JSON: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	if strings.Contains(string(raw), `\u0000`) {
		for k, v := range m {
			m[k] = stripNUL(v)
		}
		clean, err := json.Marshal(m)
		return m, clean, err
	}
	return m, raw, nil
}

func stripNUL(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "\x00", "")
	case []any:
		for i := range x {
			x[i] = stripNUL(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = stripNUL(x[k])
		}
	}
	return v
}
