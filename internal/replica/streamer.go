package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Streamer moves the change log from a Source to PostgreSQL: in order, in
// batches, resuming from the position stored in PostgreSQL, backing off
// while PostgreSQL is unreachable (the log keeps growing on the primary and
// drains when it returns).
type Streamer struct {
	// Source is the change log.
	Source Source
	// URL is the PostgreSQL connection URL (it is never logged).
	URL string
	// Schema is the PostgreSQL schema (DefaultSchema when empty).
	Schema string
	// BatchSize caps the changes per PostgreSQL transaction (500 when 0).
	BatchSize int
	// Poll is the wait between looks at an empty log (200 ms when 0).
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait after an error (1 s and 30 s when 0).
	MinBackoff, MaxBackoff time.Duration
	// MaxConnLifetime recycles the connection (10 min when 0), as poolers
	// in front of managed PostgreSQL expect.
	MaxConnLifetime time.Duration
	// Logger gets connection changes and errors (never the URL's password).
	Logger *slog.Logger
	// OnError is told each failed attempt (to persist the last error).
	OnError func(err error, at time.Time)
	// Now is the clock (required: the package never reads the wall clock
	// itself; without it Step fails with ErrNoClock).
	Now func() time.Time
	// Admit, when set, is asked before each batch of Run and returns when
	// the batch may run (a priority gate keeping the stream below public
	// work) and the function that says it ended; its error ends Run only
	// with ctx.
	Admit func(ctx context.Context) (release func(), err error)

	mu     sync.Mutex
	status Status
	target *Target
}

// Status is what the streamer knows about itself.
type Status struct {
	// Target names the database ("host:port/db", no credentials).
	Target string `json:"target"`
	// Connected tells whether the last attempt reached PostgreSQL.
	Connected bool `json:"connected"`
	// Position is the replica's position as last stored.
	Position Position `json:"position"`
	// Streamed counts the changes stored since the process started.
	Streamed int64 `json:"streamed"`
	// LastError is the last failure ("" after a success).
	LastError string `json:"last_error,omitempty"`
	// LastErrorAt is when it happened.
	LastErrorAt time.Time `json:"last_error_at"`
	// Failures counts consecutive failed attempts.
	Failures int `json:"failures"`
}

// Status returns a copy of the current status.
func (s *Streamer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Target = Describe(s.URL)
	return st
}

// Run streams until ctx ends (or at once, without a clock).
func (s *Streamer) Run(ctx context.Context) {
	defer s.closeTarget()
	backoff := time.Duration(0)
	for {
		n, err := s.admittedStep(ctx)
		if ctx.Err() != nil || errors.Is(err, ErrNoClock) {
			return
		}
		wait := s.poll()
		switch {
		case err != nil:
			backoff = nextBackoff(backoff, s.minBackoff(), s.maxBackoff())
			wait = backoff
		case n > 0:
			backoff, wait = 0, 0
		default:
			backoff = 0
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// admittedStep is Step once Admit (if set) lets the batch run.
func (s *Streamer) admittedStep(ctx context.Context) (int, error) {
	if s.Admit == nil {
		return s.Step(ctx)
	}
	release, err := s.Admit(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	return s.Step(ctx)
}

// Drain streams until the log is empty (or an error), then returns.
func (s *Streamer) Drain(ctx context.Context) error {
	defer s.closeTarget()
	for {
		n, err := s.Step(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
}

// Step stores one batch and returns how many changes it stored.
func (s *Streamer) Step(ctx context.Context) (int, error) {
	if s.Now == nil {
		return 0, ErrNoClock
	}
	n, err := s.step(ctx)
	now := s.Now().UTC()
	s.mu.Lock()
	if err != nil {
		s.status.Failures++
		first := s.status.Failures == 1 || s.status.Failures%20 == 0 || s.status.LastError != err.Error()
		s.status.LastError, s.status.LastErrorAt = err.Error(), now
		s.status.Connected = s.target != nil
		s.mu.Unlock()
		if s.Logger != nil && first {
			s.Logger.Warn("replica: PostgreSQL stream failing; changes wait in the change log and bookings go on", "target", Describe(s.URL), "error", err)
		}
		if s.OnError != nil {
			s.OnError(err, now)
		}
		if ctx.Err() == nil && !errors.Is(err, ErrOtherSource) {
			s.closeTarget()
		}
		return 0, err
	}
	recovered := s.status.Failures > 0
	s.status.Failures, s.status.LastError, s.status.Connected = 0, "", true
	s.status.Streamed += int64(n)
	pos := s.status.Position
	s.mu.Unlock()
	if recovered && s.Logger != nil {
		s.Logger.Info("replica: PostgreSQL stream resumed", "target", Describe(s.URL), "seq", pos.Seq)
	}
	return n, nil
}

func (s *Streamer) step(ctx context.Context) (int, error) {
	t, err := s.connect(ctx)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	after := s.status.Position.Seq
	s.mu.Unlock()
	changes, err := s.Source.Read(ctx, after, s.batchSize())
	if err != nil {
		return 0, fmt.Errorf("read change log: %w", err)
	}
	if len(changes) == 0 {
		return 0, nil
	}
	pos, err := t.Apply(ctx, s.Source.ID(), changes)
	if err != nil {
		return 0, err
	}
	s.setPosition(pos)
	s.ack(ctx, pos.Seq)
	return len(changes), nil
}

// ack prunes the source up to seq. A failure is logged and otherwise
// harmless: PostgreSQL has the changes, the next read starts after the
// position anyway, and the next ack prunes them.
func (s *Streamer) ack(ctx context.Context, seq int64) {
	if err := s.Source.Ack(ctx, seq); err != nil && s.Logger != nil && ctx.Err() == nil {
		s.Logger.Warn("replica: pruning the change log", "error", err)
	}
}

// connect opens (or recycles) the connection and settles the position:
// a fresh schema gets a snapshot of the primary first.
func (s *Streamer) connect(ctx context.Context) (*Target, error) {
	s.mu.Lock()
	t := s.target
	s.mu.Unlock()
	now := s.Now()
	if t != nil && t.Age(now) < s.maxLifetime() {
		return t, nil
	}
	s.closeTarget()
	t, err := Open(ctx, s.URL, s.Schema, now)
	if err != nil {
		return nil, err
	}
	pos, ok, err := t.Position(ctx)
	if err == nil && !ok {
		var first int64
		if first, err = s.Source.Snapshot(ctx); err == nil {
			pos, err = t.Claim(ctx, s.Source.ID(), first-1)
		}
	} else if err == nil && pos.Source != s.Source.ID() {
		err = fmt.Errorf("%w (replica of %s, this data dir is %s): restore from it with `slotbase replica restore`, or point at an empty database", ErrOtherSource, pos.Source, s.Source.ID())
	}
	if err != nil {
		t.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	s.setPosition(pos)
	s.mu.Lock()
	s.target = t
	s.mu.Unlock()
	s.ack(ctx, pos.Seq)
	return t, nil
}

func (s *Streamer) setPosition(pos Position) {
	s.mu.Lock()
	s.status.Position = pos
	s.mu.Unlock()
}

func (s *Streamer) closeTarget() {
	s.mu.Lock()
	t := s.target
	s.target = nil
	s.mu.Unlock()
	if t != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// The connection is dropped either way; a failed goodbye (usually
		// after the error that got it closed) is only worth a debug line.
		if err := t.Close(ctx); err != nil && s.Logger != nil {
			s.Logger.Debug("replica: closing the PostgreSQL connection", "error", err)
		}
	}
}

func (s *Streamer) batchSize() int      { return orInt(s.BatchSize, 500) }
func (s *Streamer) poll() time.Duration { return orDur(s.Poll, 200*time.Millisecond) }
func (s *Streamer) minBackoff() time.Duration {
	return orDur(s.MinBackoff, time.Second)
}
func (s *Streamer) maxBackoff() time.Duration  { return orDur(s.MaxBackoff, 30*time.Second) }
func (s *Streamer) maxLifetime() time.Duration { return orDur(s.MaxConnLifetime, 10*time.Minute) }

// nextBackoff doubles prev within [lo, hi].
func nextBackoff(prev, lo, hi time.Duration) time.Duration {
	next := prev * 2
	if next < lo {
		next = lo
	}
	if next > hi {
		next = hi
	}
	return next
}

func orInt(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func orDur(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}
