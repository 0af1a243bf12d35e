package calls

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/earshot-app/earshot/store"
)

// TestSeedDemoHistoryOnce: the first demo start on a folder writes two weeks
// of calls, all in the past; later starts write nothing more.
func TestSeedDemoHistoryOnce(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "earshot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 1, 19, 51, 0, 0, time.Local)
	count := func() int {
		c, err := st.Calls(store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range c {
			if r.End.After(now) {
				t.Errorf("a seeded call ends in the future: %v", r.End)
			}
		}
		return len(c)
	}
	steps := []struct {
		name   string
		run    func() (bool, error)
		seeded bool
	}{
		{"first start", func() (bool, error) { return SeedDemoHistoryOnce(st, dir, now) }, true},
		{"second start", func() (bool, error) { return SeedDemoHistoryOnce(st, dir, now) }, false},
		{"third start", func() (bool, error) { return SeedDemoHistoryOnce(st, dir, now.Add(48*time.Hour)) }, false},
	}
	var first int
	for i, s := range steps {
		seeded, err := s.run()
		if err != nil || seeded != s.seeded {
			t.Fatalf("%s: seeded %v, %v; want %v", s.name, seeded, err, s.seeded)
		}
		n := count()
		if i == 0 {
			first = n
			if n < 20 {
				t.Fatalf("%s: %d calls, want two weeks' worth", s.name, n)
			}
		} else if n != first {
			t.Errorf("%s: %d calls, want still %d", s.name, n, first)
		}
	}
}
