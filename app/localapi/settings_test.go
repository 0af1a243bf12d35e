package localapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/settings"
)

// fakeSettings answers for one device, "hs1".
type fakeSettings struct {
	applied  map[string]string
	opts     settings.ApplyOptions
	imported []byte
}

func (f *fakeSettings) check(id string) error {
	if id != "hs1" {
		return fmt.Errorf("device %q: %w", id, settings.ErrNoDevice)
	}
	return nil
}

func (f *fakeSettings) Form(id string) (settings.Form, error) {
	return settings.Form{DeviceID: id, Fields: []settings.Field{{Name: "SIDETONE", Kind: settings.KindChoice, Value: "2"}}}, f.check(id)
}

func (f *fakeSettings) Apply(_ context.Context, id string, values map[string]string, o settings.ApplyOptions) (settings.ApplyResult, error) {
	f.applied, f.opts = values, o
	return settings.ApplyResult{Applied: []string{"SIDETONE"}, RestartNeeded: true,
		Refused: map[string]*settings.Refusal{"X": {Setting: "X", Code: settings.RefusalUnknown}}}, f.check(id)
}

func (f *fakeSettings) Import(_ context.Context, id string, data []byte) (settings.ImportResult, error) {
	if err := f.check(id); err != nil {
		return settings.ImportResult{}, err
	}
	f.imported = data
	if _, err := settings.ParseManagementConfig(data); err != nil {
		return settings.ImportResult{}, err
	}
	return settings.ImportResult{FirmwareIgnored: true}, nil
}

func (f *fakeSettings) Export(id string) (settings.ManagementConfig, error) {
	v := "2"
	return settings.ManagementConfig{Settings: map[string]*string{"SIDETONE": &v, "NAME": nil}}, f.check(id)
}

func (f *fakeSettings) History(id string, limit int) ([]settings.HistoryEntry, error) {
	return make([]settings.HistoryEntry, limit), f.check(id)
}

func TestServeSettings(t *testing.T) {
	devs := fakeOwner{{ID: "hs1", ESN: "501AA5D6337F", DeviceName: "Jabra Evolve2 85"}}
	srv, err := Listen(SocketPath(t.TempDir()), devs, Status{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeSettings{}
	srv.ServeSettings(fake, devs)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go srv.Serve(ctx)
	c, err := Dial(ctx, srv.path)
	if err != nil {
		t.Fatal(err)
	}

	// The device by ID, by ESN and by the start of its name.
	for _, ref := range []string{"hs1", "501AA5D6337F", "Jabra Evo"} {
		form, err := c.SettingsForm(ctx, ref)
		if err != nil || form.DeviceID != "hs1" || form.Fields[0].Kind != settings.KindChoice {
			t.Errorf("form of %q = %+v, %v", ref, form, err)
		}
	}
	res, err := c.ApplySettings(ctx, "hs1", map[string]string{"SIDETONE": "3"}, settings.ApplyOptions{Source: settings.SourceUser, AllOrNothing: true})
	if err != nil || !res.RestartNeeded || res.Refused["X"].Code != settings.RefusalUnknown || fake.applied["SIDETONE"] != "3" || !fake.opts.AllOrNothing {
		t.Errorf("apply = %+v, %v; owner got %v %+v", res, err, fake.applied, fake.opts)
	}
	cfg, err := c.ExportSettings(ctx, "hs1")
	if err != nil || *cfg.Settings["SIDETONE"] != "2" || cfg.Settings["NAME"] != nil {
		t.Errorf("export = %+v, %v", cfg, err)
	}
	imp, err := c.ImportSettings(ctx, "hs1", []byte(`{"firmware":{"version":"1"},"settings":{}}`))
	if err != nil || !imp.FirmwareIgnored {
		t.Errorf("import = %+v, %v", imp, err)
	}
	if _, err := c.ImportSettings(ctx, "hs1", []byte(`{`)); err == nil || !errors.Is(err, ErrOwnerRefused) || !strings.Contains(err.Error(), "configuration:") {
		t.Errorf("bad import: %v", err)
	}
	h, err := c.SettingsHistory(ctx, "hs1", 3)
	if err != nil || len(h) != 3 {
		t.Errorf("history = %d, %v", len(h), err)
	}
	if _, err := c.SettingsForm(ctx, "nope"); !errors.Is(err, settings.ErrNoDevice) || !strings.Contains(err.Error(), `no attached device has the ESN or a name starting with "nope"`) {
		t.Errorf("unknown device: %v", err)
	}
}
