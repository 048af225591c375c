package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/queue"
)

// KindEmailSend sends one booking e-mail to one recipient: a confirmation,
// a change, or (with run_after at its time) a reminder.
const KindEmailSend = "email.send"

// How long e-mail jobs keep trying while the SMTP server is unreachable:
// the queue's backoff for the first emailPatience attempts, then every
// emailRetryEvery (without spending attempts) until the mail is stale (the
// meeting is over, or has started for a reminder).
const (
	emailPatience   = 6
	emailRetryEvery = 30 * time.Minute
)

// emailJob is the payload of a KindEmailSend job.
type emailJob struct {
	Booking string    `json:"booking"`
	Kind    mail.Kind `json:"kind"`
	Role    mail.Role `json:"role"`
	// Host is the host's id in host e-mails.
	Host string `json:"host,omitempty"`
	// Sequence is the booking's sequence the e-mail was made for: a booking
	// changed since (a higher sequence) has a newer e-mail on its way.
	Sequence int `json:"sequence"`
	// ByHost says a cancellation came from the host side (an admin).
	ByHost bool `json:"by_host,omitempty"`
	// Token is the sealed manage token, in invitee e-mails.
	Token string `json:"token,omitempty"`
	// Offset is a reminder's distance to the start, in minutes.
	Offset int `json:"offset,omitempty"`
	// Released marks a host e-mail to a host the change took off the
	// booking: a cancellation of the previous time for them.
	Released bool `json:"released,omitempty"`
}

// emailKind is the e-mail a booking event asks for ("" for none).
func emailKind(event, status string) mail.Kind {
	switch event {
	case "created":
		if status == c.StatusPending {
			return mail.Requested
		}
		return mail.Confirmed
	case "confirmed":
		return mail.Approved
	case "declined":
		return mail.Declined
	case "rescheduled":
		return mail.Rescheduled
	case "cancelled":
		return mail.Cancelled
	}
	return ""
}

// emailSubscriber enqueues, for one booking event, an e-mail to the invitee
// and one to each host, and the reminders of the booking's new time. Job ids
// derive from the event job's id, so a fan-out run twice enqueues once.
func emailSubscriber(tx core.App, ev bookingEvent, eventJobID string) error {
	r, err := tx.FindRecordById(c.Bookings, ev.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted in the admin UI since: nobody to write to
	} else if err != nil {
		return err
	}
	b := c.NewBooking(r)
	kind := emailKind(ev.Event, b.Status())
	if kind == "" {
		return nil
	}
	token := sealedTokenOf(b) // every mail to the invitee carries their link, whoever made the change
	if token == "" {
		token = ev.Token // an event written before bookings kept their sealed token
	}
	job := emailJob{Booking: b.Id, Kind: kind, Sequence: ev.Sequence, ByHost: ev.Actor != ActorInvitee}
	invitee := job
	invitee.Role, invitee.Token = mail.ToInvitee, token
	if err := enqueueOnce(tx, "email:"+eventJobID+":invitee", KindEmailSend, invitee, b.Id, ev.At); err != nil {
		return err
	}
	for _, hostID := range b.HostIDs() {
		host := job
		host.Role, host.Host = mail.ToHost, hostID
		if err := enqueueOnce(tx, "email:"+eventJobID+":host:"+hostID, KindEmailSend, host, b.Id, ev.At); err != nil {
			return err
		}
	}
	for _, hostID := range ev.ReleasedHosts {
		released := job
		released.Kind, released.Role, released.Host, released.Released = mail.Cancelled, mail.ToHost, hostID, true
		if err := enqueueOnce(tx, "email:"+eventJobID+":released:"+hostID, KindEmailSend, released, b.Id, ev.At); err != nil {
			return err
		}
	}
	return scheduleReminders(tx, ev, b, token)
}

// handleEmailSend runs a KindEmailSend job: it renders the e-mail from the
// booking as it is now, sends it, and records it in email_log under the
// job's id in the same committed write that ends the job (logEmail).
//
// Exactly once, as far as it goes: a job whose email_log record exists is
// done, so a job re-run after the record was written (its completion was
// lost, or it ran twice) sends nothing. The record and the job's end commit
// together, so a job on its first claim (Attempts 1) has no record and
// skips that read. What remains is at-least-once: a
// crash after the SMTP server accepted the message and before the record is
// written sends it again on the re-run — with the same Message-ID (derived
// from the job id), which lets receiving systems such as Gmail drop the copy.
// A session that fails after the server accepted the data (QUIT, RSET)
// counts as sent.
func (s *server) handleEmailSend(ctx context.Context, j queue.Job) error {
	var p emailJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return queue.Permanent(fmt.Errorf("payload: %w", err))
	}
	if j.Attempts != 1 { // a re-run: the first run may have sent and recorded it (logEmail ends the job in the same write)
		if logged, err := c.EmailLogged(s.app, j.ID); err != nil || logged {
			return err
		}
	}
	now := s.now()
	out, err := s.composeEmail(p, j.ID, now)
	if err != nil {
		return err
	}
	log := s.app.Logger().With("component", "email", "job", j.ID, "booking", p.Booking, "kind", p.Kind, "role", p.Role)
	if out.skip != "" {
		log.Info("e-mail skipped", "reason", out.skip)
		s.logEmail(j.ID, p, out, mail.Receipt{}, now)
		return nil
	}
	receipt, err := s.mailSender().Send(ctx, out.msg)
	if err != nil {
		return emailRetry(j, err, now)
	}
	if receipt.Transport == "file" {
		log.Info("e-mail written to a file (no SMTP server configured: admin UI → Settings → Mail settings)", "to", out.msg.To.Email, "path", receipt.Path)
		if !s.cfg.Quiet { // PocketBase logs only to its database outside dev mode: tell the terminal too
			fmt.Printf("mail: no SMTP server configured; wrote %s (to %s)\n", shortPath(receipt.Path), out.msg.To.Email)
		}
	} else {
		log.Info("e-mail sent", "to", out.msg.To.Email, "message_id", out.msg.ID)
	}
	s.logEmail(j.ID, p, out, receipt, now)
	return nil
}

// emailRetry decides what a failed send does next: a message that cannot be
// built never will be; a permanent SMTP rejection uses the queue's attempts
// (an admin may fix the settings meanwhile); an unreachable or busy server
// is retried with backoff, then every emailRetryEvery without giving up.
func emailRetry(j queue.Job, err error, now time.Time) error {
	switch {
	case errors.Is(err, mail.ErrInvalidMessage):
		return queue.Permanent(err)
	case errors.Is(err, mail.ErrRejected):
		return err
	case j.Attempts >= emailPatience:
		return &queue.DeferError{Until: now.Add(emailRetryEvery), Reason: err.Error()}
	default:
		return err
	}
}

// logEmail records a finished e-mail job in email_log and marks the job
// done, both in one write through the group committer (shared with the
// bookings and job outcomes waiting at that moment), so the worker's own
// Complete finds the job done and writes nothing. A failure is only logged:
// the mail is out, and failing the job would send it again (the worker then
// completes the job itself).
func (s *server) logEmail(jobID string, p emailJob, out composed, receipt mail.Receipt, now time.Time) {
	status, note := c.EmailSent, ""
	if out.skip != "" {
		status, note = c.EmailSkipped, out.skip
	}
	values := map[string]any{
		c.EmailLogBooking: p.Booking, c.EmailLogKind: string(p.Kind), c.EmailLogRole: string(p.Role),
		c.EmailLogRecipient: out.msg.To.Email, c.EmailLogSubject: truncate(out.msg.Subject, 500),
		c.EmailLogMessageID: out.msg.ID, c.EmailLogStatus: status, c.EmailLogTransport: receipt.Transport,
		c.EmailLogFile: receipt.Path, c.EmailLogNote: truncate(note, 1000), c.EmailLogAt: now,
	}
	write := s.app.RunInTransaction
	if s.writes != nil {
		write = s.writes.Run
	}
	err := write(func(tx core.App) error { // may run twice (an aborted batch): builds everything afresh
		r, err := newRecord(tx, c.EmailLog, values)
		if err != nil {
			return err
		}
		r.Id = jobID
		if err := tx.Save(r); err != nil {
			return err
		}
		return s.jobsDone.markDone(tx, jobID)
	})
	if err != nil {
		s.app.Logger().Error("email: recording a finished e-mail (a re-run of the job may send it again)", "job", jobID, "error", err)
	}
}

// shortPath is path relative to the working directory when it lies below it.
func shortPath(path string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}
