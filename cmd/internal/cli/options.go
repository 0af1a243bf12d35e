package cli

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/earshot-app/earshot/translations"
)

// options are the flags of every mode and subcommand.
type options struct {
	data         string
	configFile   string
	demo         bool
	simFile      string
	json         bool
	csv          bool   // calls: print CSV
	since, until string // calls: a date or an RFC 3339 time
	limit        int    // calls: at most this many; 0 = all
	verbose      bool
	exitWhenDone bool
	// drainWait (service --exit-when-done): how long to wait for the
	// endpoints to take the queued events before giving up with exit 1.
	drainWait time.Duration
	show      string // GUI: open this device's page at start
	tab       string // GUI: with show, open this tab of the device page
	page      string // GUI: open this page of the navigation bar at start
	theme     string // GUI: "", "light" or "dark"
	// applyFirmware (GUI, with show): ask to confirm the update with the
	// firmware staged for that device, as its Firmware tab's button does.
	applyFirmware bool
	blink         bool   // light: blink the colour
	renew         bool   // presence token: replace the token
	hidTrace      string // --hid-trace FILE (or EARSHOT_HIDTRACE): every HID report as JSON lines
	seconds       int    // hid record: how long
	out           string // hid record: the scenario file written; diagnostics: the zip
}

func defaultOptions() options {
	return options{data: defaultDataDir(), drainWait: 2 * time.Minute, seconds: 30}
}

// newFlagSet registers the common flags and those of one command.
func newFlagSet(name string, o *options, extra func(*flag.FlagSet, *options)) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.data, "data", o.data, "")
	fs.StringVar(&o.configFile, "config", o.configFile, "")
	fs.BoolVar(&o.demo, "demo", o.demo, "")
	fs.StringVar(&o.simFile, "sim", o.simFile, "")
	fs.BoolVar(&o.verbose, "verbose", o.verbose, "")
	fs.StringVar(&o.hidTrace, "hid-trace", o.hidTrace, "")
	if extra != nil {
		extra(fs, o)
	}
	return fs
}

// allFlags registers the flags of every command, for the parse that finds
// the command.
func allFlags(fs *flag.FlagSet, o *options) {
	callsFlags(fs, o) // --json, --csv, --since, --until, --limit
	serviceFlags(fs, o)
	guiFlags(fs, o)
	lightFlags(fs, o)
	newFlag(fs, o) // presence token --new (--json is registered above)
	recordFlags(fs, o)
}

func lightFlags(fs *flag.FlagSet, o *options) { fs.BoolVar(&o.blink, "blink", o.blink, "") }

func newFlag(fs *flag.FlagSet, o *options) { fs.BoolVar(&o.renew, "new", o.renew, "") }

func presenceFlags(fs *flag.FlagSet, o *options) {
	jsonFlag(fs, o)
	newFlag(fs, o)
}

// diagnosticsFlags: --out is also in allFlags, through recordFlags (hid record).
func diagnosticsFlags(fs *flag.FlagSet, o *options) { fs.StringVar(&o.out, "out", o.out, "") }

func jsonFlag(fs *flag.FlagSet, o *options) { fs.BoolVar(&o.json, "json", o.json, "") }

// hidFlags are the flags of `earshot hid`: list's --json, record's
// --seconds and --out.
func hidFlags(fs *flag.FlagSet, o *options) {
	jsonFlag(fs, o)
	recordFlags(fs, o)
}

func recordFlags(fs *flag.FlagSet, o *options) {
	fs.IntVar(&o.seconds, "seconds", o.seconds, "")
	fs.StringVar(&o.out, "out", o.out, "")
}

func serviceFlags(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.exitWhenDone, "exit-when-done", o.exitWhenDone, "")
	fs.DurationVar(&o.drainWait, "wait", o.drainWait, "")
}

func guiFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.show, "show", o.show, "")
	fs.StringVar(&o.tab, "tab", o.tab, "")
	fs.StringVar(&o.page, "page", o.page, "")
	fs.StringVar(&o.theme, "theme", o.theme, "")
	fs.BoolVar(&o.applyFirmware, "apply-firmware", o.applyFirmware, "")
}

func (o *options) check(t *translations.Translator) error {
	if o.demo && o.simFile != "" {
		return misuse{t.T("cli.demoAndSim")}
	}
	if o.drainWait <= 0 {
		return misuse{t.T("cli.service.badWait", "Value", o.drainWait.String())}
	}
	if o.data == "" {
		return misuse{t.T("cli.noDataDir")}
	}
	if o.tab != "" && o.show == "" {
		return misuse{t.T("cli.tabWithoutShow")}
	}
	if o.applyFirmware && o.show == "" {
		return misuse{t.T("cli.firmware.needsShow")}
	}
	switch o.theme {
	case "", "light", "dark":
	default:
		return misuse{t.T("cli.badTheme", "Value", o.theme)}
	}
	abs, err := filepath.Abs(o.data)
	if err == nil {
		o.data = abs
	}
	return nil
}

// defaultDataDir is the per-user folder of the database, staged firmware and
// logs: $XDG_DATA_HOME/earshot on Linux, the user config folder elsewhere.
func defaultDataDir() string {
	if runtime.GOOS == "linux" {
		if x := os.Getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "earshot")
		}
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "share", "earshot")
		}
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return filepath.Join(dir, "Earshot")
	}
	return ""
}
