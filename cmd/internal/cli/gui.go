package cli

import (
	"context"
	"log/slog"

	"github.com/earshot-app/earshot/app"
	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/app/calls"
	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/firmware"
	"github.com/earshot-app/earshot/app/presence"
	"github.com/earshot-app/earshot/app/settings"
	"github.com/earshot-app/earshot/translations"
)

// GUI runs the main window: `earshot` without a command. cmd/earshot hands
// its Fyne window in; the headless binary has none (nil).
type GUI func(s *Session, args []string) error

// GUIOptions are the window's own flags.
type GUIOptions struct {
	Theme string // "", "light" or "dark"
	Page  string // open this page of the navigation bar at start
	Show  string // open this device's page at start
	Tab   string // with Show: open this tab of the device page
	// ApplyFirmware (with Show): ask to confirm the update with the
	// firmware staged for that device.
	ApplyFirmware bool
}

// Session is what the window is given of one run: the options, the
// configuration, the translator and the logger, and the way to become the
// owner of the devices and the database.
type Session struct{ e *env }

func (s *Session) T() *translations.Translator { return s.e.t }
func (s *Session) Log() *slog.Logger           { return s.e.log }
func (s *Session) Config() config.Config       { return s.e.cfg }
func (s *Session) Version() string             { return Version }

// Options returns the window's flags.
func (s *Session) Options() GUIOptions {
	o := s.e.o
	return GUIOptions{Theme: o.theme, Page: o.page, Show: o.show, Tab: o.tab, ApplyFirmware: o.applyFirmware}
}

// NoArgs refuses positional arguments (exit 2).
func (s *Session) NoArgs(args []string) error { return s.e.noArgs(args) }

// BecomeOwner opens the database (failing when another owner holds it),
// builds the drivers and the core, and listens on the local API socket.
// Start runs it.
func (s *Session) BecomeOwner() (*Owner, error) { return s.e.becomeOwner() }

// Misuse is an error in how earshot was called: exit code 2.
func Misuse(msg string) error { return misuse{msg} }

// Start runs the owner until ctx is done; the channel closes when every part
// has stopped and the store is closed.
func (ow *Owner) Start(ctx context.Context, log *slog.Logger) <-chan struct{} {
	return ow.start(ctx, log)
}

// Core is the device core the window shows.
func (ow *Owner) Core() *app.Core { return ow.core }

// Calls is the call history.
func (ow *Owner) Calls() *calls.Service { return ow.calls }

// Settings is the settings service of the Settings tab.
func (ow *Owner) Settings() *settings.Service { return ow.settings }

// Firmware is the firmware updater of the Firmware tab.
func (ow *Owner) Firmware() *firmware.Updater { return ow.dm.updater }

// Outbox is the analytics uploader the Outbox page shows.
func (ow *Owner) Outbox() *analytics.Uploader { return ow.analytics.uploader }

// Presence is the presence service of the Presence page, the selector and
// the tray.
func (ow *Owner) Presence() *presence.Service { return ow.presence.service }

// PresenceAPI switches the local presence API and hands out its token.
func (ow *Owner) PresenceAPI() *presence.Runner { return ow.presence.runner }

// OnFirmwareNotice sends firmware notices to fn as well as to the log: a
// managed update starting by itself needs the user's attention.
func (ow *Owner) OnFirmwareNotice(log *slog.Logger, fn func(firmware.Notice)) {
	ow.dm.setNotify(func(n firmware.Notice) {
		logNotice(log, n)
		fn(n)
	})
}

// guiCommand is the command without a name: the window, or in the headless
// binary a misuse that says where the window is.
func guiCommand(gui GUI) func(e *env, args []string) error {
	return func(e *env, args []string) error {
		if gui == nil {
			if len(args) == 0 {
				return misuse{e.t.T("cli.noWindow")}
			}
			return misuse{e.t.T("cli.unknownCommand", "Name", args[0])}
		}
		return gui(&Session{e: e}, args)
	}
}
