// Command genzones writes the booking page's time zone search data,
// pb_public/i18n/zones.{tag}.json, one file per page language, from CLDR
// (Debian's unicode-cldr-core: exemplar cities and metazone names per
// language, zone → metazone), the system's zone.tab (zone → country) and
// Go's zone data (abbreviations such as CET, PST, JST).
//
//	apt-get install -y unicode-cldr-core
//	go run ./scripts/genzones
//
// Each file is {"m": {metazone: [long generic, standard, daylight, short
// names…]}, "z": [[zone id, city, country code, metazone, other names,
// "1" when it is its metazone's main zone (Sao Paulo for Brasília time)], …]};
// pb_public/zonesearch.js reads it.
package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// languages maps the page's language tags to their CLDR locale files.
var languages = map[string]string{"en": "en", "de": "de", "fr": "fr", "es": "es", "pt-BR": "pt", "ja": "ja"}

// names is one set of CLDR zone names (long and short; generic, standard, daylight).
type names struct {
	Long  nameSet `xml:"long"`
	Short nameSet `xml:"short"`
}

type nameSet struct {
	Generic  string `xml:"generic"`
	Standard string `xml:"standard"`
	Daylight string `xml:"daylight"`
}

// list is the set's non-empty names without repeats.
func (n names) list() []string {
	var out []string
	for _, s := range []string{n.Long.Generic, n.Long.Standard, n.Long.Daylight, n.Short.Generic, n.Short.Standard, n.Short.Daylight} {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ldml is the part of a CLDR locale file genzones reads.
type ldml struct {
	Zones []struct {
		Type     string `xml:"type,attr"`
		Exemplar []struct {
			Alt  string `xml:"alt,attr"`
			Text string `xml:",chardata"`
		} `xml:"exemplarCity"`
		names
	} `xml:"dates>timeZoneNames>zone"`
	Metazones []struct {
		Type string `xml:"type,attr"`
		names
	} `xml:"dates>timeZoneNames>metazone"`
}

// metaZones is CLDR's supplemental/metaZones.xml: each zone's metazones
// over time, and each metazone's main zone (territory 001).
type metaZones struct {
	Main []struct {
		Metazone  string `xml:"other,attr"`
		Territory string `xml:"territory,attr"`
		Zone      string `xml:"type,attr"`
	} `xml:"metaZones>mapTimezones>mapZone"`
	Zones []struct {
		Type string `xml:"type,attr"`
		Uses []struct {
			Zone string `xml:"mzone,attr"`
			To   string `xml:"to,attr"`
		} `xml:"usesMetazone"`
	} `xml:"metaZones>metazoneInfo>timezone"`
}

// bcp47 is CLDR's bcp47/timezone.xml: the aliases of each zone, CLDR's own id first.
type bcp47 struct {
	Types []struct {
		Alias string `xml:"alias,attr"`
	} `xml:"keyword>key>type"`
}

func readXML(path string, v any) {
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatalf("%v (install unicode-cldr-core, or pass -cldr)", err)
	}
	if err := xml.Unmarshal(raw, v); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
}

// zone is one row of zone.tab.
type zone struct{ id, country string }

func readZoneTab(path string) []zone {
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var out []zone
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, zone{id: f[2], country: f[0]})
	}
	return out
}

// abbreviations are Go's non-numeric abbreviations of loc in January and July 2026.
func abbreviations(loc *time.Location) []string {
	var out []string
	for _, m := range []time.Month{time.January, time.July} {
		a := time.Date(2026, m, 15, 12, 0, 0, 0, loc).Format("MST")
		if a != "" && a[0] != '+' && a[0] != '-' && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func main() {
	cldr := flag.String("cldr", "/usr/share/unicode/cldr/common", "CLDR's common/ folder")
	zoneTab := flag.String("zonetab", "/usr/share/zoneinfo/zone.tab", "tzdata's zone.tab (zone → country)")
	out := flag.String("out", "pb_public/i18n", "folder for zones.{tag}.json")
	flag.Parse()

	var aliases bcp47
	readXML(filepath.Join(*cldr, "bcp47", "timezone.xml"), &aliases)
	cldrID := map[string]string{} // any IANA id → CLDR's id for it
	for _, t := range aliases.Types {
		ids := strings.Fields(t.Alias)
		for _, id := range ids {
			cldrID[id] = ids[0]
		}
	}
	var mz metaZones
	readXML(filepath.Join(*cldr, "supplemental", "metaZones.xml"), &mz)
	metazoneOf := map[string]string{}
	for _, z := range mz.Zones {
		for _, u := range z.Uses {
			if u.To == "" {
				metazoneOf[z.Type] = u.Zone
			}
		}
	}
	mainZone := map[string]bool{} // CLDR id → main zone of its metazone
	for _, m := range mz.Main {
		if m.Territory == "001" {
			mainZone[m.Zone] = true
		}
	}
	zones := append(readZoneTab(*zoneTab), zone{id: "UTC"})

	for tag, file := range languages {
		var loc, en ldml
		readXML(filepath.Join(*cldr, "main", file+".xml"), &loc)
		readXML(filepath.Join(*cldr, "main", "en.xml"), &en)
		cities, zoneNames := map[string]string{}, map[string][]string{}
		for _, doc := range []ldml{en, loc} { // the language's own names win
			for _, z := range doc.Zones {
				for _, e := range z.Exemplar {
					if e.Alt == "" {
						cities[z.Type] = e.Text
					}
				}
				if l := z.names.list(); len(l) > 0 {
					zoneNames[z.Type] = l
				}
			}
		}
		data := struct {
			M map[string][]string `json:"m"`
			Z [][]string          `json:"z"`
		}{M: map[string][]string{}}
		for _, m := range loc.Metazones {
			data.M[m.Type] = m.names.list()
		}
		for _, z := range zones {
			l, err := time.LoadLocation(z.id)
			if err != nil {
				log.Fatalf("%s: %v", z.id, err)
			}
			id := cldrID[z.id]
			if id == "" {
				id = z.id
			}
			city := cities[id]
			if z.id == "UTC" {
				city = "UTC"
			}
			if city == "" {
				city = strings.ReplaceAll(z.id[strings.LastIndex(z.id, "/")+1:], "_", " ")
			}
			meta := metazoneOf[id]
			if _, ok := data.M[meta]; !ok {
				meta = ""
			}
			other := append(abbreviations(l), zoneNames[id]...)
			row := []string{z.id, city, z.country, meta, strings.Join(other, " ")}
			if mainZone[id] {
				row = append(row, "1")
			}
			data.Z = append(data.Z, row)
		}
		slices.SortFunc(data.Z, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
		// Only the metazones some zone uses.
		used := map[string]bool{}
		for _, z := range data.Z {
			used[z[3]] = true
		}
		for k := range data.M {
			if !used[k] {
				delete(data.M, k)
			}
		}
		raw, err := json.Marshal(data)
		if err != nil {
			log.Fatal(err)
		}
		path := filepath.Join(*out, "zones."+tag+".json")
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d zones, %d metazones, %d bytes\n", path, len(data.Z), len(data.M), len(raw))
	}
}
