package support

import (
	"strings"
	"testing"

	"github.com/earshot-app/earshot/device"
)

func TestTable(t *testing.T) {
	got := string(Table([]Model{
		{Vendor: 0x047f, Product: 0xc056, Name: "Blackwire 3220", Kind: device.KindHeadset, Level: ReplayTested, Driver: "hidtel"},
		{Name: "Any Telephony headset", Kind: device.KindHeadset, Level: Readable, Driver: "hidtel", Note: "a|b"},
		{Vendor: 0x27bb, Product: 0x3bcf, Name: "Omega", Kind: device.KindBusylight, Level: Detected, Driver: "busylight"},
	}))
	rows := []string{
		"| 27BB | 3BCF | Omega | busylight | busylight | detected |  |",
		"| any | any | Any Telephony headset | headset | hidtel | readable | a\\|b |",
		"| 047F | C056 | Blackwire 3220 | headset | hidtel | replay-tested |  |",
	}
	last := -1
	for _, r := range rows {
		i := strings.Index(got, r)
		if i < 0 {
			t.Fatalf("row %q missing from\n%s", r, got)
		}
		if i < last {
			t.Errorf("row %q out of order", r)
		}
		last = i
	}
	if Level(9).String() != "Level(9)" || HardwareQualified.String() != "hardware-qualified" {
		t.Error("level names")
	}
}
