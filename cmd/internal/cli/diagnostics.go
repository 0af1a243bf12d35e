package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/earshot-app/earshot/app/config"
)

// maxLogInZip bounds each log file copied into the diagnostics zip (the
// newest part is kept).
const maxLogInZip = 8 << 20

// masked stands for a secret in the diagnostics.
const masked = "xxxxx"

// runDiagnostics is `earshot diagnostics --out FILE.zip`.
func runDiagnostics(e *env, args []string) error {
	if err := e.noArgs(args); err != nil {
		return err
	}
	if e.o.out == "" {
		return misuse{e.t.T("cli.diagnostics.needOut")}
	}
	if err := e.writeDiagnosticsFile(e.o.out); err != nil {
		return errors.New(e.t.T("cli.diagnostics.failed", "File", e.o.out, "Err", err))
	}
	fmt.Fprintln(e.stdout, e.t.T("cli.diagnostics.written", "File", e.o.out))
	return nil
}

// writeDiagnosticsFile writes the zip through a temporary file, so a failed
// run leaves no half zip behind.
func (e *env) writeDiagnosticsFile(path string) error {
	// Said in the log first, so the zip's own log tells support when and
	// where it was taken (and a folder that never logged has a log to send).
	e.log.Info("diagnostics", "file", path)
	tmp := path + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = e.writeDiagnostics(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// writeDiagnostics writes one zip for a support case: the version, the
// effective configuration with its sources (secrets masked), the problems
// found in it, the device list, the HID list (when this build has `hid`),
// the outbox status and the logs. Every part is scrubbed of the password and
// of the credentials in URLs before it goes in.
func (e *env) writeDiagnostics(w io.Writer) error {
	z := zip.NewWriter(w)
	secrets := e.secretValues()
	add := func(name string, data []byte) error {
		for _, s := range secrets {
			data = bytes.ReplaceAll(data, []byte(s), []byte(masked))
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	addJSON := func(name string, v any) error {
		raw, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		return add(name, append(raw, '\n'))
	}
	if err := addJSON("version.json", map[string]string{"Version": Version, "Commit": Commit, "BuildDate": BuildDate,
		"GoVersion": runtime.Version(), "OS": runtime.GOOS, "Arch": runtime.GOARCH}); err != nil {
		return err
	}
	if err := addJSON("configuration.json", e.maskedConfig()); err != nil {
		return err
	}
	// The commands' own JSON, as `earshot devices --json` etc. print it; a
	// command that fails leaves its error in the zip instead.
	for _, c := range []struct{ file, cmd string }{{"devices.json", "devices"}, {"hid-list.json", "hid"}, {"outbox.json", "outbox"}} {
		out, err := e.captureCommand(c.cmd)
		if err != nil {
			out = []byte("error: " + err.Error() + "\n")
		}
		if out == nil {
			continue
		}
		if err := add(c.file, out); err != nil {
			return err
		}
	}
	logs, _ := filepath.Glob(filepath.Join(e.o.data, "logs", "*"))
	sort.Strings(logs)
	for _, l := range logs {
		raw, err := readTail(l, maxLogInZip)
		if err != nil {
			raw = []byte("error: " + err.Error() + "\n")
		}
		if err := add("logs/"+filepath.Base(l), raw); err != nil {
			return err
		}
	}
	return z.Close()
}

// captureCommand runs one subcommand with --json into a buffer; nil, nil when
// this build has no such command (`hid` comes with the HID host).
func (e *env) captureCommand(name string) ([]byte, error) {
	for _, c := range commandList() {
		if c.name != name {
			continue
		}
		var buf bytes.Buffer
		sub := *e
		sub.stdout = &buf
		sub.o.json = true
		var args []string
		if name == "hid" {
			args = []string{"list"}
		}
		err := c.run(&sub, args)
		return buf.Bytes(), err
	}
	return nil, nil
}

// commandList is commands, reached through a function so that diagnostics,
// itself a command, may run the others.
var commandList func() []command

func init() { commandList = func() []command { return commands } }

// secretValues are the strings no diagnostics may hold: the password and the
// passwords of URLs in the configuration.
func (e *env) secretValues() []string {
	var out []string
	if e.cfg.Password != "" {
		out = append(out, e.cfg.Password)
	}
	if e.cfg.BackendConfiguration != "" {
		out = append(out, e.cfg.BackendConfiguration)
	}
	return out
}

type configEntry struct {
	Value  string
	Source string // "default" when no source set it
}

// maskedConfig is every key's effective value and where it came from, with
// PASSWORD and BACKENDCONFIGURATION masked and URLs redacted.
func (e *env) maskedConfig() map[string]any {
	c := e.cfg
	vals := config.Values(c)
	keys := map[string]configEntry{}
	for _, k := range config.Keys() {
		v := vals[k]
		switch k {
		case config.KeyPassword, config.KeyBackendConfiguration:
			if v != "" {
				v = masked
			}
		case config.KeyAnalyticsEndpoint, config.KeyManagementEndpoint, config.KeyCapabilitiesEndpoint:
			var parts []string
			for _, u := range strings.Split(v, "|") {
				if u != "" {
					parts = append(parts, config.Redact(u))
				}
			}
			v = strings.Join(parts, "|")
		}
		src := c.Sources[k]
		if src == "" {
			src = "default"
		}
		keys[k] = configEntry{Value: v, Source: src}
	}
	files := map[string]string{"machine": e.paths.Machine, "user": e.paths.User, "flag": e.paths.Flag}
	store := ""
	if e.secrets != nil {
		store = e.secrets.Kind()
	}
	return map[string]any{"Keys": keys, "Files": files, "PasswordStore": store}
}

// readTail reads at most max bytes from the end of a file.
func readTail(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder", path)
	}
	if st.Size() > max {
		if _, err := f.Seek(st.Size()-max, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.ReadAll(io.LimitReader(f, max))
}
