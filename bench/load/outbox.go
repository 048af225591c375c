package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// outboxDrainBound is how long the bench waits for the job worker to catch
// up after a booking load.
const outboxDrainBound = 2 * time.Minute

// outboxDue is the number of due jobs (GET /api/admin/status).
func outboxDue(base, token string) (int64, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/admin/status", nil)
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct{ Jobs struct{ Due int64 } }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status: %d %v", resp.StatusCode, err)
	}
	return out.Jobs.Due, nil
}

// outboxBacklog reports the jobs a booking load left due (fan-outs,
// e-mails) and how long the worker took to run them: a booking rate the
// outbox cannot follow only moves work to later.
func outboxBacklog(base, token string) string {
	t0 := time.Now()
	due, err := outboxDue(base, token)
	if err != nil {
		return "outbox backlog: " + err.Error()
	}
	left := due
	for left > 0 && time.Since(t0) < outboxDrainBound {
		time.Sleep(100 * time.Millisecond) // polling the condition, bounded above
		if left, err = outboxDue(base, token); err != nil {
			return "outbox backlog: " + err.Error()
		}
	}
	if left > 0 {
		return fmt.Sprintf("outbox backlog at the end of the load: %d due jobs, %d still due after %s", due, left, outboxDrainBound)
	}
	return fmt.Sprintf("outbox backlog at the end of the load: %d due jobs, all run %s later", due, time.Since(t0).Round(10*time.Millisecond))
}
