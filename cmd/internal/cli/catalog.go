package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/device/catalog"
)

// loadCatalog builds the catalog Earshot runs with: the embedded files, then
// those of CATALOGDIR (docs/configuration.md). A broken file is reported as a warning with
// its file and line, and skipped; the rest loads and Earshot starts.
func (e *env) loadCatalog() *catalog.Catalog {
	if e.cat != nil {
		return e.cat
	}
	c, probs := catalog.Load(assets.Catalog(), e.fs, e.cfg.CatalogDir)
	for _, p := range probs {
		e.log.Warn("catalog", "problem", p.Error())
		fmt.Fprintln(e.stderr, "earshot: "+e.t.T("cli.warning")+": "+e.t.T("cli.catalog.problem", "Problem", p.Error()))
	}
	e.cat = c
	return c
}

// catalogReport is what `earshot catalog check --json` prints.
type catalogReport struct {
	Files []string
	catalog.Stats
	Problems []catalogProblem
}

type catalogProblem struct {
	File     string
	Line     int
	Severity catalog.Severity
	Message  string
}

// runCatalog is `earshot catalog check FILE|DIR...`: parse catalog XML files
// and cross-check them with each other and with the embedded catalog (so a
// mapping may name Earshot's own settings). It prints every problem and the
// counts of what the files hold; errors exit 1, warnings do not.
func runCatalog(e *env, args []string) error {
	if len(args) < 2 || args[0] != "check" {
		return misuse{e.t.T("cli.catalog.usage")}
	}
	var b catalog.Builder
	b.AddFS(assets.Catalog(), ".", "embedded")
	embedded := len(b.Files())
	for _, p := range args[1:] {
		b.AddPath(e.fs, p)
	}
	_, probs := b.Build()
	files := b.Files()[embedded:]
	rep := catalogReport{Stats: catalog.CountFiles(files), Files: []string{}, Problems: []catalogProblem{}}
	for _, f := range files {
		rep.Files = append(rep.Files, f.Name)
	}
	errs := 0
	for _, p := range probs {
		rep.Problems = append(rep.Problems, catalogProblem{File: p.Pos.File, Line: p.Pos.Line, Severity: p.Severity, Message: p.Msg})
		if p.Severity == catalog.Error {
			errs++
		}
	}
	if e.o.json {
		if err := writeJSON(e, rep); err != nil {
			return err
		}
	} else {
		for _, p := range probs {
			fmt.Fprintln(e.stdout, p.Error())
		}
		fmt.Fprintln(e.stdout, e.t.T("cli.catalog.summary", "Files", len(files), "Definitions", rep.Definitions,
			"Models", rep.Models, "Variants", rep.Variants, "Firmware", rep.FirmwareVersions))
	}
	if errs > 0 {
		return errors.New(e.t.N("cli.catalog.failed", errs, "Count", errs, "Files", strings.Join(args[1:], " ")))
	}
	return nil
}
