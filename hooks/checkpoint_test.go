package hooks

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// TestCheckpointerOffTheWriter: data.db's connections leave checkpoints to
// the checkpointer (their own bound is walAutoCheckpointFrames, the
// auxiliary database keeps SQLite's 1,000); a checkpoint copies the log
// back from a reader connection; the loop runs until the app terminates.
func TestCheckpointerOffTheWriter(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir(), DBConnect: DBConnect})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	var frames int
	if err := app.NonconcurrentDB().NewQuery("PRAGMA wal_autocheckpoint").Row(&frames); err != nil {
		t.Fatal(err)
	}
	if want := walAutoCheckpointFrames; itoa(frames) != want {
		t.Fatalf("data.db's writer checkpoints every %d frames, want %s", frames, want)
	}
	if err := app.AuxNonconcurrentDB().NewQuery("PRAGMA wal_autocheckpoint").Row(&frames); err != nil {
		t.Fatal(err)
	}
	if frames != 1000 {
		t.Fatalf("auxiliary.db checkpoints every %d frames, want SQLite's 1000", frames)
	}

	if _, err := app.NonconcurrentDB().NewQuery("CREATE TABLE cp (v TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := app.NonconcurrentDB().NewQuery("INSERT INTO cp (v) VALUES ({:v})").Bind(map[string]any{"v": itoa(i)}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{app: app}
	logFrames, copied, err := s.checkpointOnce()
	if err != nil {
		t.Fatal(err)
	}
	if logFrames == 0 || copied != logFrames {
		t.Fatalf("checkpoint after 50 writes: %d frames in the log, %d copied back; want all of a non-empty log", logFrames, copied)
	}

	s.startCheckpointer(time.Millisecond)
	for deadline := time.Now().Add(waitBound); s.checkpoints.Load() < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the checkpointer ran %d times within %s", s.checkpoints.Load(), waitBound)
		}
	}
	if err := app.OnTerminate().Trigger(&core.TerminateEvent{App: app}); err != nil { // returns once the loop ended
		t.Fatal(err)
	}
	n := s.checkpoints.Load()
	if _, _, err := s.checkpointOnce(); err != nil {
		t.Fatal(err)
	}
	if s.checkpoints.Load() != n {
		t.Fatal("the checkpointer ran on after the app terminated")
	}
}
