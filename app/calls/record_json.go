package calls

import (
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends r as encoding/json would marshal it (the same keys in
// the same order, null for what was not observed), without reflection: the
// history of a fleet PC can hold a million calls, and `earshot calls
// --json` writes them all. TestAppendJSONMatchesMarshal holds it to
// json.Marshal.
func (r Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"CallId":`...)
	b = appendString(b, r.CallID)
	b = append(b, `,"ESN":`...)
	b = appendString(b, r.ESN)
	b = append(b, `,"DeviceName":`...)
	b = appendString(b, r.DeviceName)
	b = append(b, `,"Start":`...)
	b = appendTime(b, r.Start)
	b = append(b, `,"End":`...)
	b = appendTime(b, r.End)
	b = append(b, `,"CallDurationMinutes":`...)
	b = appendFloat(b, r.CallDurationMinutes)
	b = append(b, `,"TimesMuteButtonPressedDuringCall":`...)
	b = appendIntPtr(b, r.TimesMuteButtonPressedDuringCall)
	b = append(b, `,"TimesVolumeUpButtonPressedDuringCall":`...)
	b = appendIntPtr(b, r.TimesVolumeUpButtonPressedDuringCall)
	b = append(b, `,"TimesVolumeDownButtonPressedDuringCall":`...)
	b = appendIntPtr(b, r.TimesVolumeDownButtonPressedDuringCall)
	b = append(b, `,"AverageAudioExposureDb":`...)
	b = appendFloatPtr(b, r.AverageAudioExposureDb)
	b = append(b, `,"MaximumAudioExposureDb":`...)
	b = appendFloatPtr(b, r.MaximumAudioExposureDb)
	b = append(b, `,"AverageBackgroundNoiseDb":`...)
	b = appendFloatPtr(b, r.AverageBackgroundNoiseDb)
	b = append(b, `,"MaximumBackgroundNoiseDb":`...)
	b = appendFloatPtr(b, r.MaximumBackgroundNoiseDb)
	b = append(b, `,"TimesBoomArmBadlyPositioned":`...)
	b = appendIntPtr(b, r.TimesBoomArmBadlyPositioned)
	b = append(b, `,"MicrophoneMalfunctionDetected":`...)
	if r.MicrophoneMalfunctionDetected == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, *r.MicrophoneMalfunctionDetected)
	}
	b = append(b, `,"LinkQualityDistribution":`...)
	if r.LinkQualityDistribution == nil {
		b = append(b, "null"...)
	} else {
		keys := make([]string, 0, len(r.LinkQualityDistribution))
		for k := range r.LinkQualityDistribution {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendFloat(b, r.LinkQualityDistribution[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"LinkQualityIndicators":`...)
	switch {
	case r.LinkQualityIndicators == nil:
		b = append(b, "null"...)
	case r.LinkQualityIndicators.Dect == nil:
		b = append(b, `{"Dect":null}`...)
	default:
		b = append(b, `{"Dect":{"Handovers":`...)
		b = strconv.AppendInt(b, int64(r.LinkQualityIndicators.Dect.Handovers), 10)
		b = append(b, "}}"...)
	}
	b = append(b, `,"CallEndReason":`...)
	b = appendString(b, r.CallEndReason)
	b = append(b, `,"Kind":`...)
	b = appendString(b, r.Kind)
	b = append(b, `,"PeopleCountAtStart":`...)
	b = appendIntPtr(b, r.PeopleCountAtStart)
	b = append(b, `,"PeopleCountAtEnd":`...)
	b = appendIntPtr(b, r.PeopleCountAtEnd)
	b = append(b, `,"PeopleCountMin":`...)
	b = appendIntPtr(b, r.PeopleCountMin)
	b = append(b, `,"PeopleCountMax":`...)
	b = appendIntPtr(b, r.PeopleCountMax)
	b = append(b, `,"PeopleCountAverage":`...)
	b = appendFloatPtr(b, r.PeopleCountAverage)
	return append(b, '}')
}

// appendString quotes s as encoding/json does; strings that need escaping
// (quotes, control characters, <, >, &, invalid UTF-8, U+2028/9) go
// through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*p), 10)
}

func appendFloatPtr(b []byte, p *float64) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendFloat(b, *p)
}

// appendFloat formats f as encoding/json does: the shortest decimal that
// reads back the same, in exponent form below 1e-6 and from 1e21. A value
// json cannot hold (NaN, ±Inf) is written as null rather than breaking the
// array.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// JSONWriter writes calls as one JSON array, one call a line
// ("[\n{…},\n{…}\n]\n"), as they come: the shape of `earshot calls --json`
// and of the owner's GET /v1/calls, which the command can then pass through
// line by line without decoding it.
type JSONWriter struct {
	w   io.Writer
	buf []byte
	n   int
}

// NewJSONWriter returns a JSONWriter on w (buffer w for many calls).
func NewJSONWriter(w io.Writer) *JSONWriter { return &JSONWriter{w: w} }

// Write writes one call.
func (j *JSONWriter) Write(r Record) error {
	if j.n == 0 {
		j.buf = append(j.buf[:0], "[\n"...)
	} else {
		j.buf = append(j.buf[:0], ",\n"...)
	}
	j.n++
	j.buf = r.AppendJSON(j.buf)
	_, err := j.w.Write(j.buf)
	return err
}

// Close ends the array ("[]" when no call was written).
func (j *JSONWriter) Close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

// Count is how many calls were written.
func (j *JSONWriter) Count() int { return j.n }
