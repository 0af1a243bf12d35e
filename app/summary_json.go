package app

import (
	"strconv"
	"unicode/utf8"
)

// AppendSummariesJSON appends devs as `earshot devices --json` prints them:
// byte for byte what encoding/json's Encoder with a two-space indent
// writes for a []DeviceSummary, newline included (TestSummariesJSON holds
// it to that for every exported field, so a field added to DeviceSummary
// and not here fails). A short command's start is counted in
// milliseconds, and encoding/json's reflection, first used cold in a
// fresh process, was a tenth of `earshotd devices` (docs/PERFORMANCE.md,
// "Issue 13").
func AppendSummariesJSON(b []byte, devs []DeviceSummary) []byte {
	if devs == nil {
		return append(b, "null\n"...)
	}
	if len(devs) == 0 {
		return append(b, "[]\n"...)
	}
	b = append(b, '[')
	for i, d := range devs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n  {"...)
		b = jsonField(b, "DeviceName", true)
		b = appendJSONString(b, d.DeviceName)
		for _, f := range [...]struct{ key, v string }{
			{"Kind", d.Kind}, {"VendorId", d.VendorID}, {"ProductId", d.ProductID}, {"VariantType", d.VariantType},
			{"ESN", d.ESN}, {"FirmwareVersion", d.FirmwareVersion}, {"ConnectionType", d.ConnectionType},
			{"Parent", d.Parent}, {"InstanceId", d.InstanceID},
		} {
			b = appendJSONString(jsonField(b, f.key, false), f.v)
		}
		b = jsonField(b, "BatteryLevel", false)
		if d.BatteryLevel == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, int64(*d.BatteryLevel), 10)
		}
		b = appendJSONBool(jsonField(b, "BatteryLow", false), d.BatteryLow)
		b = appendJSONBool(jsonField(b, "BatteryCharging", false), d.BatteryCharging)
		b = append(b, "\n  }"...)
	}
	return append(b, "\n]\n"...)
}

// jsonField starts a field of an object nested in the top-level array.
func jsonField(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, "\n    \""...)
	b = append(b, key...)
	return append(b, "\": "...)
}

func appendJSONBool(b []byte, v *bool) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendBool(b, *v)
}

// appendJSONString quotes s as encoding/json does by default: ", \ and
// control characters escaped, <, > and & as \u003c, \u003e and \u0026,
// invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
