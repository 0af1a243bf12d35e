package firmware

import (
	"fmt"
	"io"

	"github.com/earshot-app/earshot/device/jabra/gncrc"
)

// CheckCRCs checks, for an archive in Jabra's own format, that every image
// whose info.xml entry has a crc has that GN checksum (docs/hardware.md §2.8),
// so that a damaged or mislabelled image is refused when it is staged
// rather than half-way through an update. Archives in Earshot's first
// format leave the crc to the driver that writes the image.
func (a *Archive) CheckCRCs() error {
	if !a.Info.GN {
		return nil
	}
	for _, fi := range a.Info.Files {
		if fi.CRC == "" {
			continue
		}
		want, err := gncrc.Parse(fi.CRC)
		if err != nil {
			return invalid("info.xml file %q: %v", fi.Name, err)
		}
		f := a.members[fi.Name]
		if f == nil {
			return invalid("info.xml names file %q, which the archive lacks", fi.Name)
		}
		rc, err := a.open(f, a.lim.MaxMember)
		if err != nil {
			return err
		}
		// The checksum walks the image from its end, so it is read whole;
		// MaxMember bounds it.
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return invalid("member %q: %v", fi.Name, err)
		}
		if got := gncrc.Checksum(data); got != want {
			return invalid("image %q has GN checksum %s, info.xml says %s", fi.Name, gncrc.Format(got), fmt.Sprintf("0x%08X", want))
		}
	}
	return nil
}
