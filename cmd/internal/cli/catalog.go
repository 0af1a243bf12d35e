package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/spf13/afero"

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
	Files []string // the files that load
	catalog.Stats
	Problems []catalogProblem
	Unusable []string // the files refused for their errors (docs/command-line.md)
}

type catalogProblem struct {
	File     string
	Line     int
	Severity catalog.Severity
	Message  string
}

// runCatalog is `earshot catalog check FILE|DIR...`: parse catalog XML files
// and cross-check them with each other and with the embedded catalog (so a
// mapping may name Earshot's own settings). It prints every problem, the
// files its errors make unusable, and the counts of what the usable files
// hold; errors exit 1, warnings do not. A path that does not exist, or a
// folder without an XML file, is an error named in one line.
func runCatalog(e *env, args []string) error {
	if len(args) < 2 || args[0] != "check" {
		return misuse{e.t.T("cli.catalog.usage")}
	}
	var b catalog.Builder
	b.AddFS(assets.Catalog(), ".", "embedded")
	embedded := len(b.Files())
	var own []catalog.Problem // what the command finds before the parser
	for _, p := range args[1:] {
		if msg := e.catalogPathProblem(p); msg != "" {
			own = append(own, catalog.Problem{Pos: catalog.Position{File: p}, Severity: catalog.Error, Msg: msg})
			continue
		}
		b.AddPath(e.fs, p)
	}
	_, built := b.Build()
	files := b.Files()[embedded:]
	rep := catalogReport{Stats: catalog.CountFiles(files), Files: []string{}, Problems: []catalogProblem{}, Unusable: []string{}}
	kept := map[string]bool{}
	for _, f := range files {
		rep.Files = append(rep.Files, f.Name)
		kept[f.Name] = true
	}
	// A file with errors that was not kept is unusable; the parser's note
	// that it was skipped and "the rest of the catalog loads" is about
	// starting Earshot, not about checking files, so it is left out.
	unusable := map[string]bool{}
	for _, p := range built {
		if p.Severity == catalog.Error && !kept[p.Pos.File] && !unusable[p.Pos.File] {
			unusable[p.Pos.File] = true
			rep.Unusable = append(rep.Unusable, p.Pos.File)
		}
	}
	var probs []catalog.Problem
	for _, p := range append(own, built...) {
		if p.Severity == catalog.Warning && p.Pos.Line == 0 && unusable[p.Pos.File] {
			continue
		}
		probs = append(probs, p)
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
		if len(files) > 0 {
			fmt.Fprintln(e.stdout, e.t.T("cli.catalog.summary", "Files", len(files), "Definitions", rep.Definitions,
				"Models", rep.Models, "Variants", rep.Variants, "Firmware", rep.FirmwareVersions))
		}
	}
	if errs == 0 {
		return nil
	}
	failed := e.t.N("cli.catalog.failed", errs, "Count", errs, "Files", strings.Join(args[1:], " "))
	if len(rep.Unusable) == 0 {
		return errors.New(failed)
	}
	refused := e.t.N("cli.catalog.unusable", len(rep.Unusable), "Files", strings.Join(rep.Unusable, ", "))
	inUnusable := 0
	for _, p := range probs {
		if p.Severity == catalog.Error && unusable[p.Pos.File] {
			inUnusable++
		}
	}
	if inUnusable == errs { // the refusal says it all
		return errors.New(refused)
	}
	return errors.New(failed + "; " + refused)
}

// catalogPathProblem says what keeps p from being checked at all: it does
// not exist, or it is a folder without an XML file; "" when it can be read
// (the parser reports anything else, with its file and line).
func (e *env) catalogPathProblem(p string) string {
	st, err := e.fs.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return e.t.T("cli.catalog.noSuchPath")
	case err != nil || !st.IsDir():
		return ""
	}
	entries, err := afero.ReadDir(e.fs, p)
	if err != nil {
		return ""
	}
	for _, en := range entries {
		if !en.IsDir() && strings.EqualFold(filepath.Ext(en.Name()), ".xml") {
			return ""
		}
	}
	return e.t.T("cli.catalog.noXML")
}
