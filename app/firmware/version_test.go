package firmware

import "testing"

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       int
		wantErr    bool
	}{
		{name: "equal", a: "2.0.0", b: "2.0.0", want: 0},
		{name: "numeric, not textual", a: "1.10.0", b: "1.9.2", want: 1},
		{name: "older", a: "1.9.2", b: "1.10.0", want: -1},
		{name: "missing parts are zero", a: "2.0", b: "2.0.0", want: 0},
		{name: "longer is newer when the rest is equal", a: "2.0.0.1", b: "2.0", want: 1},
		{name: "leading v", a: "v3.1", b: "3.0.9", want: 1},
		{name: "leading zeros", a: "1.02", b: "1.2", want: 0},
		{name: "four parts", a: "1.4.4735.0", b: "1.4.4734.9", want: 1},
		{name: "letters", a: "1.2b", b: "1.2", wantErr: true},
		{name: "empty", a: "", b: "1", wantErr: true},
		{name: "empty part", a: "1..2", b: "1", wantErr: true},
		{name: "negative", a: "1.-2", b: "1", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CompareVersions(tc.a, tc.b)
			if (err != nil) != tc.wantErr {
				t.Fatalf("CompareVersions(%q, %q) error = %v, want error %v", tc.a, tc.b, err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if !tc.wantErr {
				if back, _ := CompareVersions(tc.b, tc.a); back != -tc.want {
					t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.b, tc.a, back, -tc.want)
				}
			}
		})
	}
}
