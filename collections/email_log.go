package collections

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// EmailLog is the name of the e-mail log: one record per booking e-mail job
// that finished, sent or deliberately skipped. Its id is the id of the job
// that sent it, which is how a job run twice knows it already sent.
const EmailLog = "email_log"

// EmailLogID is the fixed id of the email_log collection.
const EmailLogID = "sb_email_log"

// Fields of the email_log collection.
const (
	EmailLogBooking   = "booking"
	EmailLogKind      = "kind"
	EmailLogRole      = "role"
	EmailLogRecipient = "recipient"
	EmailLogSubject   = "subject"
	EmailLogMessageID = "message_id"
	EmailLogStatus    = "status"
	EmailLogTransport = "transport"
	EmailLogFile      = "file"
	EmailLogNote      = "note"
	EmailLogAt        = "at"
)

// Status values of email_log.status.
const (
	EmailSent    = "sent"
	EmailSkipped = "skipped"
)

// EmailLogged reports whether the e-mail of job id was recorded (sent or
// skipped): one primary-key read, without loading the record.
func EmailLogged(app core.App, id string) (bool, error) {
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM ` + EmailLog + ` WHERE id = {:id}`).Bind(dbx.Params{"id": id}).Row(&n)
	if err != nil {
		return false, fmt.Errorf("email log: %w", err)
	}
	return n > 0, nil
}
