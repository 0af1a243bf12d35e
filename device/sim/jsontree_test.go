package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/assets"
)

// stdTree decodes data as ParseScenario did before decodeJSONTree: one value
// through encoding/json's Decoder with UseNumber, then nothing but space.
func stdTree(data []byte) (v any, err error, trailing bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err, false
	}
	_, terr := dec.Token()
	return v, nil, terr != io.EOF
}

func depthOf(data []byte) int {
	depth, max, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == '{' || c == '['):
			depth++
			max = maxInt(max, depth)
		case !inString && (c == '}' || c == ']'):
			depth--
		}
	}
	return max
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

var jsonTreeCases = []string{
	``, ` `, `{}`, `[]`, `{"a": 1}`, `{"a": [1, 2.5, -0, 1e3, 1E-2, true, false, null, "x"]}`,
	`{"a": {"b": {"c": []}}}`, `{"a": 1, "a": 2}`, `"s"`, `12`, `{} x`, `{}}`,
	`{"a":}`, `{"a" 1}`, `{"a": 1,}`, `[1,]`, `[1 2]`, `{1: 2}`, `{"a": tru}`, `{"a": nul}`, `{"a": fals}`,
	`{"a": -}`, `{"a": 1.}`, `{"a": 1e}`, `{"a": 1e+}`, `{"a": 01}`, `{"a": .5}`, `{"a": +1}`,
	`{"a": "\u00e9\n\t\"\\\/\b\f\r"}`, `{"a": "\ud83d\ude00"}`, `{"a": "\ud83d"}`, `{"a": "\ud83dx"}`,
	`{"a": "\ud83d\u0041"}`, `{"a": "\udc00\ud83d\ude00"}`, `{"a": "\uZZZZ"}`, `{"a": "\x"}`, "{\"a\": \"\x01\"}",
	"{\"a\": \"\xff\xfe ok\"}", "{\"a\": \"é\"}", `{"a": "`, `{"a": "\`, `{"a": "\u12`, `[`, `{`, `{"a"`, `{"a":`,
	"\ufeff{}", "{\n\"speed\": }", `{"a": "'"}`, `{"a": '}`, "[\"\\ud800\\ud800\"]", `[1e999]`,
}

// TestJSONTreeAsEncodingJSON: the tree and the verdict are encoding/json's,
// and so are the words of the syntax errors, for every case above.
func TestJSONTreeAsEncodingJSON(t *testing.T) {
	for _, c := range append(jsonTreeCases, string(assets.DemoScenario())) {
		compareJSONTree(t, []byte(c), true)
	}
}

func compareJSONTree(t *testing.T, data []byte, sameWords bool) {
	t.Helper()
	got, err := decodeJSONTree(data)
	want, werr, trailing := stdTree(data)
	switch {
	case depthOf(data) > maxJSONDepth:
		return // deeper than the scenario format allows: refused, as it should be
	case werr == io.EOF:
		if err != errEmptyJSON {
			t.Errorf("%q: %v, want the empty-file error", data, err)
		}
	case werr != nil:
		if err == nil {
			t.Errorf("%q: accepted, encoding/json: %v", data, werr)
			return
		}
		var syn *json.SyntaxError
		if sameWords && errAs(werr, &syn) && err.Error() != werr.Error() {
			t.Errorf("%q: %q, encoding/json: %q", data, err, werr)
		}
	case trailing:
		if err != errTrailingJSON {
			t.Errorf("%q: %v, want the trailing-data error", data, err)
		}
	case err != nil:
		t.Errorf("%q: %v, encoding/json accepts it", data, err)
	case !reflect.DeepEqual(got, want):
		t.Errorf("%q:\n got %#v\nwant %#v", data, got, want)
	}
}

func errAs(err error, target **json.SyntaxError) bool {
	s, ok := err.(*json.SyntaxError)
	if ok {
		*target = s
	}
	return ok
}

// TestJSONTreeDepth: nesting is bounded, with one line saying so.
func TestJSONTreeDepth(t *testing.T) {
	deep := strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1)
	if _, err := decodeJSONTree([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested deeper than") {
		t.Fatalf("%d levels: %v", maxJSONDepth+1, err)
	}
	ok := strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	if _, err := decodeJSONTree([]byte(ok)); err != nil {
		t.Fatalf("%d levels: %v", maxJSONDepth, err)
	}
}

// FuzzDecodeJSONTree: on any input, decodeJSONTree accepts what
// encoding/json accepts and builds the same tree.
func FuzzDecodeJSONTree(f *testing.F) {
	for _, c := range jsonTreeCases {
		f.Add([]byte(c))
	}
	f.Add(assets.DemoScenario())
	f.Fuzz(func(t *testing.T, data []byte) {
		compareJSONTree(t, data, false)
	})
}

func BenchmarkParseDemoScenario(b *testing.B) {
	raw := assets.DemoScenario()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScenario(raw); err != nil {
			b.Fatal(err)
		}
	}
}
