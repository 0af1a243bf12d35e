//go:build linux

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestRealFullDisk fills a 1 MB tmpfs under the database: writes fail with
// ErrStorage and their events are counted, bbolt's check stays clean, and
// writes succeed again once space returns. It needs to mount (root); it is
// skipped, with the reason, where it cannot.
func TestRealFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a 1 MB tmpfs here (%v): needs root; TestFullDiskCountsWhatCannotBeStored injects a full disk instead", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, 0) })
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, 800<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(filepath.Join(dir, "earshot.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SetOutboxEndpoints(ctx, endpoints("a")); err != nil {
		t.Fatal(err)
	}
	stored, refused := 0, 0
	for i := 1; refused < 40 && i < 50000; i++ {
		err := s.Write(ctx, func(tx *Tx) error {
			if err := tx.SaveDevice(headset(fmt.Sprint("HS", i%5)), t0); err != nil {
				return err
			}
			return tx.Enqueue(event(i))
		})
		switch {
		case err == nil:
			stored++
		case errors.Is(err, ErrStorage):
			refused++
		default:
			t.Fatal(err)
		}
	}
	if refused == 0 {
		t.Fatal("the disk never filled")
	}
	st := status(t, s)
	if st.Unstored != uint64(refused) || !st.Storage.Failing || st.QueuedAfter(0) != uint64(stored) {
		t.Fatalf("stored %d, refused %d; unstored %d, queued %d, health %+v", stored, refused, st.Unstored, st.QueuedAfter(0), st.Storage)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("bbolt check on a full disk: %v", err)
	}
	// Space returns.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, event(999999))
	st = status(t, s)
	if st.Storage.Failing || st.Unstored != uint64(refused) || st.QueuedAfter(0) != uint64(stored+1) {
		t.Errorf("after space returned: %+v", st)
	}
	if devs, err := s.Devices(); err != nil || len(devs) != 5 {
		t.Errorf("devices %d, %v", len(devs), err)
	}
}
