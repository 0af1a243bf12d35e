package firmware

import (
	"path/filepath"
	"strings"

	"github.com/earshot-app/earshot/device/catalog"
)

// Catalog tells which firmware versions a model has, with release notes
// (resource-mapping of docs/catalog.md).
type Catalog interface {
	Releases(vendorID, productID uint16, variant string) []Release
}

// Release is one firmware version of a model in the catalog.
type Release struct {
	Version string
	URL     string // firmwareFile: a URL, or a path relative to Dir or to the device-management endpoint
	Notes   string
	// Dir is the folder of the catalog file that lists the version (a
	// file of CATALOGDIR), "" for Earshot's embedded catalog: a relative
	// URL names a file there first.
	Dir string
}

// CatalogReleases reads firmware versions and release notes from the
// resource-mapping part of a catalog (docs/catalog.md).
type CatalogReleases struct{ Catalog *catalog.Catalog }

// Releases returns the versions the catalog lists for the model.
func (c CatalogReleases) Releases(vendorID, productID uint16, variant string) []Release {
	if c.Catalog == nil {
		return nil
	}
	r, ok := c.Catalog.Resources(vendorID, productID, variant)
	if !ok {
		return nil
	}
	out := make([]Release, len(r.Firmware))
	for i, fw := range r.Firmware {
		out[i] = Release{Version: fw.Version, URL: fw.File, Notes: fw.ReleaseNote, Dir: catalogDir(fw.Pos.File)}
	}
	return out
}

// catalogDir is the folder of the catalog file named file, "" for a file of
// the embedded catalog (catalog.Load names those "embedded:NAME").
func catalogDir(file string) string {
	if file == "" || strings.HasPrefix(file, "embedded:") {
		return ""
	}
	return filepath.Dir(file)
}
