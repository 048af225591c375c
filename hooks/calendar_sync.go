package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/queue"
)

// connectionSyncPayload is the payload of a calendar connection's sync job
// (calendar.Provider.SyncJob: KindCalDAVSync, KindICSSync; Google's
// gcalSyncPayload has the same shape).
type connectionSyncPayload struct {
	Connection string `json:"connection"`
	Reason     string `json:"reason"` // periodic, connect/added, manual
}

// syncJobConnection is the connection a sync job of provider is for, or
// nil, nil when there is nothing to sync (removed, disconnected, another
// kind). A database error is returned, so the job retries.
func (s *server) syncJobConnection(j queue.Job, provider string) (*connection, error) {
	var p connectionSyncPayload
	if err := decodePayload(j, &p); err != nil {
		return nil, err
	}
	r, err := s.app.FindRecordById(c.CalendarConnections, p.Connection)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // removed
	}
	if err != nil {
		return nil, fmt.Errorf("calendar connection %s: %w", p.Connection, err)
	}
	cn := &connection{r}
	if r.GetString(c.CalendarConnectionsProvider) != provider || cn.status() == c.ConnectionDisconnected {
		return nil, nil
	}
	return cn, nil
}

// enqueueConnectionSync asks for a sync job of kind for connection connID,
// at most once per key, and wakes the worker.
func (s *server) enqueueConnectionSync(kind, connID, reason, key string) error {
	err := s.app.RunInTransaction(func(tx core.App) error {
		return enqueueOnce(tx, kind+":"+connID+":"+key, kind, connectionSyncPayload{Connection: connID, Reason: reason}, "", s.now())
	})
	if err == nil {
		s.worker.Wake()
	}
	return err
}

// enqueuePeriodicSyncs schedules the periodic sync (job kind) of every
// connection of provider whose status is one of statuses, once per
// every-long time bucket.
func (s *server) enqueuePeriodicSyncs(provider, kind string, every time.Duration, statuses ...string) error {
	params := map[string]any{"p": provider}
	filter := anyOf(c.CalendarConnectionsStatus, statuses, params)
	records, err := s.app.FindRecordsByFilter(c.CalendarConnections, "provider = {:p} && "+filter, "", 0, 0, params)
	if err != nil {
		return err
	}
	bucket := s.now().Truncate(every).Format("200601021504")
	for _, r := range records {
		if err := s.enqueueConnectionSync(kind, r.Id, "periodic", "periodic:"+bucket); err != nil {
			return err
		}
	}
	return nil
}

// anyOf is a filter "(field = {:field0} || field = {:field1} …)" matching
// any of values, whose parameters it adds to params.
func anyOf(field string, values []string, params map[string]any) string {
	terms := make([]string, len(values))
	for i, v := range values {
		name := field + strconv.Itoa(i)
		terms[i] = field + " = {:" + name + "}"
		params[name] = v
	}
	return "(" + strings.Join(terms, " || ") + ")"
}
