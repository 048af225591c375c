package hooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/queue"
	"github.com/slotbase/slotbase/internal/testenv"
)

// TestEmailSMTPOutage: with the SMTP server down, 20 bookings still succeed
// at once while the worker fails to mail; when the server comes back every
// mail is delivered exactly once, the job rows show the retries, and a job
// that runs again (its completion lost) sends nothing twice.
func TestEmailSMTPOutage(t *testing.T) {
	// The sink starts half-way: skip now, not after the outage, without aiosmtpd.
	testenv.Python(t, "aiosmtpd", "python3-aiosmtpd")
	port := testenv.FreePort(t) // nothing listens here yet: connection refused
	env := newEmailEnv(t, port, nil)

	// The worker runs (and fails) while the bookings come in.
	ctx, stop := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); env.srv.worker.Run(ctx) }()

	var starts []string
	for i := range 16 { // Monday 09:00–16:30 London (GMT)
		starts = append(starts, testNow.Add(9*time.Hour+time.Duration(i)*30*time.Minute).Format(time.RFC3339))
	}
	for i := range 4 { // Tuesday 09:00–10:30
		starts = append(starts, testNow.Add(33*time.Hour+time.Duration(i)*30*time.Minute).Format(time.RFC3339))
	}
	began := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]string{} // booking id → invitee address
	for i, start := range starts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := fmt.Sprintf("guest%02d@example.com", i)
			code, body := postJSON(t, http.DefaultClient, env.url+"/api/bookings", map[string]any{
				"event_type": "call", "start": start, "name": fmt.Sprintf("Guest %d", i), "email": email, "timezone": "Europe/London",
			}, nil)
			if code != http.StatusCreated {
				t.Errorf("booking %s: %d %v", start, code, body)
				return
			}
			mu.Lock()
			ids[body["id"].(string)] = email
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Every mail fails and is retried only when the test clock moves, so a
	// booking that waited for its mail to be delivered would never answer.
	if len(ids) != 20 {
		t.Fatalf("%d of 20 bookings succeeded", len(ids))
	}
	t.Logf("20 bookings answered 201 in %s with the SMTP server down", time.Since(began))

	// Wait until the running worker has tried (and failed) every mail once.
	emailJobs := func() []*c.Job {
		records, err := env.app.FindRecordsByFilter(c.Jobs, "kind = {:k} && payload !~ 'reminder'", "", 0, 0, map[string]any{"k": KindEmailSend})
		if err != nil {
			t.Fatal(err)
		}
		jobs := make([]*c.Job, len(records))
		for i, r := range records {
			jobs[i] = c.NewJob(r)
		}
		return jobs
	}
	deadline := time.Now().Add(time.Minute)
	for {
		tried := 0
		for _, j := range emailJobs() {
			if j.Attempts() >= 1 && j.Status() == c.JobPending {
				tried++
			}
		}
		if tried == 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a minute only %d of 40 mails were tried", tried)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	<-workerDone

	// Still down: one more round of retries after the backoff.
	env.clock.Add(5 * time.Second)
	env.drain(t)

	// The server comes back; the next retries deliver.
	sink := testenv.StartSMTPSink(t, port)
	env.clock.Add(10 * time.Second)
	env.drain(t)
	env.clock.Add(time.Minute) // nothing left to retry
	env.drain(t)

	got := sink.Messages(t)
	if len(got) != 40 {
		t.Fatalf("%d mails delivered, want 40 (20 invitees + 20 host notifications)", len(got))
	}
	perBooking := map[string][]string{}
	msgIDs := map[string]bool{}
	for _, m := range got {
		thread := strings.TrimSuffix(strings.TrimPrefix(m.Msg.Header.Get("References"), "<booking-"), "@acme.test>")
		perBooking[thread] = append(perBooking[thread], m.RcptTos...)
		msgIDs[m.Msg.MessageID] = true
	}
	for id, email := range ids {
		rcpts := perBooking[id]
		if len(rcpts) != 2 || !(rcpts[0] == email && rcpts[1] == "alice@example.com" || rcpts[1] == email && rcpts[0] == "alice@example.com") {
			t.Errorf("booking %s: mails to %v, want one to %s and one to alice@example.com", id, rcpts, email)
		}
	}
	if len(msgIDs) != 40 {
		t.Errorf("%d distinct Message-IDs for 40 mails", len(msgIDs))
	}
	for _, j := range emailJobs() {
		if j.Status() != c.JobDone || j.Attempts() != 3 || !strings.Contains(j.LastError(), "connection refused") {
			t.Fatalf("job %s: status %s attempts %d last_error %q; want done after 3 attempts, the refusals recorded", j.Id, j.Status(), j.Attempts(), j.LastError())
		}
	}

	// A job whose completion was lost runs again: email_log says it was
	// sent, so nothing goes out twice.
	j := emailJobs()[0]
	j.Set(c.JobsStatus, c.JobPending)
	if err := env.app.Save(j); err != nil {
		t.Fatal(err)
	}
	if n := env.drain(t); n != 1 {
		t.Fatalf("ran %d jobs, want the one re-run", n)
	}
	if n := len(sink.Messages(t)); n != 40 {
		t.Fatalf("%d mails after a job ran twice, want still 40", n)
	}
	if n := len(env.emailLog(t, "status = 'sent'", nil)); n != 40 {
		t.Fatalf("%d email_log records, want 40", n)
	}
}

// TestEmailRetry: what a failed send does next.
func TestEmailRetry(t *testing.T) {
	now := testNow
	refused := errors.New("dial failed: connect: connection refused")
	scenarios := []struct {
		name      string
		err       error
		attempts  int
		permanent bool
		deferred  bool
	}{
		{"unbuildable message", fmt.Errorf("x: %w", mail.ErrInvalidMessage), 1, true, false},
		{"rejected for good: the queue's attempts", fmt.Errorf("%w: 550 no such user", mail.ErrRejected), emailPatience + 1, false, false},
		{"server down: backoff first", refused, 1, false, false},
		{"server down for long: every 30 minutes, attempts unspent", refused, emailPatience, false, true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			err := emailRetry(queue.Job{Attempts: sc.attempts}, sc.err, now)
			var d *queue.DeferError
			if errors.Is(err, queue.ErrPermanent) != sc.permanent || errors.As(err, &d) != sc.deferred {
				t.Fatalf("err %v", err)
			}
			if sc.deferred && !d.Until.Equal(now.Add(emailRetryEvery)) {
				t.Fatalf("deferred until %s", d.Until)
			}
		})
	}
}
