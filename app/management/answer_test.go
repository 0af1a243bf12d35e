package management

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

var answerTests = []struct {
	name    string
	body    string
	want    Answer
	wantErr string // part of the refusal; "" = accepted
}{
	{name: "the example of docs/device-management.md",
		body: `{ "firmware": { "version": "2.0.0", "downloadUrl": "Firmware/Jabra-Evolve-75-2.0.0.zip" },
		  "settings": { "AUDIO_PROTECTION": "5", "WIRELESS_RANGE": "3" } }`,
		want: Answer{Firmware: Firmware{Version: "2.0.0", DownloadURL: "Firmware/Jabra-Evolve-75-2.0.0.zip"},
			Settings: map[string]string{"AUDIO_PROTECTION": "5", "WIRELESS_RANGE": "3"}}},
	{name: "both empty: nothing to manage", body: `{"firmware": {}, "settings": {}}`, want: Answer{Settings: map[string]string{}}},
	{name: "unknown keys ignored", body: `{"firmware": {"version": "1", "downloadUrl": "x.zip", "sha": "ab"}, "settings": {}, "v2": [1]}`,
		want: Answer{Firmware: Firmware{Version: "1", DownloadURL: "x.zip"}, Settings: map[string]string{}}},
	{name: "scalars read as import reads them; objects rejected alone",
		body: `{"firmware": {}, "settings": {"A": 5, "B": "2", "C": null, "D": ["x"], "E": true, "F": {"v": 1}}}`,
		want: Answer{Settings: map[string]string{"A": "5", "B": "2", "C": "", "E": "true"}, BadValues: map[string]string{
			"D": "the value is an array, not a string", "F": "the value is an object, not a string"}}},
	{name: "missing firmware", body: `{"settings": {}}`, wantErr: `the "firmware" key is missing`},
	{name: "missing settings", body: `{"firmware": {}}`, wantErr: `the "settings" key is missing`},
	{name: "firmware not an object", body: `{"firmware": "2.0.0", "settings": {}}`, wantErr: `"firmware" is a string, not an object`},
	{name: "firmware null", body: `{"firmware": null, "settings": {}}`, wantErr: `"firmware" is null`},
	{name: "settings an array", body: `{"firmware": {}, "settings": [["A", "1"]]}`, wantErr: `"settings" is an array`},
	{name: "version a number", body: `{"firmware": {"version": 2, "downloadUrl": "x"}, "settings": {}}`, wantErr: "firmware.version is a number"},
	{name: "version not numeric", body: `{"firmware": {"version": "latest", "downloadUrl": "x"}, "settings": {}}`, wantErr: "not a whole number"},
	{name: "no downloadUrl", body: `{"firmware": {"version": "2.0"}, "settings": {}}`, wantErr: "firmware.downloadUrl is missing"},
	{name: "empty downloadUrl", body: `{"firmware": {"version": "2.0", "downloadUrl": " "}, "settings": {}}`, wantErr: "downloadUrl is empty"},
	{name: "not JSON", body: `<html><body>Login</body></html>`, wantErr: "not JSON"},
	{name: "empty", body: ``, wantErr: "empty body"},
	{name: "array at the top", body: `[{"firmware": {}, "settings": {}}]`, wantErr: "top level is a JSON array"},
	{name: "null at the top", body: `null`, wantErr: "top level is null"},
	{name: "two objects", body: `{"firmware": {}, "settings": {}} {"firmware": {}, "settings": {}}`, wantErr: "more data after"},
	{name: "truncated", body: `{"firmware": {}, "settings": {"A": "1"`, wantErr: "not JSON"},
	{name: "control characters in a name", body: `{"firmware": {}, "settings": {"A\u0000B": "1"}}`, wantErr: "control characters"},
	{name: "not UTF-8", body: "{\"firmware\": {}, \"settings\": {\"A\": \"\xff\"}}", wantErr: "not UTF-8"},
	{name: "a huge value", body: `{"firmware": {}, "settings": {"A": "` + strings.Repeat("x", maxValueLen+1) + `"}}`,
		want: Answer{Settings: map[string]string{}, BadValues: map[string]string{"A": "the value is longer than 4096 characters"}}},
}

func TestParseAnswer(t *testing.T) {
	for _, tc := range answerTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAnswer([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrHostileAnswer) {
					t.Fatalf("ParseAnswer error = %v, want a refusal containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Firmware != tc.want.Firmware || !maps.Equal(got.Settings, tc.want.Settings) || !maps.Equal(got.BadValues, tc.want.BadValues) {
				t.Errorf("ParseAnswer = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseAnswerRefusesHugeBodies(t *testing.T) {
	_, err := ParseAnswer([]byte(`{"firmware": {}, "settings": {"A": "` + strings.Repeat("x", MaxAnswerBytes) + `"}}`))
	if !errors.Is(err, ErrHostileAnswer) || !strings.Contains(err.Error(), "allowed") {
		t.Fatalf("err = %v", err)
	}
	many := `{"firmware": {}, "settings": {`
	for i := range maxSettings + 1 {
		if i > 0 {
			many += ","
		}
		many += `"S` + strings.Repeat("x", i%7) + string(rune('A'+i%26)) + itoa(i) + `": "1"`
	}
	many += `}}`
	if _, err := ParseAnswer([]byte(many)); err == nil || !strings.Contains(err.Error(), "settings is more than") {
		t.Fatalf("many settings: %v", err)
	}
}

func itoa(i int) string {
	s := ""
	for {
		s = string(rune('0'+i%10)) + s
		i /= 10
		if i == 0 {
			return s
		}
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, tc := range answerTests {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseAnswer(body)
		if err != nil {
			if !errors.Is(err, ErrHostileAnswer) {
				t.Fatalf("error %v is not a refusal", err)
			}
			return
		}
		if a.Settings == nil {
			t.Fatal("accepted an answer without settings")
		}
		if (a.Firmware.Version == "") != (a.Firmware.DownloadURL == "") {
			t.Fatalf("half a firmware element: %+v", a.Firmware)
		}
		for name := range a.Settings {
			if name == "" || a.BadValues[name] != "" {
				t.Fatalf("setting %q both good and bad, or unnamed", name)
			}
		}
	})
}
