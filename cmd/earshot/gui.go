package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/cmd/internal/cli"
	"github.com/earshot-app/earshot/translations"
	"github.com/earshot-app/earshot/views"
)

// runGUI is `earshot`: the owner with its main window.
func runGUI(s *cli.Session, args []string) (err error) {
	if err := s.NoArgs(args); err != nil {
		return err
	}
	t, o := s.T(), s.Options()
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New(t.T("cli.noDisplay"))
	}
	// Fyne panics when the display cannot be opened; a person needs one line.
	defer func() {
		if r := recover(); r != nil {
			if !strings.Contains(fmt.Sprint(r), "GLFW") {
				panic(r)
			}
			err = errors.New(t.T("cli.displayFailed", "Display", os.Getenv("DISPLAY"), "Err", fmt.Sprint(r)))
		}
	}()
	if o.Theme != "" {
		// Fyne reads the variant override from the environment.
		os.Setenv("FYNE_THEME", o.Theme)
	}
	if o.Show != "" {
		if err := s.KnownDevice(o.Show); err != nil {
			return cli.Misuse(err.Error())
		}
	}
	ow, err := s.BecomeOwner()
	if err != nil {
		return err
	}
	routeFyneLog(s.Log())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := ow.Start(ctx, s.Log())

	a := fyneapp.NewWithID(appID(s.DataDir(), s.DefaultDataDir()))
	if n := a.Preferences().String(views.ThemePreference); o.Theme == "" && n != "" {
		// The theme chosen on the Preferences page (--theme wins).
		views.ApplyTheme(a, n)
	}
	a.SetIcon(fyne.NewStaticResource("earshot.png", assets.AppIconPNG()))
	tray := s.Config().TrayIcon && trayAvailable()
	if s.Config().TrayIcon && !tray {
		s.Log().Warn("no tray host on the session D-Bus: running without a tray icon, so closing the window quits")
	}
	var w *views.MainWindow
	// A language chosen on the Preferences page switches the window at
	// once: the Translator the services share speaks it from then on, and
	// the pages are built again in it.
	onLanguage := func(string) bool {
		lang := s.Language()
		if translations.New(lang).Language() == t.Language() {
			return false
		}
		w.SetLanguage(lang)
		return true
	}
	pages, tabs := guiPages(t, ow), guiDeviceTabs(t, ow)
	pages = append(pages, preferencesPage(s, onLanguage))
	p := views.MainWindowParams{App: a, Source: ow.Core(), T: t, Tray: tray, Version: cli.Version, Presence: ow.Presence(),
		FollowFocus: 150 * time.Millisecond}
	p.Pages, p.DeviceTabs = viewPages(pages), viewTabs(tabs)
	p.Rebuild = func() ([]views.Page, []views.DeviceTab) {
		return viewPages(append(guiPages(t, ow), preferencesPage(s, onLanguage))), viewTabs(guiDeviceTabs(t, ow))
	}
	p.NotifyInWindow = !notificationService()
	w = views.NewMainWindow(p)
	notifyFirmware(s, ow, w)
	if o.Page != "" {
		pg, err := findNamed(pages, o.Page, func(n namedPage) string { return n.name })
		if err != nil {
			return cli.Misuse(t.T("cli.badPage", "Value", o.Page, "Names", err.Error()))
		}
		if pg.page == nil {
			w.ShowList()
		} else {
			w.ShowPage(pg.page)
		}
	}
	if o.Show != "" {
		var tab views.DeviceTab
		if o.Tab != "" {
			nt, err := findNamed(tabs, o.Tab, func(n namedTab) string { return n.name })
			if err != nil {
				return cli.Misuse(t.T("cli.badTab", "Value", o.Tab, "Names", err.Error()))
			}
			tab = nt.tab // nil: Overview
		}
		if o.ApplyFirmware {
			nt, _ := findNamed(tabs, "firmware", func(n namedTab) string { return n.name })
			confirmFirmwareWhenAttached(ow.Core(), w, o.Show, nt.tab.(*views.FirmwareTab))
		} else {
			showWhenAttached(ow.Core(), w, o.Show, tab)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fyne.Do(a.Quit)
	}()
	a.Lifecycle().SetOnStarted(func() { fitToScreen(w.Window(), views.WindowSize) })
	w.Window().Show()
	a.Run()
	signal.Stop(sigs)
	cancel()
	<-done
	s.Log().Info("stopped")
	return nil
}

// namedPage is a page of the navigation bar with the name --page takes.
type namedPage struct {
	name string
	page views.Page
}

// namedTab is a device-page tab with the name --tab takes.
type namedTab struct {
	name string
	tab  views.DeviceTab
}

// viewPages are the pages of the navigation bar among named ones.
func viewPages(named []namedPage) []views.Page {
	var out []views.Page
	for _, np := range named {
		if np.page != nil {
			out = append(out, np.page)
		}
	}
	return out
}

// viewTabs are the device-page tabs among named ones.
func viewTabs(named []namedTab) []views.DeviceTab {
	var out []views.DeviceTab
	for _, nt := range named {
		if nt.tab != nil {
			out = append(out, nt.tab)
		}
	}
	return out
}

// guiPages are the pages after "Devices" in the navigation bar, in order.
// Each feature adds its page here.
func guiPages(t *translations.Translator, ow *cli.Owner) []namedPage {
	return []namedPage{
		{name: "devices"}, // the device list: no page of its own
		{name: "history", page: views.NewHistoryPage(views.HistoryPageParams{Source: ow.Calls(), T: t})},
		{name: "outbox", page: views.NewOutboxPage(views.OutboxPageParams{Source: ow.Outbox(), T: t,
			Losses: func() views.Losses {
				return views.Losses{RejectedTelemetry: ow.Core().RejectedTelemetry(), UnrecordedCalls: ow.Calls().Unrecorded()}
			}})},
		{name: "presence", page: views.NewPresencePage(views.PresencePageParams{Source: ow.Presence(), API: ow.PresenceAPI(), T: t})},
	}
}

// guiDeviceTabs are the device-page tabs after "Overview", in order. Each
// feature adds its tab here.
func guiDeviceTabs(t *translations.Translator, ow *cli.Owner) []namedTab {
	return []namedTab{
		{name: "overview"}, // the device page's first tab
		{name: "settings", tab: views.NewSettingsTab(views.SettingsTabParams{Source: ow.Settings(), T: t})},
		{name: "firmware", tab: views.NewFirmwareTab(views.FirmwareTabParams{Source: ow.Firmware(), T: t})},
	}
}

// findNamed finds the entry called name, in any case, or says which names
// there are.
func findNamed[T any](items []T, name string, nameOf func(T) string) (T, error) {
	var names []string
	for _, it := range items {
		if strings.EqualFold(nameOf(it), strings.TrimSpace(name)) {
			return it, nil
		}
		names = append(names, nameOf(it))
	}
	var zero T
	return zero, errors.New(strings.Join(names, ", "))
}

// showWhenAttached opens the page of the device ref (ESN or name prefix) as
// soon as it is attached, on tab when it is not nil.
func showWhenAttached(core *app.Core, w *views.MainWindow, ref string, tab views.DeviceTab) {
	var cancel func()
	try := func() {
		d, err := app.FindDevice(core.Devices(), ref)
		if err != nil {
			return
		}
		if cancel != nil {
			cancel()
		}
		fyne.Do(func() {
			w.ShowDevice(d.ID)
			w.ShowTab(tab)
		})
	}
	cancel = core.Subscribe(try)
	try()
}
