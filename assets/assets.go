// Package assets embeds what Earshot ships inside its binary: the icons, the
// demo scenario and (with the catalog issue) the built-in catalog.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed demo.json icons
var files embed.FS

// DemoScenario is the embedded scenario that `--demo` plays (SPEC §9).
func DemoScenario() []byte { return mustRead("demo.json") }

// AppIconPNG is Earshot's application icon, 512×512, rendered from
// icons/earshot.svg (`rsvg-convert -w 512 -h 512`): tray hosts and window
// managers want a raster image.
func AppIconPNG() []byte { return mustRead("icons/earshot.png") }

// Icon returns the embedded icon file icons/<name>.svg.
func Icon(name string) ([]byte, error) { return fs.ReadFile(files, "icons/"+name+".svg") }

func mustRead(name string) []byte {
	b, err := fs.ReadFile(files, name)
	if err != nil {
		panic("assets: " + name + ": " + err.Error())
	}
	return b
}
