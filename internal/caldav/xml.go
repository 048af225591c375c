package caldav

import (
	"encoding/xml"
	"strconv"
	"strings"
)

// The few WebDAV bodies go-webdav v0.6.0's caldav client does not offer
// (collection ctag and sync-token, the sync-collection REPORT of RFC 6578),
// as encoding/xml types rather than hand-written strings.

const (
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
)

// xmlPropfind asks for a collection's change markers.
type xmlPropfind struct {
	XMLName xml.Name `xml:"DAV: propfind"`
	Prop    struct {
		CTag      *struct{} `xml:"http://calendarserver.org/ns/ getctag"`
		SyncToken *struct{} `xml:"DAV: sync-token"`
	} `xml:"DAV: prop"`
}

// xmlSyncCollection is the sync-collection REPORT (RFC 6578 §3.2).
type xmlSyncCollection struct {
	XMLName   xml.Name `xml:"DAV: sync-collection"`
	SyncToken string   `xml:"DAV: sync-token"`
	SyncLevel string   `xml:"DAV: sync-level"`
	Prop      struct {
		ETag *struct{} `xml:"DAV: getetag"`
	} `xml:"DAV: prop"`
}

// xmlMultistatus is the answer of a PROPFIND or sync-collection REPORT.
type xmlMultistatus struct {
	XMLName   xml.Name      `xml:"DAV: multistatus"`
	Responses []xmlResponse `xml:"DAV: response"`
	SyncToken string        `xml:"DAV: sync-token"`
}

type xmlResponse struct {
	Href      string        `xml:"DAV: href"`
	Status    string        `xml:"DAV: status"`
	Propstats []xmlPropstat `xml:"DAV: propstat"`
}

type xmlPropstat struct {
	Status string `xml:"DAV: status"`
	Prop   struct {
		ETag      string `xml:"DAV: getetag"`
		CTag      string `xml:"http://calendarserver.org/ns/ getctag"`
		SyncToken string `xml:"DAV: sync-token"`
	} `xml:"DAV: prop"`
}

// statusOK reports whether a DAV status line ("HTTP/1.1 200 OK") is a 2xx.
func statusOK(s string) bool {
	if s == "" {
		return true
	}
	f := strings.Fields(s)
	if len(f) < 2 {
		return false
	}
	code, err := strconv.Atoi(f[1])
	return err == nil && code/100 == 2
}
