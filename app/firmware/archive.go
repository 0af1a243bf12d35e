package firmware

import (
	"archive/zip"
	"cmp"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/earshot-app/earshot/device"
)

// Limits bound what a firmware archive may hold, against oversize files and
// compression bombs.
type Limits struct {
	// MaxArchive is the largest archive downloaded or staged, in bytes.
	MaxArchive int64
	// MaxMember is the largest uncompressed member, in bytes.
	MaxMember int64
	// MaxTotal is the largest sum of uncompressed members, in bytes.
	MaxTotal int64
	// MaxRatio is the largest uncompressed ÷ compressed size of a member
	// bigger than ratioFloor.
	MaxRatio int64
	// MaxMembers is the most members an archive may have.
	MaxMembers int
}

// DefaultLimits suit headset, speakerphone and camera firmware, which is
// tens of megabytes at most.
var DefaultLimits = Limits{
	MaxArchive: 512 << 20,
	MaxMember:  256 << 20,
	MaxTotal:   1 << 30,
	MaxRatio:   100,
	MaxMembers: 4096,
}

// ratioFloor is the size under which a member's compression ratio is not
// checked: small files of zeros compress very well and harm nobody.
const ratioFloor = 1 << 20

// InfoName is the name of the archive member that describes it.
const InfoName = "info.xml"

// ErrInvalidArchive is wrapped by every error that says the archive itself
// is wrong (rather than that it could not be read).
var ErrInvalidArchive = errors.New("invalid firmware archive")

// Archive is an opened, checked firmware archive.
type Archive struct {
	Info    Info
	lim     Limits
	members map[string]*zip.File
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArchive, fmt.Sprintf(format, args...))
}

// OpenArchive reads the zip directory of r (size bytes) and checks it: every
// member name is a plain relative path (no "..", no absolute path, no drive,
// no backslash), no member is a link or encrypted, no two members share a
// name or bytes of the archive, declared sizes and compression ratios are within lim, info.xml is
// there and valid, and every file it lists is a member. Verify reads the
// members themselves.
func OpenArchive(r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	if size > lim.MaxArchive {
		return nil, invalid("%d bytes is more than the %d allowed", size, lim.MaxArchive)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, invalid("not a zip file: %v", err)
	}
	if zr == nil {
		return nil, invalid("not a zip file: %v", err)
	}
	if len(zr.File) > lim.MaxMembers {
		return nil, invalid("%d members is more than the %d allowed", len(zr.File), lim.MaxMembers)
	}
	a := &Archive{lim: lim, members: make(map[string]*zip.File, len(zr.File))}
	folded := make(map[string]bool, len(zr.File))
	var total uint64
	for _, f := range zr.File {
		if err := checkName(f.Name); err != nil {
			return nil, invalid("member %q: %v", f.Name, err)
		}
		mode := f.Mode()
		switch {
		case !mode.IsDir() && !mode.IsRegular():
			return nil, invalid("member %q is not a regular file", f.Name)
		case f.Flags&0x1 != 0:
			return nil, invalid("member %q is encrypted", f.Name)
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			if f.UncompressedSize64 != 0 {
				return nil, invalid("folder %q has content", f.Name)
			}
			continue
		}
		key := strings.ToLower(f.Name)
		if folded[key] {
			return nil, invalid("two members are named %q", f.Name)
		}
		folded[key] = true
		if f.UncompressedSize64 > uint64(lim.MaxMember) {
			return nil, invalid("member %q unpacks to %d bytes, more than the %d allowed", f.Name, f.UncompressedSize64, lim.MaxMember)
		}
		if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > f.CompressedSize64*uint64(lim.MaxRatio) {
			return nil, invalid("member %q unpacks %d bytes into %d, more than %d times: a compression bomb",
				f.Name, f.CompressedSize64, f.UncompressedSize64, lim.MaxRatio)
		}
		total += f.UncompressedSize64
		if total > uint64(lim.MaxTotal) {
			return nil, invalid("members unpack to more than the %d bytes allowed", lim.MaxTotal)
		}
		a.members[f.Name] = f
	}
	if err := checkOverlap(zr.File, size); err != nil {
		return nil, err
	}
	inf := a.members[InfoName]
	if inf == nil {
		return nil, invalid("no %s", InfoName)
	}
	if inf.UncompressedSize64 > maxInfoSize {
		// The limit's own message, as ParseInfo gives it for a body that
		// arrived whole.
		return nil, invalid("info.xml: %d bytes is more than the %d allowed", inf.UncompressedSize64, maxInfoSize)
	}
	raw, err := a.read(inf, maxInfoSize)
	if err != nil {
		return nil, err
	}
	if a.Info, err = ParseInfo(raw); err != nil {
		return nil, invalid("%v", err)
	}
	for _, fi := range a.Info.Files {
		if err := checkName(fi.Name); err != nil {
			return nil, invalid("info.xml names file %q: %v", fi.Name, err)
		}
		if a.members[fi.Name] == nil {
			return nil, invalid("info.xml names file %q, which the archive lacks", fi.Name)
		}
	}
	return a, nil
}

// checkOverlap refuses members whose data share bytes of the archive, or
// lie past its end. A zip with overlapping entries declares many large
// members over one small compressed body (55 KB declaring 1 002 members of
// 1 MB each), which the per-member limits alone let through.
func checkOverlap(files []*zip.File, size int64) error {
	type span struct {
		name       string
		start, end int64
	}
	spans := make([]span, 0, len(files))
	for _, f := range files {
		off, err := f.DataOffset()
		if err != nil {
			return invalid("member %q: %v", f.Name, err)
		}
		if f.CompressedSize64 > uint64(size) || off < 0 || off > size-int64(f.CompressedSize64) {
			return invalid("member %q lies past the end of the archive", f.Name)
		}
		if f.CompressedSize64 > 0 {
			spans = append(spans, span{f.Name, off, off + int64(f.CompressedSize64)})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return invalid("members %q and %q overlap: a zip of overlapping entries", spans[i-1].name, spans[i].name)
		}
	}
	return nil
}

// checkName accepts a relative slash-separated path that stays inside the
// folder it is unpacked into.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case strings.ContainsAny(name, "\x00\\"):
		return errors.New("backslash or NUL in the name")
	case strings.HasPrefix(name, "/"):
		return errors.New("absolute path")
	case len(name) >= 2 && name[1] == ':':
		return errors.New("drive letter")
	}
	for _, el := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		switch el {
		case "..":
			return errors.New(`".." leaves the archive's folder`)
		case "", ".":
			return errors.New("empty or \".\" path element")
		}
	}
	if path.Clean(strings.TrimSuffix(name, "/")) != strings.TrimSuffix(name, "/") {
		return errors.New("not a clean path")
	}
	return nil
}

// read returns the content of member f, refusing more than limit bytes
// whatever its header says.
func (a *Archive) read(f *zip.File, limit int64) ([]byte, error) {
	rc, err := a.open(f, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// open opens member f for reading, failing a read past limit bytes or past
// its declared size, and on a CRC mismatch at the end.
func (a *Archive) open(f *zip.File, limit int64) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, invalid("open member %q: %v", f.Name, err)
	}
	if int64(f.UncompressedSize64) < limit {
		limit = int64(f.UncompressedSize64)
	}
	return &cappedReader{rc: rc, left: limit, name: f.Name}, nil
}

// cappedReader fails once more than left bytes come out of rc.
type cappedReader struct {
	rc   io.ReadCloser
	left int64
	name string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, invalid("member %q unpacks to more than it declares", c.name)
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, invalid("member %q unpacks to more than it declares", c.name)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = invalid("member %q: %v", c.name, err)
	}
	return n, err
}

func (c *cappedReader) Close() error { return c.rc.Close() }

// Verify reads every member to its end, so that a member whose data is
// longer than its header says, or whose CRC-32 is wrong, is found before an
// update starts.
func (a *Archive) Verify() error {
	for _, f := range a.members {
		rc, err := a.open(f, a.lim.MaxMember)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			if errors.Is(err, ErrInvalidArchive) {
				return err
			}
			return invalid("member %q: %v", f.Name, err)
		}
	}
	return nil
}

// Image describes the archive to a driver; each file opens its member.
// language and region are what the configuration asked for ("" = keep).
func (a *Archive) Image(language, region string) device.FirmwareImage {
	img := device.FirmwareImage{
		Version:    a.Info.Version,
		ProductIDs: append([]uint16(nil), a.Info.ProductIDs...),
		Language:   language,
		Region:     region,
	}
	for _, fi := range a.Info.Files {
		f := a.members[fi.Name]
		img.Files = append(img.Files, device.FirmwareFile{
			Name: fi.Name, Language: fi.Language, CRC: fi.CRC, Partition: fi.Partition,
			Open: func() (io.ReadCloser, error) { return a.open(f, a.lim.MaxMember) },
		})
	}
	return img
}
