package jabra

import "errors"

// parseFields: TEMPORARY item walker until device/hid/descriptor lands.
func parseFields(desc []byte) ([]reportField, error) {
	var out []reportField
	var page, topPage uint16
	var size, count int
	var id byte
	depth := 0
	for i := 0; i < len(desc); {
		b := desc[i]
		if b == 0xFE {
			if i+2 >= len(desc) {
				return nil, errors.New("truncated")
			}
			i += 3 + int(desc[i+1])
			continue
		}
		n := int(b & 3)
		if n == 3 {
			n = 4
		}
		if i+1+n > len(desc) {
			return out, nil
		}
		var v uint32
		for k := 0; k < n; k++ {
			v |= uint32(desc[i+1+k]) << (8 * k)
		}
		switch b & 0xFC {
		case 0x04:
			page = uint16(v)
		case 0x74:
			size = int(v)
		case 0x94:
			count = int(v)
		case 0x84:
			id = byte(v)
		case 0xA0:
			if depth == 0 {
				topPage = page
			}
			depth++
		case 0xC0:
			depth--
		case 0x80, 0x90:
			out = append(out, reportField{output: b&0xFC == 0x90, reportID: id, page: topPage, bits: size * count})
		}
		i += 1 + n
	}
	return out, nil
}
