package app

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// encodingJSON is what `earshot devices --json` printed before
// AppendSummariesJSON: encoding/json's Encoder with a two-space indent.
func encodingJSON(t testing.TB, devs []DeviceSummary) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(devs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var awkward = []string{"", "Jabra Evolve2 85", "a\"b\\c", "<script>&</script>", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "é ü 日本 🎧", "\xff\xfe bad", "line\u2028sep\u2029", "\xe2\x80", "'single'"}

// fill sets every exported field of d that has a JSON name from r: strings
// from the awkward ones, pointers nil or set. A field added to
// DeviceSummary is filled too, so AppendSummariesJSON must write it.
func fill(r *rand.Rand, d *DeviceSummary) {
	v := reflect.ValueOf(d).Elem()
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		if sf.Tag.Get("json") == "-" || !sf.IsExported() {
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(awkward[r.IntN(len(awkward))])
		case reflect.Bool:
			f.SetBool(r.IntN(2) == 0)
		case reflect.Int:
			f.SetInt(r.Int64N(201) - 100)
		case reflect.Pointer:
			if r.IntN(3) == 0 {
				continue
			}
			p := reflect.New(f.Type().Elem())
			switch p.Elem().Kind() {
			case reflect.Int:
				p.Elem().SetInt(r.Int64N(201) - 100)
			case reflect.Bool:
				p.Elem().SetBool(r.IntN(2) == 0)
			}
			f.Set(p)
		}
	}
}

func TestSummariesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := [][]DeviceSummary{nil, {}}
	for n := range 200 {
		devs := make([]DeviceSummary, 1+n%4)
		for i := range devs {
			fill(r, &devs[i])
		}
		cases = append(cases, devs)
	}
	for _, devs := range cases {
		if got, want := AppendSummariesJSON(nil, devs), encodingJSON(t, devs); !bytes.Equal(got, want) {
			t.Fatalf("AppendSummariesJSON:\n%s\nencoding/json:\n%s", got, want)
		}
	}
}

// FuzzAppendJSONString: any string is quoted as encoding/json quotes it.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range awkward {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, encoding/json: %s", s, got, want)
		}
	})
}

func BenchmarkSummariesJSON(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	devs := make([]DeviceSummary, 8)
	for i := range devs {
		fill(r, &devs[i])
	}
	b.Run("AppendSummariesJSON", func(b *testing.B) {
		for b.Loop() {
			AppendSummariesJSON(nil, devs)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			encodingJSON(b, devs)
		}
	})
}
