// Package cli is Earshot's command line and composition root (docs/ARCHITECTURE.md),
// shared by the two binaries: `earshot` (the window, cmd/earshot) and
// `earshotd` (headless, cmd/earshotd). It parses flags, loads configuration,
// opens the store, builds the core, and then runs the headless service or one
// command-line subcommand (docs/command-line.md); the window is handed in as a GUI by
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

// Exit codes of docs/command-line.md.
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
	name string
	// forms are the ways to call it, each with the message id of its
	// one-line description; `--help` and `earshot help NAME` print them.
	forms []form
	flags func(fs *flag.FlagSet, o *options)
	run   func(env *env, args []string) error
	// data says what the command does with the --data folder, given its
	// arguments.
	data func(args []string) dataUse
	// noPassword: the command talks to no backend, so the PASSWORD kept in
	// the keyring or the encrypted file is not looked up (on a desktop that
	// is a D-Bus round trip to the Secret Service). A password found in
	// clear is still moved into the store.
	noPassword bool
}

// form is one synopsis of a command: its arguments, and what it does.
type form struct{ args, usage string }

// dataUse is what a command does with the --data folder.
type dataUse int

const (
	dataWrite dataUse = iota // creates the folder when it is missing
	dataRead                 // reads it: a missing folder is an error, and nothing is created
	dataNone                 // does not need it: a missing folder is not created
)

func writes([]string) dataUse  { return dataWrite }
func reads([]string) dataUse   { return dataRead }
func needsNo([]string) dataUse { return dataNone }

var commands = []command{
	{name: "service", forms: []form{{"[--demo | --sim FILE] [--exit-when-done [--wait DURATION]]", "cli.usage.service"}},
		flags: serviceFlags, run: runService, data: writes},
	{name: "devices", forms: []form{{"[--json]", "cli.usage.devices"}}, flags: jsonFlag, run: runDevices, data: reads, noPassword: true},
	{name: "calls", forms: []form{{"[--csv | --json] [--since WHEN] [--until WHEN] [--limit N]", "cli.usage.calls"}},
		flags: callsFlags, run: runCalls, data: reads, noPassword: true},
	{name: "settings", forms: []form{
		{"show DEVICE [--json]", "cli.usage.settings.show"},
		{"set DEVICE NAME=VALUE…", "cli.usage.settings.set"},
		{"export DEVICE", "cli.usage.settings.export"},
		{"import DEVICE FILE", "cli.usage.settings.import"},
		{"history DEVICE [--json]", "cli.usage.settings.history"},
	}, flags: jsonFlag, run: runSettings, data: settingsData},
	{name: "catalog", forms: []form{{"check FILE|DIR… [--json]", "cli.usage.catalog"}}, flags: jsonFlag, run: runCatalog,
		data: needsNo, noPassword: true},
	{name: "firmware", forms: []form{
		{"stage DEVICE URL|FILE [--json]", "cli.usage.firmware.stage"},
		{"apply DEVICE [--json]", "cli.usage.firmware.apply"},
	}, flags: jsonFlag, run: runFirmware, data: writes},
	{name: "outbox", forms: []form{{"[--json]", "cli.outbox.usage"}, {"discard ENDPOINT", "cli.outbox.discardUsage"}},
		flags: jsonFlag, run: runOutbox, data: outboxData},
	{name: "light", forms: []form{{"DEVICE|all COLOUR|off [--blink]", "cli.usage.light"}}, flags: lightFlags, run: runLight,
		data: reads},
	{name: "presence", forms: []form{{"[--json] | set STATE|auto | token [--new]", "cli.usage.presence"}},
		flags: presenceFlags, run: runPresence, data: writes},
	{name: "db", forms: []form{{"check|repair [--json]", "cli.usage.db"}}, flags: jsonFlag, run: runDB, data: dbData, noPassword: true},
	{name: "hid", forms: []form{{"list [--json] | record DEVICE [--seconds N] --out FILE", "cli.usage.hid"}},
		flags: hidFlags, run: runHID, data: needsNo, noPassword: true},
	{name: "udev-rules", forms: []form{{"", "cli.usage.udevRules"}}, run: runUdevRules, data: needsNo, noPassword: true},
	{name: "diagnostics", forms: []form{{"--out FILE.zip", "cli.usage.diagnostics"}}, flags: diagnosticsFlags,
		run: runDiagnostics, data: reads},
	{name: "version", forms: []form{{"[--json]", "cli.usage.version"}}, flags: jsonFlag, run: runVersion, data: needsNo, noPassword: true},
	{name: "help", forms: []form{{"[COMMAND]", "cli.usage.help"}}, data: needsNo},
}

// guiForms are the synopses of the command without a name: the main window.
var guiForms = []form{
	{"[--demo | --sim FILE] [--theme light|dark] [--page NAME]", "cli.usage.gui"},
	{"--show DEVICE [--tab NAME | --apply-firmware]", "cli.usage.show"},
}

// outboxData: discard writes, the status only reads.
func outboxData(args []string) dataUse {
	if len(args) > 0 && args[0] == "discard" {
		return dataWrite
	}
	return dataRead
}

// dbData: repair writes, check only reads.
func dbData(args []string) dataUse {
	if len(args) > 0 && args[0] == "repair" {
		return dataWrite
	}
	return dataRead
}

// settingsData: show, export and history only read.
func settingsData(args []string) dataUse {
	if len(args) > 0 && (args[0] == "set" || args[0] == "import") {
		return dataWrite
	}
	return dataRead
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
	cmd := command{name: "", forms: guiForms, run: guiCommand(gui), flags: guiFlags, data: writes}
	if len(rest) > 0 {
		c, ok := findCommand(rest[0])
		if !ok {
			return fail(exitMisuse, misuse{t.T("cli.unknownCommand", "Name", rest[0])})
		}
		cmd = c
	}
	if cmd.name == "help" {
		return runHelp(rest[1:], stdout, stderr, t)
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
			if errors.Is(err, flag.ErrHelp) {
				printCommandUsage(stdout, t, cmd)
				return exitOK
			}
			return usageError(err, stdout, stderr, t)
		}
	}
	if err := o.check(t); err != nil {
		return fail(exitMisuse, err)
	}
	e, err := newEnv(o, cmd.data(rest), !cmd.noPassword, stdout, stderr, environ, t)
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

// Commands are the names of the commands, in the order of the help.
func Commands() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// findCommand finds the command called name.
func findCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// runHelp is `earshot help [COMMAND]`.
func runHelp(args []string, stdout, stderr io.Writer, t *translations.Translator) int {
	switch {
	case len(args) == 0:
		printUsage(stdout, t)
		return exitOK
	case len(args) > 1:
		fmt.Fprintln(stderr, "earshot: "+t.T("cli.extraArgs", "Args", strings.Join(args[1:], " ")))
		return exitMisuse
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintln(stderr, "earshot: "+t.T("cli.unknownCommand", "Name", args[0]))
		return exitMisuse
	}
	printCommandUsage(stdout, t, c)
	return exitOK
}

// usageLines are the synopses of the window and of every command.
func usageLines(t *translations.Translator, cmds []command) [][2]string {
	var lines [][2]string
	for _, c := range cmds {
		for _, f := range c.forms {
			lines = append(lines, [2]string{strings.TrimSpace(c.name + " " + f.args), t.T(f.usage)})
		}
	}
	return lines
}

// printUsage is `earshot --help`: every command and every flag.
func printUsage(w io.Writer, t *translations.Translator) {
	all := append([]command{{name: "", forms: guiForms, flags: guiFlags}}, commands...)
	printLines(w, t.T("cli.usage.title"), usageLines(t, all))
	var o options
	printFlags(w, t, newFlagSet("earshot", &o, allFlags))
	fmt.Fprintln(w, t.T("cli.usage.more"))
}

// printCommandUsage is `earshot help COMMAND`: its synopses and its flags.
func printCommandUsage(w io.Writer, t *translations.Translator, c command) {
	printLines(w, t.T("cli.usage.title"), usageLines(t, []command{c}))
	var o options
	flags := c.flags
	if c.name == "help" {
		flags = nil
	}
	printFlags(w, t, newFlagSet("earshot "+c.name, &o, flags))
}

func printLines(w io.Writer, title string, lines [][2]string) {
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l[0]))
	}
	fmt.Fprintln(w, title)
	for _, l := range lines {
		fmt.Fprintf(w, "  earshot %-*s  %s\n", width, l[0], l[1])
	}
}

// flagArg is the placeholder of a flag's value in the help.
var flagArg = map[string]string{"data": "DIR", "config": "FILE", "sim": "FILE", "show": "DEVICE", "tab": "NAME",
	"page": "NAME", "theme": "light|dark", "hid-trace": "FILE", "since": "WHEN", "until": "WHEN", "limit": "N",
	"wait": "DURATION", "seconds": "N", "out": "FILE"}

// printFlags prints every flag of fs with its help line (cli.flag.NAME).
func printFlags(w io.Writer, t *translations.Translator, fs *flag.FlagSet) {
	fmt.Fprintln(w, t.T("cli.usage.flags"))
	var lines [][2]string
	fs.VisitAll(func(f *flag.Flag) {
		lines = append(lines, [2]string{strings.TrimSpace("--" + f.Name + " " + flagArg[f.Name]), t.T("cli.flag." + f.Name)})
	})
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l[0]))
	}
	for _, l := range lines {
		fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
	}
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
