package collections

import (
	"encoding/json"
	"strconv"

	"github.com/pocketbase/dbx"
)

// HostBookingsSQL returns a query for cols (over the alias b) and `host` of
// the bookings of hosts that also meet cond (over b, with its own params),
// and its params. It reads through the indexes the planner can use for
// (host, start) (migration 1765300000): a single-host booking stores hosts
// as '["id"]' (PocketBase's JSON for a relation list), found by equality on
// idx_bookings_hosts_start; the few with several hosts (collective) are
// found through idx_bookings_shared_start and unpacked. cond should bound
// b.start so both parts seek rather than scan.
func HostBookingsSQL(cols string, hosts []string, cond string) (string, dbx.Params) {
	params := dbx.Params{}
	singles := make([]byte, 0, 16*len(hosts))
	ids := make([]byte, 0, 8*len(hosts))
	for i, h := range hosts {
		one, _ := json.Marshal([]string{h}) // as PocketBase writes it: ["id"]
		params["hs"+strconv.Itoa(i)] = string(one)
		params["hi"+strconv.Itoa(i)] = h
		if i > 0 {
			singles, ids = append(singles, ','), append(ids, ',')
		}
		singles = append(singles, "{:hs"+strconv.Itoa(i)+"}"...)
		ids = append(ids, "{:hi"+strconv.Itoa(i)+"}"...)
	}
	if len(hosts) == 0 {
		singles, ids = []byte("''"), []byte("''")
	}
	return `SELECT ` + cols + `, json_extract(b.hosts, '$[0]') AS host FROM bookings b
		WHERE b.hosts IN (` + string(singles) + `) AND ` + cond + `
		UNION ALL
		SELECT ` + cols + `, j.value AS host FROM bookings b, json_each(b.hosts) j
		WHERE json_array_length(b.hosts) > 1 AND j.value IN (` + string(ids) + `) AND ` + cond, params
}
