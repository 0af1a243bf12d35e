package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/device"
	"github.com/earshot-app/earshot/device/clock"
	"github.com/earshot-app/earshot/device/sim"
	"github.com/earshot-app/earshot/store"
)

const openAPIFile = "../../docs/events.openapi.yaml"

// openAPIDoc reads docs/events.openapi.yaml as a JSON value.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	// Through JSON, so the validator sees JSON numbers and string keys.
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("%s is not JSON-compatible: %v", openAPIFile, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

// eventSchema compiles components/schemas/Event of the document. OpenAPI
// 3.1 schemas are JSON Schema 2020-12; formats (uuid, date-time) are
// asserted.
func eventSchema(t *testing.T, doc map[string]any) *jsonschema.Schema {
	t.Helper()
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", v)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	const url = "file:///earshot/docs/events.openapi.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url + "#/components/schemas/Event")
	if err != nil {
		t.Fatalf("compile the Event schema: %v", err)
	}
	return sch
}

// simScenario is a desk written from docs/simulator.md: every kind of device, people
// counts, a dongle detached with its headset behind it.
const simScenario = `{
  "speed": 6000,
  "devices": [
    {"id": "dg1", "kind": "dongle", "name": "Jabra Link 380", "vendorId": "0B0E", "productId": "30EB", "variant": "04-35",
     "esn": "70BF92D1C4A2", "firmware": "2.20.0", "connection": "USB"},
    {"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4", "variant": "01-96",
     "esn": "501AA5D6337F", "firmware": "1.25.0", "connection": "Bluetooth", "parent": "dg1",
     "battery": {"level": 72, "charging": false}},
    {"id": "hs2", "kind": "headset", "name": "Jabra Engage 75", "vendorId": "0B0E", "productId": "0987", "variant": "01-5B",
     "esn": "7C8D2A1BA311", "firmware": "4.7.0", "connection": "DECT", "battery": {"level": 14, "charging": true}},
    {"id": "sp1", "kind": "speakerphone", "name": "Jabra Speak2 75", "vendorId": "0B0E", "productId": "2068", "connection": "USB"},
    {"id": "cam1", "kind": "camera", "name": "Jabra PanaCast 50", "vendorId": "0B0E", "productId": "3011",
     "esn": "0850C3F21A6D", "firmware": "7.0.12", "connection": "USB"},
    {"id": "bl1", "kind": "busylight", "name": "kuando Busylight Omega", "vendorId": "27BB", "productId": "3BCD"},
    {"id": "bw1", "kind": "other", "name": "Poly Blackwire 3220", "vendorId": "047F", "productId": "C056"}
  ],
  "timeline": [
    {"at": "0s", "do": "attach", "device": "dg1"},
    {"at": "0s", "do": "attach", "device": "hs1"},
    {"at": "0s", "do": "peopleCount", "device": "cam1", "count": 0},
    {"at": "5s", "do": "callStart", "device": "hs1"},
    {"at": "60s", "do": "peopleCount", "device": "cam1", "count": 4},
    {"at": "70s", "do": "streamStart", "device": "cam1"},
    {"at": "90s", "do": "battery", "device": "hs2", "level": 30, "charging": true},
    {"at": "100s", "do": "callEnd", "device": "hs1"},
    {"at": "120s", "do": "streamEnd", "device": "cam1"},
    {"at": "130s", "do": "detach", "device": "bl1"},
    {"at": "140s", "do": "detach", "device": "bw1"},
    {"at": "150s", "do": "detach", "device": "cam1"},
    {"at": "160s", "do": "detach", "device": "dg1"}
  ]
}`

// simulatedEvents plays simScenario through the real core with the
// analytics service and returns the bodies it queued, plus an event of every
// type the other services emit, built from the simulator's devices.
func simulatedEvents(t *testing.T) [][]byte {
	t.Helper()
	sc, err := sim.ParseScenario([]byte(simScenario))
	if err != nil {
		t.Fatal(err)
	}
	st := registered(t)
	clk := clock.NewScaled(clock.Real{}, t0, sc.Speed())
	drv := sim.New(sc, clk)
	mgr := device.NewManager(device.ManagerParams{Drivers: []device.Driver{drv}})
	b := NewBuilder(BuilderParams{ClientVersion: "0.1.0-test", System: CachedSystem(clk, time.Minute, DetectSystem)})
	svc := NewService(ServiceParams{Store: st, Builder: b, Clock: clk, HeartbeatMinutes: 10})
	core := app.NewCore(app.CoreParams{Manager: mgr, Store: st, Clock: clk, Services: []app.Service{svc}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- core.Run(ctx) }()
	<-drv.Done()
	waitFor(t, "the last detach in the outbox", func() bool {
		q := queued(t, st)
		return len(q) > 0 && q[len(q)-1] == "DeviceRemoved Jabra Link 380"
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	evs, err := st.OutboxEvents(0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, q := range evs {
		out = append(out, q.Body)
	}
	// The events other services (calls, management, firmware) emit, from
	// the same simulated devices.
	devs := map[string]device.Device{}
	for _, d := range sc.AtZero() {
		devs[d.ID] = d
	}
	hs, cam := devs["hs1"], devs["cam1"]
	r := NewReporter(b)
	err = st.Write(context.Background(), func(tx *store.Tx) error {
		for _, e := range []Event{
			b.CallStarted(hs, t0, "call-1"),
			b.CallEnded(hs, t0.Add(95*time.Second), CallSummary{CallID: "call-1", Duration: 95 * time.Second,
				MutePresses: ptr(2), VolumeDownPresses: ptr(1), AverageAudioExposureDb: ptr(69.9), MaximumAudioExposureDb: ptr(72.0),
				AverageBackgroundNoiseDb: ptr(44.1), MaximumBackgroundNoiseDb: ptr(47.0), TimesBoomArmBadlyPositioned: ptr(0),
				MicrophoneMalfunctionDetected: ptr(false), LinkQualityDistribution: map[string]float64{"High": 80, "Low": 20},
				DectHandovers: ptr(2)}),
			b.CallEnded(devs["sp1"], t0, CallSummary{CallID: "call-2", Duration: 30 * time.Second}),
			b.CameraStreamingStarted(cam, t0),
			b.CameraStreamingEnded(cam, t0.Add(50*time.Second), StreamingSummary{Duration: 50 * time.Second,
				AtStart: ptr(4), AtEnd: ptr(4), Min: ptr(4), Max: ptr(4), Average: ptr(4.0)}),
			b.CameraStreamingEnded(cam, t0, StreamingSummary{Duration: time.Second}),
			b.FirmwareUpdateCompleted(hs, t0, ""),
			b.FirmwareUpdateCompleted(devs["hs2"], t0, device.FailureNotDocked),
			b.DeviceConfigurationApplied(hs, t0, map[string]string{"WIRELESS_RANGE": "3"}, map[string]string{"X": "unknown setting"}),
			b.DeviceConfigurationApplied(hs, t0, nil, nil),
		} {
			if err := r.Report(tx, hs, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, err = st.OutboxEvents(uint64(len(out)), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range evs {
		out = append(out, q.Body)
	}
	return out
}

// TestEventsMatchOpenAPI validates real events against
// docs/events.openapi.yaml, so the document cannot drift from the code.
func TestEventsMatchOpenAPI(t *testing.T) {
	doc := openAPIDoc(t)
	sch := eventSchema(t, doc)
	seen := map[string]int{}
	for _, body := range simulatedEvents(t) {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		typ := inst.(map[string]any)["EventType"].(string)
		seen[typ]++
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s does not match the document:\n%s\n%v", typ, body, err)
		}
	}
	for _, typ := range Types {
		if seen[typ] == 0 {
			t.Errorf("no %s event was checked", typ)
		}
	}
	t.Logf("checked %v", seen)
}

// TestOpenAPIDocumentsEveryField: the document's field list is the
// struct's, and the schema is strict enough to catch a wrong event.
func TestOpenAPIDocumentsEveryField(t *testing.T) {
	doc := openAPIDoc(t)
	fieldsSchema := doc["components"].(map[string]any)["schemas"].(map[string]any)["EventFields"].(map[string]any)
	var props, required []string
	for k := range fieldsSchema["properties"].(map[string]any) {
		props = append(props, k)
	}
	for _, k := range fieldsSchema["required"].([]any) {
		required = append(required, k.(string))
	}
	code := jsonFieldNames()
	slices.Sort(props)
	slices.Sort(required)
	slices.Sort(code)
	if !slices.Equal(props, code) {
		t.Errorf("documented fields differ from the code:\n doc  %v\n code %v", props, code)
	}
	if !slices.Equal(required, code) {
		t.Errorf("required fields differ from the code:\n doc  %v\n code %v", required, code)
	}
	enum := doc["components"].(map[string]any)["schemas"].(map[string]any)["EventFields"].(map[string]any)["properties"].(map[string]any)["EventType"].(map[string]any)["enum"]
	var docTypes []string
	for _, v := range enum.([]any) {
		docTypes = append(docTypes, v.(string))
	}
	if !slices.Equal(docTypes, Types) {
		t.Errorf("documented event types %v, code %v", docTypes, Types)
	}
	failures := doc["components"].(map[string]any)["schemas"].(map[string]any)["EventFields"].(map[string]any)["properties"].(map[string]any)["FirmwareUpdateFailureDescription"].(map[string]any)["enum"]
	var docFailures []string
	for _, v := range failures.([]any) {
		if v != nil {
			docFailures = append(docFailures, v.(string))
		}
	}
	var codeFailures []string
	for _, f := range device.FirmwareFailures {
		codeFailures = append(codeFailures, string(f))
	}
	if !slices.Equal(docFailures, codeFailures) {
		t.Errorf("documented failure descriptions %q, code %q", docFailures, codeFailures)
	}

	sch := eventSchema(t, doc)
	good := fields(t, testBuilder().DeviceAdded(headset, t0))
	for name, mutate := range map[string]func(m map[string]any){
		"a field left out":                 func(m map[string]any) { delete(m, "CallId") },
		"a call field on DeviceAdded":      func(m map[string]any) { m["CallStatus"] = "CallStarted" },
		"lower-case vendor id":             func(m map[string]any) { m["VendorId"] = "0b0e" },
		"an unknown type":                  func(m map[string]any) { m["EventType"] = "DeviceExploded" },
		"a local timestamp":                func(m map[string]any) { m["Timestamp"] = "2026-11-22T10:00:00+01:00" },
		"battery over 100":                 func(m map[string]any) { m["BatteryLevel"] = 101.0 },
		"not a UUID":                       func(m map[string]any) { m["EventId"] = "event-1" },
		"a null list of addresses":         func(m map[string]any) { m["IpAddresses"] = nil },
		"an unknown firmware failure text": func(m map[string]any) { m["FirmwareUpdateFailureDescription"] = "oops" },
	} {
		t.Run(name, func(t *testing.T) {
			m := map[string]any{}
			for k, v := range good {
				m[k] = v
			}
			if err := sch.Validate(m); err != nil {
				t.Fatalf("the unchanged event fails: %v", err)
			}
			mutate(m)
			if err := sch.Validate(m); err == nil {
				t.Error("the document accepts it")
			}
		})
	}
}
