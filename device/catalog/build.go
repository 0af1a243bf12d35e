package catalog

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/afero"
)

// Catalog is the merged catalog: definitions by Name, and models and
// resources by (vid, pid, variant type) with a fallback to (vid, pid).
// It is read-only once built and safe for concurrent use.
type Catalog struct {
	defs     map[string]*Definition
	order    []string // definition names in the order first read
	models   index[*Model]
	res      index[*Resources]
	files    []*File
	problems []Problem
}

type variantKey struct {
	vid, pid uint16
	variant  string
}

func keyOf(v Variant) variantKey { return variantKey{v.VendorID, v.ProductID, v.Type} }

// index finds entries by full key, then by (vid, pid) without a variant
// type, then by the first variant mapped for (vid, pid).
type index[T any] struct {
	full  map[variantKey]T
	first map[variantKey]variantKey // (vid, pid, "") → first full key mapped
}

func newIndex[T any]() index[T] {
	return index[T]{full: map[variantKey]T{}, first: map[variantKey]variantKey{}}
}

func (ix *index[T]) find(vid, pid uint16, variant string) (T, bool) {
	if v, ok := ix.full[variantKey{vid, pid, NormalizeVariant(variant)}]; ok {
		return v, true
	}
	if v, ok := ix.full[variantKey{vid, pid, ""}]; ok {
		return v, true
	}
	k, ok := ix.first[variantKey{vid, pid, ""}]
	if !ok {
		var zero T
		return zero, false
	}
	return ix.full[k], true
}

// put maps k to v, merged with what k held before.
func (ix *index[T]) put(k variantKey, v T, merge func(old, new T) T) {
	if old, ok := ix.full[k]; ok {
		v = merge(old, v)
	}
	ix.full[k] = v
	pk := variantKey{k.vid, k.pid, ""}
	if _, ok := ix.first[pk]; !ok {
		ix.first[pk] = k
	}
}

// Builder merges catalog files in the order they are added. A later file
// adds to the earlier ones: a definition with the same Name replaces the
// earlier one, a model the same variant maps to gains its settings, and
// resources gain its firmware versions. A file with an Error problem is
// refused as a whole.
type Builder struct {
	files    []*File
	problems []Problem
}

// Add parses one file and keeps it unless it has errors. It reports whether
// the file was kept.
func (b *Builder) Add(name string, data []byte) bool {
	f, probs := Parse(name, data)
	b.problems = append(b.problems, probs...)
	if HasErrors(probs) {
		b.problems = append(b.problems, Problem{Pos: Position{File: name}, Severity: Warning,
			Msg: "file skipped because of the errors above; the rest of the catalog loads"})
		return false
	}
	b.files = append(b.files, f)
	return true
}

// AddFS adds every *.xml file of dir in fsys (not its subfolders), in name
// order. label prefixes the names problems carry ("embedded").
func (b *Builder) AddFS(fsys fs.FS, dir, label string) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		b.problems = append(b.problems, Problem{Pos: Position{File: label + ":" + dir}, Severity: Error, Msg: err.Error()})
		return
	}
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(path.Ext(e.Name()), ".xml") {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			b.problems = append(b.problems, Problem{Pos: Position{File: label + ":" + name}, Severity: Error, Msg: err.Error()})
			continue
		}
		b.Add(label+":"+e.Name(), data)
	}
}

// AddBuiltin adds Earshot's own catalog files as AddFS does (labelled
// "embedded") and marks their definitions Builtin, so the layers that know
// the user's language can show them translated (docs/catalog.md).
func (b *Builder) AddBuiltin(fsys fs.FS, dir string) {
	n := len(b.files)
	b.AddFS(fsys, dir, "embedded")
	for _, f := range b.files[n:] {
		for _, d := range f.Definitions {
			d.Builtin = true
		}
	}
}

// AddPath adds a file, or every *.xml file of a folder (not its
// subfolders) in name order, from afs. Problems carry the path as given.
func (b *Builder) AddPath(afs afero.Fs, p string) {
	fail := func(name string, err error) {
		b.problems = append(b.problems, Problem{Pos: Position{File: name}, Severity: Error, Msg: err.Error()})
	}
	st, err := afs.Stat(p)
	if err != nil {
		fail(p, fmt.Errorf("cannot read: %w", err))
		return
	}
	if !st.IsDir() {
		data, err := afero.ReadFile(afs, p)
		if err != nil {
			fail(p, fmt.Errorf("cannot read: %w", err))
			return
		}
		b.Add(p, data)
		return
	}
	entries, err := afero.ReadDir(afs, p)
	if err != nil {
		fail(p, fmt.Errorf("cannot read the folder: %w", err))
		return
	}
	for _, e := range entries { // sorted by name
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".xml") {
			continue
		}
		name := filepath.Join(p, e.Name())
		data, err := afero.ReadFile(afs, name)
		if err != nil {
			fail(name, fmt.Errorf("cannot read: %w", err))
			continue
		}
		b.Add(name, data)
	}
}

// Files are the files kept so far.
func (b *Builder) Files() []*File { return b.files }

// Build merges the files kept and cross-checks them: a mapping that names a
// setting no kept file defines is an Error, and that reference is dropped.
// It returns every problem met since the Builder was made.
func (b *Builder) Build() (*Catalog, []Problem) {
	c := &Catalog{
		defs:   map[string]*Definition{},
		models: newIndex[*Model](),
		res:    newIndex[*Resources](),
		files:  b.files,
	}
	for _, f := range b.files {
		for _, d := range f.Definitions {
			if _, seen := c.defs[d.Name]; !seen {
				c.order = append(c.order, d.Name)
			}
			c.defs[d.Name] = d
		}
	}
	probs := slices.Clone(b.problems)
	for _, f := range b.files {
		for _, m := range f.Models {
			m = c.checked(m, &probs)
			for _, v := range m.Variants {
				c.models.put(keyOf(v), m, mergeModels)
			}
		}
		for _, r := range f.Resources {
			for _, v := range r.Variants {
				c.res.put(keyOf(v), r, mergeResources)
			}
		}
	}
	c.problems = probs
	return c, probs
}

// checked returns m without the settings no definition has, reporting each.
func (c *Catalog) checked(m *Model, probs *[]Problem) *Model {
	var missing []int
	for i, name := range m.Settings {
		if c.defs[name] == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return m
	}
	out := *m
	out.Settings, out.settingPos = nil, nil
	for i, name := range m.Settings {
		if slices.Contains(missing, i) {
			*probs = append(*probs, Problem{Pos: m.settingPos[i], Severity: Error,
				Msg: fmt.Sprintf("device %q names setting %s, which no SettingsDefinition defines; it is left out", m.Name, name)})
			continue
		}
		out.Settings = append(out.Settings, name)
		out.settingPos = append(out.settingPos, m.settingPos[i])
	}
	return &out
}

// mergeModels is m as a later file maps it over old: the later name, and
// the settings of both (earlier ones first).
func mergeModels(old, m *Model) *Model {
	if old == m {
		return m
	}
	merged := *m
	merged.Settings = slices.Clone(old.Settings)
	merged.settingPos = slices.Clone(old.settingPos)
	for i, s := range m.Settings {
		if !slices.Contains(merged.Settings, s) {
			merged.Settings = append(merged.Settings, s)
			merged.settingPos = append(merged.settingPos, m.settingPos[i])
		}
	}
	return &merged
}

// mergeResources is r as a later file maps it over old: the later name and
// images (when it has them), and the firmware versions of both (a later
// entry for the same version replaces the earlier).
func mergeResources(old, r *Resources) *Resources {
	if old == r {
		return r
	}
	merged := *r
	if merged.ImageURL == "" {
		merged.ImageURL = old.ImageURL
	}
	if merged.ThumbnailURL == "" {
		merged.ThumbnailURL = old.ThumbnailURL
	}
	merged.Firmware = nil
	for _, fw := range old.Firmware {
		if _, replaced := r.Version(fw.Version); !replaced {
			merged.Firmware = append(merged.Firmware, fw)
		}
	}
	merged.Firmware = append(merged.Firmware, r.Firmware...)
	return &merged
}

// Definition returns the definition called name.
func (c *Catalog) Definition(name string) (*Definition, bool) {
	d, ok := c.defs[name]
	return d, ok
}

// Definitions returns every definition in the order first read.
func (c *Catalog) Definitions() []*Definition {
	out := make([]*Definition, len(c.order))
	for i, n := range c.order {
		out[i] = c.defs[n]
	}
	return out
}

// Model returns the model that maps (vid, pid, variant), or failing that
// (vid, pid) under any variant type.
func (c *Catalog) Model(vid, pid uint16, variant string) (*Model, bool) {
	return c.models.find(vid, pid, variant)
}

// Resources returns the images and firmware of (vid, pid, variant), or
// failing that of (vid, pid) under any variant type.
func (c *Catalog) Resources(vid, pid uint16, variant string) (*Resources, bool) {
	return c.res.find(vid, pid, variant)
}

// Files are the files the catalog was built from.
func (c *Catalog) Files() []*File { return c.files }

// Problems are the problems met while building the catalog.
func (c *Catalog) Problems() []Problem { return c.problems }

// Stats counts what the catalog's files hold.
func (c *Catalog) Stats() Stats { return CountFiles(c.files) }

// Load builds the catalog Earshot runs with: the embedded files (the *.xml
// of embedded's root), then those of dir in afs when dir is not empty
// (CATALOGDIR, docs/configuration.md). A broken file is reported and skipped; the rest
// loads.
func Load(embedded fs.FS, afs afero.Fs, dir string) (*Catalog, []Problem) {
	var b Builder
	b.AddBuiltin(embedded, ".")
	if dir != "" {
		b.AddPath(afs, dir)
	}
	return b.Build()
}

// Empty is a catalog without files.
func Empty() *Catalog {
	c, _ := (&Builder{}).Build()
	return c
}
