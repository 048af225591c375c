package icsfeed

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckURL(t *testing.T) {
	scenarios := []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://calendar.example.com/feed.ics", false, true},
		{"webcal://calendar.example.com/feed.ics", false, true},
		{"ftp://calendar.example.com/feed.ics", false, false},
		{"file:///etc/passwd", false, false},
		{"/relative.ics", false, false},
		{"https://user:pw@calendar.example.com/x.ics", false, false},
		{"http://127.0.0.1:8080/x.ics", false, false},
		{"http://10.1.2.3/x.ics", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://[::1]/x.ics", false, false},
		{"http://localhost/x.ics", false, false},
		{"http://100.64.0.1/x.ics", false, false},
		{"http://127.0.0.1:8080/x.ics", true, true},
	}
	for _, sc := range scenarios {
		_, err := CheckURL(sc.url, sc.allowPrivate)
		if (err == nil) != sc.ok {
			t.Errorf("%s (allowPrivate=%v): err %v, want ok=%v", sc.url, sc.allowPrivate, err, sc.ok)
		}
		if err != nil && !errors.Is(err, ErrURL) {
			t.Errorf("%s: %v does not wrap ErrURL", sc.url, err)
		}
	}
}

// Every dialled address is checked (a name resolving to a private address
// is caught there), and errors never carry the URL's secret path.
func TestFetchRefusesPrivateAddresses(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:80": false, "[::1]:443": false, "10.0.0.5:443": false, "192.168.1.1:80": false, "93.184.215.14:443": true} {
		if err := checkDial(addr, false); (err == nil) != ok {
			t.Errorf("checkDial(%s): %v, want ok=%v", addr, err, ok)
		}
	}
	if err := checkDial("127.0.0.1:80", true); err != nil {
		t.Errorf("allowed loopback refused: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))
	}))
	defer srv.Close()
	_, err := Fetch(context.Background(), srv.URL+"/secret-path-123.ics", FetchOptions{})
	if !errors.Is(err, ErrURL) || strings.Contains(err.Error(), "secret-path-123") {
		t.Fatalf("got %v, want a refusal wrapping ErrURL without the URL", err)
	}
	if _, err := Fetch(context.Background(), srv.URL+"/secret-path-123.ics", FetchOptions{AllowPrivate: true}); err != nil {
		t.Fatalf("allowed: %v", err)
	}
}
