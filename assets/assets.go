// Package assets embeds what Earshot ships inside its binary: the icons, the
// demo scenario and (with the catalog issue) the built-in catalog.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed icons catalog
var files embed.FS

//go:embed demo.json
var demoJSON []byte

// DemoScenario is the embedded scenario that `--demo` plays
// (docs/simulator.md). It is the program's own copy: read it, never write it.
func DemoScenario() []byte { return demoJSON }

// AppIconPNG is Earshot's application icon, 512×512, rendered from
// icons/earshot.svg (`rsvg-convert -w 512 -h 512`): tray hosts and window
// managers want a raster image.
func AppIconPNG() []byte { return mustRead("icons/earshot.png") }

// Catalog is Earshot's own catalog (docs/catalog.md): the SettingsDefinition,
// Mapping and resource-mapping XML files at its root, which cover the demo's
// models and the settings the jabra driver writes.
func Catalog() fs.FS {
	sub, err := fs.Sub(files, "catalog")
	if err != nil {
		panic("assets: catalog: " + err.Error())
	}
	return sub
}

// Icon returns the embedded icon file icons/<name>.svg.
func Icon(name string) ([]byte, error) { return fs.ReadFile(files, "icons/"+name+".svg") }

func mustRead(name string) []byte {
	b, err := fs.ReadFile(files, name)
	if err != nil {
		panic("assets: " + name + ": " + err.Error())
	}
	return b
}
