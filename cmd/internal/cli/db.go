package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/earshot-app/earshot/store"
)

// dbCheckJSON is `earshot db check --json`.
type dbCheckJSON struct {
	File     string   `json:"File"`
	Sound    bool     `json:"Sound"`
	Values   int      `json:"Values"`   // stored entries checked and found sound
	Problems []string `json:"Problems"` // one sentence each; [] when sound
}

// dbRepairJSON is `earshot db repair --json`.
type dbRepairJSON struct {
	File        string             `json:"File"`
	Repaired    bool               `json:"Repaired"`    // false: the file was sound, nothing was done
	DamagedFile string             `json:"DamagedFile"` // the damaged file, kept beside it; "" when not repaired
	Kept        int                `json:"Kept"`        // entries copied into the repaired file
	Salvaged    int                `json:"Salvaged"`    // of Kept, found by reading the damaged file page by page
	LostValues  int                `json:"LostValues"`  // entries whose checksum did not match: left out
	LostParts   []string           `json:"LostParts"`   // parts that could not be read, one sentence each
	Kinds       []dbRepairKindJSON `json:"Kinds"`       // per kind of entry; [] when not repaired
}

// dbRepairKindJSON is one kind of entry in `earshot db repair --json`.
type dbRepairKindJSON struct {
	Kind     string `json:"Kind"`     // events, parked events, endpoints, devices, calls, camera sessions, settings, device management
	Kept     int    `json:"Kept"`     // in the repaired file
	Salvaged int    `json:"Salvaged"` // of Kept, found on pages the file's tree no longer reached
	Lost     int    `json:"Lost"`     // known lost (for events: also the gaps in the queue)
}

// runDB is `earshot db check|repair`: check reports damage in the database
// (bbolt's own consistency check and every entry's checksum) and exits 1
// when there is any; repair copies everything readable into a fresh file,
// keeps the damaged one beside it and says what was lost. Both need the
// database free: stop Earshot first.
func runDB(e *env, args []string) error {
	if len(args) != 1 || (args[0] != "check" && args[0] != "repair") {
		return misuse{e.t.T("cli.db.usage")}
	}
	path := e.dbPath()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return errors.New(e.t.T("cli.db.none", "File", path))
	}
	rep, err := store.CheckFile(path, time.Second)
	if errors.Is(err, store.ErrLocked) {
		return errors.New(e.t.T("cli.db.locked", "Dir", e.o.data))
	}
	if err != nil {
		return err
	}
	if args[0] == "check" {
		if e.o.json {
			if err := writeJSON(e, dbCheckJSON{File: path, Sound: rep.OK(), Values: rep.Values, Problems: append([]string{}, rep.Problems...)}); err != nil {
				return err
			}
		} else if rep.OK() {
			fmt.Fprintln(e.stdout, e.t.N("cli.db.sound", rep.Values, "File", path))
		} else {
			for _, p := range rep.Problems {
				fmt.Fprintln(e.stdout, p)
			}
		}
		if !rep.OK() {
			return errors.New(e.t.N("cli.db.damaged", len(rep.Problems), "File", path))
		}
		return nil
	}
	if rep.OK() {
		if e.o.json {
			return writeJSON(e, dbRepairJSON{File: path, LostParts: []string{}, Kinds: []dbRepairKindJSON{}})
		}
		fmt.Fprintln(e.stdout, e.t.N("cli.db.sound", rep.Values, "File", path))
		return nil
	}
	r, err := store.RepairFile(path, time.Now())
	if errors.Is(err, store.ErrLocked) {
		return errors.New(e.t.T("cli.db.locked", "Dir", e.o.data))
	}
	if err != nil {
		return errors.New(e.t.T("cli.db.repairFailed", "File", path, "Err", err))
	}
	ev := r.Kind("events")
	e.log.Warn("database repaired", "file", path, "damagedCopy", r.DamagedPath, "kept", r.Kept, "salvaged", r.Salvaged,
		"lostValues", r.LostValues, "lostParts", r.LostParts, "eventsKept", ev.Kept, "eventsLost", ev.Lost)
	if e.o.json {
		kinds := []dbRepairKindJSON{}
		for _, k := range r.Kinds {
			kinds = append(kinds, dbRepairKindJSON(k))
		}
		return writeJSON(e, dbRepairJSON{File: path, Repaired: true, DamagedFile: r.DamagedPath, Kept: r.Kept, Salvaged: r.Salvaged,
			LostValues: r.LostValues, LostParts: append([]string{}, r.LostParts...), Kinds: kinds})
	}
	fmt.Fprintln(e.stdout, e.t.T("cli.db.repaired", "Kept", r.Kept, "Lost", r.LostCount(), "Path", r.DamagedPath))
	fmt.Fprintln(e.stdout, e.t.T("cli.db.repairedEvents", "Kept", ev.Kept, "Salvaged", ev.Salvaged, "Lost", ev.Lost))
	for _, p := range r.LostParts {
		fmt.Fprintln(e.stdout, "  "+p)
	}
	return nil
}
