package booking

import (
	"errors"
	"testing"
)

func TestNext(t *testing.T) {
	const bad = Status("") // marks a transition that must fail
	scenarios := []struct {
		from   Status
		action Action
		want   Status
	}{
		{Pending, Confirm, Confirmed},
		{Pending, Decline, Declined},
		{Pending, Cancel, Cancelled},
		{Pending, Reschedule, Pending},
		{Confirmed, Confirm, bad},
		{Confirmed, Decline, bad},
		{Confirmed, Cancel, Cancelled},
		{Confirmed, Reschedule, Confirmed},
		{Cancelled, Confirm, bad},
		{Cancelled, Decline, bad},
		{Cancelled, Cancel, bad},
		{Cancelled, Reschedule, bad},
		{Declined, Confirm, bad},
		{Declined, Decline, bad},
		{Declined, Cancel, bad},
		{Declined, Reschedule, bad},
		{AwaitingPayment, Pay, Confirmed},
		{AwaitingPayment, Expire, Cancelled},
		{AwaitingPayment, Cancel, Cancelled},
		{AwaitingPayment, Confirm, bad},
		{AwaitingPayment, Decline, bad},
		{AwaitingPayment, Reschedule, bad},
		{Cancelled, Pay, Confirmed}, // a late payment reinstates (the door re-checks the slot)
		{Cancelled, Expire, bad},
		{Confirmed, Pay, bad},
		{Confirmed, Expire, bad},
		{Pending, Pay, bad},
		{Declined, Pay, bad},
		{Status("archived"), Cancel, bad},
		{Status(""), Confirm, bad},
		{Pending, Action("delete"), bad},
	}
	for _, s := range scenarios {
		t.Run(string(s.from)+"/"+string(s.action), func(t *testing.T) {
			got, err := Next(s.from, s.action)
			if s.want == bad {
				if !errors.Is(err, ErrTransition) {
					t.Fatalf("Next = %q, %v; want an ErrTransition", got, err)
				}
				if got != s.from {
					t.Errorf("status on error = %q, want it unchanged (%q)", got, s.from)
				}
				return
			}
			if err != nil || got != s.want {
				t.Fatalf("Next = %q, %v; want %q", got, err, s.want)
			}
		})
	}
}

func TestNextMessage(t *testing.T) {
	_, err := Next(Declined, Cancel)
	if want := "invalid status transition: cannot cancel a declined booking"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestInitialStatusAndLive(t *testing.T) {
	if got := InitialStatus(true); got != Pending {
		t.Errorf("InitialStatus(true) = %q", got)
	}
	if got := InitialStatus(false); got != Confirmed {
		t.Errorf("InitialStatus(false) = %q", got)
	}
	scenarios := []struct {
		status Status
		live   bool
	}{
		{Pending, true}, {Confirmed, true}, {AwaitingPayment, true}, {Cancelled, false}, {Declined, false}, {Status("other"), false},
	}
	for _, s := range scenarios {
		t.Run(string(s.status), func(t *testing.T) {
			if got := s.status.Live(); got != s.live {
				t.Errorf("Live() = %v, want %v", got, s.live)
			}
		})
	}
}
