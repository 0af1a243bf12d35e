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

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/assets"
	"github.com/earshot-app/earshot/views"
)

// runGUI is `earshot`: the owner with its main window.
func runGUI(e *env, args []string) (err error) {
	if err := e.noArgs(args); err != nil {
		return err
	}
	if runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New(e.t.T("cli.noDisplay"))
	}
	// Fyne panics when the display cannot be opened; a person needs one line.
	defer func() {
		if r := recover(); r != nil {
			if !strings.Contains(fmt.Sprint(r), "GLFW") {
				panic(r)
			}
			err = errors.New(e.t.T("cli.displayFailed", "Display", os.Getenv("DISPLAY"), "Err", fmt.Sprint(r)))
		}
	}()
	if e.o.theme != "" {
		// Fyne reads the variant override from the environment.
		os.Setenv("FYNE_THEME", e.o.theme)
	}
	ow, err := e.becomeOwner()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := ow.start(ctx, e.log)

	a := fyneapp.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("earshot.png", assets.AppIconPNG()))
	notifyFirmware(e, ow, a)
	tray := e.cfg.TrayIcon && trayAvailable()
	if e.cfg.TrayIcon && !tray {
		e.log.Warn("no session D-Bus: running without a tray icon, so closing the window quits")
	}
	pages, tabs := guiPages(e, ow), guiDeviceTabs(e, ow)
	p := views.MainWindowParams{App: a, Source: ow.core, T: e.t, Tray: tray, Version: version}
	for _, np := range pages {
		p.Pages = append(p.Pages, np.page)
	}
	for _, nt := range tabs {
		p.DeviceTabs = append(p.DeviceTabs, nt.tab)
	}
	w := views.NewMainWindow(p)
	if e.o.page != "" {
		pg, err := findNamed(pages, e.o.page, func(n namedPage) string { return n.name })
		if err != nil {
			return misuse{e.t.T("cli.badPage", "Value", e.o.page, "Names", err.Error())}
		}
		w.ShowPage(pg.page)
	}
	if e.o.show != "" {
		var tab views.DeviceTab
		if e.o.tab != "" {
			nt, err := findNamed(tabs, e.o.tab, func(n namedTab) string { return n.name })
			if err != nil {
				return misuse{e.t.T("cli.badTab", "Value", e.o.tab, "Names", err.Error())}
			}
			tab = nt.tab
		}
		if e.o.applyFirmware {
			nt, _ := findNamed(tabs, "firmware", func(n namedTab) string { return n.name })
			confirmFirmwareWhenAttached(ow.core, w, e.o.show, nt.tab.(*views.FirmwareTab))
		} else {
			showWhenAttached(ow.core, w, e.o.show, tab)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fyne.Do(a.Quit)
	}()
	w.Window().Show()
	a.Run()
	signal.Stop(sigs)
	cancel()
	<-done
	e.log.Info("stopped")
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

// guiPages are the pages after "Devices" in the navigation bar, in order.
// Each feature adds its page here.
func guiPages(e *env, ow *owner) []namedPage {
	return []namedPage{
		{name: "history", page: views.NewHistoryPage(views.HistoryPageParams{Source: ow.calls, T: e.t})},
		{name: "outbox", page: outboxPage(e, ow)},
	}
}

// guiDeviceTabs are the device-page tabs after "Overview", in order. Each
// feature adds its tab here.
func guiDeviceTabs(e *env, ow *owner) []namedTab {
	return []namedTab{
		{name: "settings", tab: views.NewSettingsTab(views.SettingsTabParams{Source: ow.settings, T: e.t})},
		{name: "firmware", tab: firmwareTab(e, ow)},
	}
}

// findNamed finds the entry called name, or says which names there are.
func findNamed[T any](items []T, name string, nameOf func(T) string) (T, error) {
	var names []string
	for _, it := range items {
		if nameOf(it) == name {
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
			if tab != nil {
				w.ShowTab(tab)
			}
		})
	}
	cancel = core.Subscribe(try)
	try()
}

// trayAvailable tells whether a tray icon can be shown. On Linux and the BSDs
// the tray speaks D-Bus (StatusNotifierItem); without a session bus there is no
// tray to hide the window into (and Fyne's systray crashes on quit), so the
// window then quits when closed.
func trayAvailable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}
