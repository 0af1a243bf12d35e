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
	if len(args) > 0 {
		return misuse{e.t.T("cli.extraArgs", "Args", strings.Join(args, " "))}
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
	tray := e.cfg.TrayIcon && trayAvailable()
	if e.cfg.TrayIcon && !tray {
		e.log.Warn("no session D-Bus: running without a tray icon, so closing the window quits")
	}
	w := views.NewMainWindow(views.MainWindowParams{
		App: a, Source: ow.core, T: e.t, Tray: tray, Version: version,
	})
	if e.o.show != "" {
		showWhenAttached(ow.core, w, e.o.show)
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

// showWhenAttached opens the page of the device ref (ESN or name prefix) as
// soon as it is attached.
func showWhenAttached(core *app.Core, w *views.MainWindow, ref string) {
	var cancel func()
	try := func() {
		d, err := app.FindDevice(core.Devices(), ref)
		if err != nil {
			return
		}
		if cancel != nil {
			cancel()
		}
		fyne.Do(func() { w.ShowDevice(d.ID) })
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
