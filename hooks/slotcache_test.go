package hooks

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// TestSlotCacheSingleFlight: 32 requests for one uncached answer at once
// compute it once; all get the same answer.
func TestSlotCacheSingleFlight(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	v, _ := testServers.Load(core.App(app))
	srv := v.(*server)
	q := url + "/api/slots?event_type=call&from=2026-03-02&to=2026-03-31&tz=Europe/London"
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	start := make(chan struct{})
	var wg sync.WaitGroup
	bodies := make([]string, 32)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := client.Get(q)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body) // the transport unpacks gzip it asked for
			bodies[i] = string(raw)
		}()
	}
	// The computation waits until all 32 requests have missed the cache, so
	// they overlap it however fast the machine is.
	srv.slots.hold = func() {
		for deadline := time.Now().Add(time.Minute); srv.slots.misses.Load() < 32 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	defer func() { srv.slots.hold = nil }()
	before := srv.slots.computed.Load()
	close(start)
	wg.Wait()
	if n := srv.slots.computed.Load() - before; n != 1 {
		t.Fatalf("32 concurrent misses computed the answer %d times, want 1", n)
	}
	for i, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, `"days":[`) {
			t.Fatalf("answer %d differs or is not an answer: %.200s", i, b)
		}
	}
	// A client without gzip gets the same JSON, unpacked.
	req, _ := http.NewRequest(http.MethodGet, q, nil)
	req.Header.Set("Accept-Encoding", "identity")
	res, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Encoding") != "" || string(raw) != bodies[0] {
		t.Fatalf("plain answer: encoding %q, %.100s", res.Header.Get("Content-Encoding"), raw)
	}
}

// TestSlotCacheBoundedInBytes: however many answers are stored, the cache
// keeps at most maxSlotCacheBytes, stale entries going first.
func TestSlotCacheBoundedInBytes(t *testing.T) {
	var sc slotCache
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	big := bytes.Repeat([]byte("x"), 1<<20) // 1 MiB of stored body
	sc.put("stale", sc.current(), now.Add(-time.Second), slotBody{data: big}, now)
	for i := range 100 {
		sc.put("k"+itoa(i), sc.current(), now.Add(time.Minute), slotBody{data: big}, now)
		if sc.bytes > maxSlotCacheBytes {
			t.Fatalf("after %d answers the cache holds %d bytes, over %d", i+1, sc.bytes, maxSlotCacheBytes)
		}
	}
	if _, ok := sc.entries["stale"]; ok {
		t.Error("a stale entry outlived fresh ones")
	}
	if _, ok := sc.get("k99", now); !ok {
		t.Error("the newest answer is not kept")
	}
	total := 0
	for k, e := range sc.entries {
		total += entrySize(k, e.body)
	}
	if total != sc.bytes {
		t.Fatalf("byte count %d, entries hold %d", sc.bytes, total)
	}
	// Each answer is stored once, gzipped.
	b := newSlotBody([]byte(`{"days":[]}`))
	zr, err := gzip.NewReader(bytes.NewReader(b.data))
	if err != nil || !b.gzipped {
		t.Fatalf("stored body is not gzip: %v", err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != `{"days":[]}` {
		t.Fatalf("stored body unpacks to %q", plain)
	}
}

// TestSlotCacheCountsWhatBodiesHold: the byte bound counts each body's
// whole backing array, so short answers in large buffers cannot hold more
// than maxSlotCacheBytes; a stored answer keeps no spare buffer.
func TestSlotCacheCountsWhatBodiesHold(t *testing.T) {
	var sc slotCache
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := range 200 {
		body := slotBody{data: make([]byte, 100, 256<<10)} // 100 bytes of answer in 256 KiB
		sc.put("k"+itoa(i), sc.current(), now.Add(time.Minute), body, now)
	}
	held := 0
	for k, e := range sc.entries {
		held += cap(e.body.data) + len(k)
	}
	if held > maxSlotCacheBytes || len(sc.entries) == 200 {
		t.Fatalf("%d entries hold %d bytes, bound %d", len(sc.entries), held, maxSlotCacheBytes)
	}
	plain := bytes.Repeat([]byte(`{"start":"2026-03-02T09:00:00Z","end":"2026-03-02T09:30:00Z","seats_left":1},`), 1200)
	b := newSlotBody(plain)
	if !b.gzipped || cap(b.data)-len(b.data) > len(b.data)/8 {
		t.Fatalf("stored body: %d bytes in a %d-byte buffer", len(b.data), cap(b.data))
	}
}

// TestSlotAnswerHasLength: computed and cached answers, gzipped or not,
// carry their Content-Length and are not sent chunked (a chunked answer
// cost one more write to the socket per request).
func TestSlotAnswerHasLength(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app) + "/api/slots?event_type=call&from=2026-03-02&to=2026-03-31&tz=Europe/London"
	// DisableCompression: the transport leaves gzip as it came, and its length.
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableCompression: true}}
	for _, sc := range []struct{ name, encoding string }{
		{"gzip, computed", "gzip"}, {"gzip, cached", "gzip"}, {"plain, cached", ""}, {"plain, cached again", ""},
	} {
		t.Run(sc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			if sc.encoding != "" {
				req.Header.Set("Accept-Encoding", sc.encoding)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != sc.encoding {
				t.Fatalf("%d, Content-Encoding %q: %.200s", res.StatusCode, res.Header.Get("Content-Encoding"), raw)
			}
			if len(res.TransferEncoding) > 0 || res.ContentLength != int64(len(raw)) {
				t.Fatalf("Transfer-Encoding %v, Content-Length %d for a body of %d bytes", res.TransferEncoding, res.ContentLength, len(raw))
			}
			if sc.encoding == "" && (len(raw) < 4<<10 || !strings.Contains(string(raw), `"days":[`)) {
				t.Fatalf("want a plain answer larger than net/http's buffer: %d bytes %.200s", len(raw), raw)
			}
		})
	}
}
