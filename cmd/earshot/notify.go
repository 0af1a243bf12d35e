package main

import (
	"context"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"
)

// notificationsName is the D-Bus name of the desktop notification service,
// and trayWatcherName that of the host that shows StatusNotifierItem icons.
const (
	notificationsName = "org.freedesktop.Notifications"
	trayWatcherName   = "org.kde.StatusNotifierWatcher"
)

// notificationService tells whether desktop notifications can be shown. On
// Linux and the BSDs they go over the session D-Bus to a notification
// service; without one, Fyne logs "Failed to send message to bus" for each,
// and the window shows them in a banner instead.
func notificationService() bool { return sessionBusOffers(notificationsName) }

// trayAvailable tells whether a tray icon can be shown. On Linux and the BSDs
// the tray speaks D-Bus (StatusNotifierItem) to a watcher on the session bus;
// without one there is no tray to hide the window into (and Fyne's systray
// logs an error, or crashes on quit without a bus), so the window then quits
// when closed.
func trayAvailable() bool { return sessionBusOffers(trayWatcherName) }

// sessionBusOffers tells whether name is owned on the session D-Bus, or can
// be started there, asking for at most a second. Windows and macOS have no
// such bus: their notifications and tray are always there.
func sessionBusOffers(name string) bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	bus := conn.BusObject()
	var owned bool
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned); err == nil && owned {
		return true
	}
	var activatable []string
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable); err != nil {
		return false
	}
	return slices.Contains(activatable, name)
}
