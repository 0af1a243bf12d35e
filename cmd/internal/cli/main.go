// Package cli is Earshot's command line and composition root (DESIGN.md),
// shared by the two binaries: `earshot` (the window, cmd/earshot) and
// `earshotd` (headless, cmd/earshotd). It parses flags, loads configuration,
// opens the store, builds the core, and then runs the headless service or one
// command-line subcommand (SPEC §10); the window is handed in as a GUI by
// cmd/earshot, so this package links nothing of Fyne.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/earshot-app/earshot/translations"
)

// Version, Commit and BuildDate are stamped at link time by the build scripts
// from the VERSION file (packaging/version.sh:
// -ldflags "-X github.com/earshot-app/earshot/cmd/internal/cli.Version=…").
// A plain `go build` keeps these: the version with "-dev" (a test keeps it in
// step with VERSION) and "unknown" for the rest.
var (
	Version   = "0.1.0-dev"
	Commit    = "unknown"
	BuildDate = "unknown"
)

// AppID is Earshot's application id; FyneApp.toml must carry the same (a test
// compares them).
const AppID = "org.earshot.Earshot"

// Exit codes of SPEC §10.
const (
	exitOK      = 0
	exitFailure = 1
	exitMisuse  = 2
)

// Main runs the binary with the process's arguments and environment and
// returns the exit code. gui is the window (nil in the headless binary).
func Main(gui GUI) int {
	return Run(os.Args[1:], os.Stdout, os.Stderr, os.Environ(), gui)
}

// misuse is an error in how earshot was called (exit 2).
type misuse struct{ msg string }

func (m misuse) Error() string { return m.msg }

// command is one subcommand.
type command struct {
	name  string
	usage string // message id of the one-line synopsis
	flags func(fs *flag.FlagSet, o *options)
	run   func(env *env, args []string) error
}

var commands = []command{
	{name: "service", usage: "cli.usage.service", flags: serviceFlags, run: runService},
	{name: "devices", usage: "cli.usage.devices", flags: jsonFlag, run: runDevices},
	{name: "calls", usage: "cli.usage.calls", flags: callsFlags, run: runCalls},
	{name: "settings", usage: "cli.usage.settings", flags: jsonFlag, run: runSettings},
	{name: "catalog", usage: "cli.usage.catalog", flags: jsonFlag, run: runCatalog},
	{name: "firmware", usage: "cli.usage.firmware", flags: jsonFlag, run: runFirmware},
	{name: "outbox", usage: "cli.outbox.usage", flags: jsonFlag, run: runOutbox},
	{name: "light", usage: "cli.usage.light", flags: lightFlags, run: runLight},
	{name: "presence", usage: "cli.usage.presence", flags: presenceFlags, run: runPresence},
	{name: "db", usage: "cli.usage.db", flags: jsonFlag, run: runDB},
	{name: "hid", usage: "cli.usage.hid", flags: hidFlags, run: runHID},
	{name: "udev-rules", usage: "cli.usage.udevRules", run: runUdevRules},
	{name: "version", usage: "cli.usage.version", flags: jsonFlag, run: runVersion},
	{name: "diagnostics", usage: "cli.usage.diagnostics", flags: diagnosticsFlags, run: runDiagnostics},
}

// Run is Main without the process: it returns the exit code.
func Run(args []string, stdout, stderr io.Writer, environ []string, gui GUI) int {
	t := translations.New(langFromArgs(args, environ))
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "earshot: "+oneLine(err.Error()))
		return code
	}
	o := defaultOptions()
	// Flags may stand before the subcommand (`earshot --data D devices`) and
	// after it (`earshot devices --data D`). The first parse knows every flag;
	// those it saw must then belong to the command found.
	global := newFlagSet("earshot", &o, allFlags)
	if err := global.Parse(args); err != nil {
		return usageError(err, stdout, stderr, t)
	}
	rest := global.Args()
	cmd := command{name: "", run: guiCommand(gui), flags: guiFlags}
	if len(rest) > 0 {
		found := false
		for _, c := range commands {
			if c.name == rest[0] {
				cmd, found = c, true
			}
		}
		if !found {
			return fail(exitMisuse, misuse{t.T("cli.unknownCommand", "Name", rest[0])})
		}
	}
	own := newFlagSet("earshot "+cmd.name, &o, cmd.flags)
	var foreign error
	global.Visit(func(f *flag.Flag) {
		if own.Lookup(f.Name) == nil && foreign == nil {
			foreign = misuse{t.T("cli.flagNotFor", "Flag", "--"+f.Name, "Command", strings.TrimSpace("earshot "+cmd.name))}
		}
	})
	if foreign != nil {
		return fail(exitMisuse, foreign)
	}
	if len(rest) > 0 {
		var err error
		if rest, err = parseInterspersed(own, rest[1:]); err != nil {
			return usageError(err, stdout, stderr, t)
		}
	}
	if err := o.check(t); err != nil {
		return fail(exitMisuse, err)
	}
	e, err := newEnv(o, stdout, stderr, environ, t)
	if err != nil {
		return fail(exitFailure, err)
	}
	defer e.close()
	if err := cmd.run(e, rest); err != nil {
		var m misuse
		if errors.As(err, &m) {
			return fail(exitMisuse, err)
		}
		e.log.Error("command failed", "command", cmd.name, "err", err)
		return fail(exitFailure, err)
	}
	return exitOK
}

// parseInterspersed parses flags wherever they stand among the arguments
// (`earshot settings show DEVICE --json`), returning the arguments in order.
// "--" ends the flags: what follows is taken as it is.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// flag.Parse stops at "--" after consuming it, and at the first
		// argument that is not a flag.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func usageError(err error, stdout, stderr io.Writer, t *translations.Translator) int {
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, t)
		return exitOK
	}
	fmt.Fprintln(stderr, "earshot: "+oneLine(err.Error())+" — "+t.T("cli.seeHelp"))
	return exitMisuse
}

func printUsage(w io.Writer, t *translations.Translator) {
	lines := [][2]string{{"[--demo | --sim FILE]", t.T("cli.usage.gui")}}
	for _, c := range commands {
		lines = append(lines, [2]string{c.name + synopsis(c.name), t.T(c.usage)})
	}
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l[0]))
	}
	fmt.Fprintln(w, t.T("cli.usage.title"))
	for _, l := range lines {
		fmt.Fprintf(w, "  earshot %-*s  %s\n", width, l[0], l[1])
	}
	fmt.Fprintln(w, t.T("cli.usage.common"))
	for _, f := range []string{"--data DIR", "--config FILE", "--demo", "--sim FILE", "--json", "--verbose", "--hid-trace FILE"} {
		fmt.Fprintf(w, "  %-17s %s\n", f, t.T("cli.flag."+strings.Fields(strings.TrimPrefix(f, "--"))[0]))
	}
}

func synopsis(name string) string {
	switch name {
	case "service":
		return " [--demo | --sim FILE] [--exit-when-done [--wait DURATION]]"
	case "devices", "version":
		return " [--json]"
	case "outbox":
		return " [discard ENDPOINT] [--json]"
	case "db":
		return " check|repair [--json]"
	case "firmware":
		return " stage|apply DEVICE …"
	case "settings":
		return " show|set|export|import …"
	case "catalog":
		return " check FILE|DIR… [--json]"
	case "calls":
		return " [--csv | --json] [--since WHEN] [--until WHEN] [--limit N]"
	case "light":
		return " DEVICE|all COLOUR|off [--blink]"
	case "presence":
		return " [--json] | set STATE|auto | token [--new]"
	case "hid":
		return " list|record …"
	case "diagnostics":
		return " --out FILE.zip"
	}
	return ""
}

// langFromArgs finds the language before flags are parsed, so that flag
// errors are already translated: EARSHOT_LANGUAGE, else the OS.
func langFromArgs(_ []string, environ []string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "EARSHOT_LANGUAGE="); ok && v != "" {
			return v
		}
	}
	return ""
}

// oneLine folds an error chain onto one line for stderr.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
