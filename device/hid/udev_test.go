package hid

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestUdevRulesGolden(t *testing.T) {
	got := UdevRules(UdevVendors)
	golden := filepath.Join("testdata", "70-earshot.rules.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("rules differ from %s (go test -run UdevRulesGolden -update):\n%s", golden, got)
	}
	// Every vendor of issue 10 point 8, and Microchip only with products.
	for _, v := range []string{"0b0e", "1395", "047f", "6993", "27bb", "2c0d", "0e53", "27b8"} {
		line := `SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="` + v + `", TAG+="uaccess"`
		if !strings.Contains(got, line+"\n") {
			t.Errorf("no whole-vendor rule for %s", v)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, `"04d8"`) && !strings.Contains(l, `ATTRS{idProduct}=="f372|f848"`) {
			t.Errorf("04d8 without its products: %s", l)
		}
	}
}

func TestUdevRule(t *testing.T) {
	cases := []struct {
		name         string
		vendor, prod uint16
		want         string
	}{
		{"whole vendor", 0x0b0e, 0x2e57, `SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="0b0e", TAG+="uaccess"`},
		{"shared vendor, known product", 0x04d8, 0xf372, `SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="04d8", ATTRS{idProduct}=="f372", TAG+="uaccess"`},
		{"shared vendor, other product", 0x04d8, 0x000a, `SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="04d8", ATTRS{idProduct}=="000a", TAG+="uaccess"`},
		{"unknown vendor", 0x046d, 0x0aad, `SUBSYSTEM=="hidraw", KERNEL=="hidraw*", ATTRS{idVendor}=="046d", ATTRS{idProduct}=="0aad", TAG+="uaccess"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := UdevRule(tc.vendor, tc.prod); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPermissionHint(t *testing.T) {
	info := Info{Path: "/dev/hidraw4", VendorID: 0x047f, ProductID: 0xc056}
	cases := []struct {
		goos, key string
		args      []any
	}{
		{"linux", HintUdev, []any{"Path", "/dev/hidraw4", "Command", "earshot udev-rules", "Rule", UdevRule(0x047f, 0xc056)}},
		{"darwin", HintOS, []any{"Path", "/dev/hidraw4"}},
		{"windows", HintOS, []any{"Path", "/dev/hidraw4"}},
	}
	for _, tc := range cases {
		t.Run(tc.goos, func(t *testing.T) {
			h := permissionHint(tc.goos, info)
			if h.Key != tc.key || len(h.Args) != len(tc.args) {
				t.Fatalf("%+v", h)
			}
			for i := range tc.args {
				if h.Args[i] != tc.args[i] {
					t.Fatalf("arg %d = %v, want %v", i, h.Args[i], tc.args[i])
				}
			}
		})
	}
}
