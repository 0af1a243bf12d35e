package main

import (
	"context"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"
)

// notificationsName is the D-Bus name of the desktop notification service.
const notificationsName = "org.freedesktop.Notifications"

// notificationService tells whether desktop notifications can be shown. On
// Linux and the BSDs they go over the session D-Bus to a notification
// service; without one, Fyne logs "Failed to send message to bus" for each,
// and the window shows them in a banner instead.
func notificationService() bool {
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
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, notificationsName).Store(&owned); err == nil && owned {
		return true
	}
	var activatable []string
	if err := bus.CallWithContext(ctx, "org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable); err != nil {
		return false
	}
	return slices.Contains(activatable, notificationsName)
}
