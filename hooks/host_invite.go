package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail"
)

// Inviting a host (DESIGN.md, "Dashboard"): the admin's call makes (or
// re-uses) the host's host_users account and mails the host a link to
// PocketBase's own password-reset page carrying PocketBase's own reset
// token (Record.NewPasswordResetToken, what mails.SendRecordPasswordReset
// sends). Setting the password there ends the link; the host then signs in
// with auth-with-password on host_users and uses the /api/host/… routes.

// ActionHostInvited is the audit action of an invitation (on the account).
const ActionHostInvited = "host.invited"

// Errors of an invitation.
var (
	errNoHost       = errors.New("no such host")
	errHostInactive = errors.New("the host is inactive")
)

// handleInviteHost answers POST /api/admin/hosts/{id}/invite: 200 with
// {"host","email","invited":true,"delivery"} once the mail is out ("smtp",
// or "file" while no SMTP server is configured: see pb_data/mail).
func (s *server) handleInviteHost(e *core.RequestEvent) error {
	var host *c.Host
	var account *c.HostUser
	err := e.App.RunInTransaction(func(tx core.App) error {
		var err error
		host, account, err = prepareHostAccount(tx, actorOf(e), e.Request.PathValue("id"))
		return err
	})
	var fields validation.Errors
	switch {
	case errors.Is(err, errNoHost):
		return e.NotFoundError("No such host.", safeFields(map[string]error{"host": fieldErr("no host with this id")}))
	case errors.Is(err, errHostInactive):
		return badRequest(e, map[string]error{"host": fieldErr("is inactive: activate the host before inviting them")})
	case errors.As(err, &fields):
		return badRequest(e, map[string]error(fields))
	case err != nil:
		return e.InternalServerError("", err)
	}
	receipt, err := s.sendInvitation(e.Request.Context(), host, account)
	if err != nil {
		e.App.Logger().Error("host invitation not sent", "host", host.Id, "error", err)
		return e.Error(http.StatusBadGateway, "The host's account is ready but the invitation mail could not be sent: check Settings → Mail settings and invite again.", nil)
	}
	return e.JSON(http.StatusOK, map[string]any{"host": host.Id, "email": account.Email(), "invited": true, "delivery": receipt.Transport})
}

// prepareHostAccount makes or updates, in tx, the account of active host
// hostID and audits the invitation. A new account gets a random password
// nobody knows, so it cannot sign in before the host sets one. An account
// whose host's e-mail changed takes the new address and a new token key,
// which ends its sessions and every link sent to the old address.
func prepareHostAccount(tx core.App, actor Actor, hostID string) (*c.Host, *c.HostUser, error) {
	hr, err := tx.FindRecordById(c.Hosts, hostID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errNoHost
	} else if err != nil {
		return nil, nil, fmt.Errorf("loading host %s: %w", hostID, err)
	}
	host := c.NewHost(hr)
	if !host.Active() {
		return nil, nil, errHostInactive
	}
	account, err := c.FindHostUserByHost(tx, host.Id)
	var before *core.Record
	switch {
	case errors.Is(err, sql.ErrNoRows):
		col, err := tx.FindCachedCollectionByNameOrId(c.HostUsers)
		if err != nil {
			return nil, nil, err
		}
		account = c.NewHostUser(core.NewRecord(col))
		account.Set(c.HostUsersHost, host.Id)
		account.SetRandomPassword()
	case err != nil:
		return nil, nil, err
	default:
		before = account.Original()
	}
	if account.Email() != host.Email() {
		if before != nil {
			account.RefreshTokenKey()
			account.SetVerified(false)
		}
		account.SetEmail(host.Email())
	}
	if err := tx.Save(account); err != nil {
		return nil, nil, err
	}
	invitation := map[string]fieldChange{"invitation": {Old: nil, New: host.Email()}}
	return host, account, auditWith(tx, actor, ActionHostInvited, account.Record, before, invitation)
}

// sendInvitation mails host the link that sets the password of account,
// through slotbase's mail transport (SMTP from PocketBase's mail settings,
// else an .eml file in pb_data/mail, like every other slotbase mail).
func (s *server) sendInvitation(ctx context.Context, host *c.Host, account *c.HostUser) (mail.Receipt, error) {
	token, err := account.NewPasswordResetToken()
	if err != nil {
		return mail.Receipt{}, fmt.Errorf("reset token: %w", err)
	}
	site := s.site()
	link := invitationURL(site.adminBase, token)
	days := int(account.Collection().PasswordResetToken.DurationTime().Hours() / 24)
	msg := mail.Message{
		ID:      "invite-" + account.Id + "-" + strconv.FormatInt(s.now().UnixNano(), 36) + "@" + site.domain,
		Date:    s.now(),
		From:    site.from,
		To:      mail.Address{Name: host.Name(), Email: account.Email()},
		Subject: "You are invited to " + site.brand.OrgName + " on slotbase: set your password",
	}
	msg.Text, msg.HTML = invitationText(site.brand.OrgName, host.Name(), account.Email(), link, days)
	receipt, err := s.mailSender().Send(ctx, msg)
	if err != nil {
		return receipt, err
	}
	if receipt.Transport == "file" && !s.cfg.Quiet {
		fmt.Printf("mail: no SMTP server configured; wrote %s (to %s)\n", shortPath(receipt.Path), account.Email())
	}
	return receipt, nil
}

// invitationURL is the dashboard's welcome page, which sets the password
// from a PocketBase password-reset token (in the fragment: never sent to a
// server or written to a log) and then signs the host in.
func invitationURL(adminBase, token string) string {
	return strings.TrimRight(adminBase, "/") + dashboardPath + "#/welcome/" + token
}

// invitationText renders the invitation as plain text and HTML.
func invitationText(org, name, email, link string, days int) (text, htmlBody string) {
	validity := "The link works once"
	if days >= 1 {
		validity += ", for " + strconv.Itoa(days) + " day"
		if days > 1 {
			validity += "s"
		}
	}
	paragraphs := []string{
		"Hello " + name + ",",
		org + " invites you to slotbase as a host: you will see your bookings, confirm or decline requests, and keep your hours up to date.",
		"Set your password here (" + validity + "; ask your admin for a new one after that):",
		link,
		"Then sign in with this e-mail address (" + email + ") and your password.",
		"If you did not expect this invitation, ignore it: nothing happens until a password is set.",
	}
	var b strings.Builder
	for _, p := range paragraphs {
		if p == link {
			fmt.Fprintf(&b, "<p><a href=\"%s\">Set your password</a></p>\n", html.EscapeString(link))
			continue
		}
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
	}
	return strings.Join(paragraphs, "\n\n") + "\n", b.String()
}
