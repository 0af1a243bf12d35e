package calls

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/hid"
	"github.com/earshot-app/earshot/device/hidtel"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
)

// TestHIDScenarioEndToEnd plays testdata/hid-call.json — a Plantronics
// Blackwire 3220 given by its real report descriptor and a timeline of the
// input reports it sends, and a blink(1) that no protocol drives — through
// the simulator's replay bus, the real HID host and hidtel, the Manager,
// app.Core, the analytics service and the call tracker, into a real store.
//
// By hand: off-hook at 10 s, on-hook at 190 s: 180 s = 3.0 min; Phone Mute
// pressed at 20, 40 and 60 = 3; Volume Up at 70 and 80 = 2; Volume Down at
// 90 = 1.
func TestHIDScenarioEndToEnd(t *testing.T) {
	raw, err := os.ReadFile("testdata/hid-call.json")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sim.ParseScenario(raw)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, filepath.Join(t.TempDir(), "earshot.db"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := st.SetOutboxEndpoints(ctx, []store.OutboxEndpoint{{ID: "backend", Name: "https://backend.example/ev"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	drv := sim.New(sc, clk)
	drv.Protocols = []hid.Protocol{hidtel.New(hidtel.Options{})}
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{drv}})
	builder := analytics.NewBuilder(analytics.BuilderParams{ClientVersion: "test"})
	svc := NewService(ServiceParams{Store: st, Clock: clk, Retention: DefaultRetention,
		Report: AnalyticsReport(analytics.NewReporter(builder))})
	devices := analytics.NewService(analytics.ServiceParams{Store: st, Builder: builder, Clock: clk})
	core := app.NewCore(app.CoreParams{Manager: mgr, Store: st, Clock: clk, Services: []app.Service{devices, svc}})
	done := make(chan error, 1)
	go func() { done <- core.Run(ctx) }()
	stepFake(t, clk)(drv)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, _ := st.Calls(store.Query{})
		q, _ := st.OutboxEvents(0, 1000)
		if len(c) == 1 && len(q) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			for _, e := range q {
				t.Log(string(e.Body))
			}
			t.Fatalf("%d calls, %d events", len(c), len(q))
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	queued, err := st.OutboxEvents(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, q := range queued {
		var ev map[string]any
		if err := json.Unmarshal(q.Body, &ev); err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	find := func(typ, status string) map[string]any {
		for _, ev := range got {
			if ev["EventType"] == typ && (status == "" || ev["CallStatus"] == status) {
				return ev
			}
		}
		t.Fatalf("no %s %s event among %d", typ, status, len(got))
		return nil
	}
	at := func(ev map[string]any) float64 {
		ts, err := time.Parse(time.RFC3339Nano, ev["Timestamp"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return ts.Sub(start).Seconds()
	}
	added := find(analytics.TypeDeviceAdded, "")
	if added["DeviceName"] != "Plantronics Blackwire 3220 Series" || added["VendorId"] != "047F" || added["ProductId"] != "C056" ||
		added["ESN"] != "BW3220-0001" || at(added) != 0 {
		t.Errorf("DeviceAdded %v", added)
	}
	other := find(analytics.TypeOtherDeviceAdded, "")
	if other["DeviceName"] != "blink(1)" || other["VendorId"] != "27B8" || other["InstanceId"] != "sim:b1/0" {
		t.Errorf("OtherDeviceAdded %v", other)
	}
	started := find(analytics.TypeCallStatus, "CallStarted")
	ended := find(analytics.TypeCallStatus, "CallEnded")
	want := map[string]any{
		"DeviceName": "Plantronics Blackwire 3220 Series", "CallDurationMinutes": 3.0,
		"TimesMuteButtonPressedDuringCall": 3.0, "TimesVolumeUpButtonPressedDuringCall": 2.0,
		"TimesVolumeDownButtonPressedDuringCall": 1.0, "CallId": started["CallId"],
	}
	for k, v := range want {
		if ended[k] != v {
			t.Errorf("CallEnded %s = %v, want %v", k, ended[k], v)
		}
	}
	if at(started) != 10 || at(ended) != 190 {
		t.Errorf("call from %v s to %v s, want 10 to 190", at(started), at(ended))
	}
	removed := find(analytics.TypeDeviceRemoved, "")
	if removed["DeviceName"] != "Plantronics Blackwire 3220 Series" || at(removed) != 230 {
		t.Errorf("DeviceRemoved %v", removed)
	}
}
