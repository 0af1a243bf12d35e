package firmware

import "github.com/earshot-app/earshot/device/catalog"

// Catalog tells which firmware versions a model has, with release notes
// (resource-mapping of docs/catalog.md).
type Catalog interface {
	Releases(vendorID, productID uint16, variant string) []Release
}

// Release is one firmware version of a model in the catalog.
type Release struct {
	Version string
	URL     string
	Notes   string
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
		out[i] = Release{Version: fw.Version, URL: fw.File, Notes: fw.ReleaseNote}
	}
	return out
}
