// Command earshot-backend is a small reference backend for IT evaluation and
// tests: it answers Earshot's device-management requests (docs/device-management.md) from a
// folder, serves firmware archives (with Range, so downloads resume), stores
// the analytics events Earshot posts (docs/analytics.md) in a JSON-lines file, and
// shows a read-only page of the devices it has seen and their last events.
//
//	earshot-backend [--listen 127.0.0.1:8090] [--dir DIR] [--events FILE] [--init]
//	                [--username U] [--password P]
//
// DIR holds configs/ and Firmware/:
//
//	configs/<ESN>.json                  for one device
//	configs/<VID>-<PID>-<Variant>.json  for one model variant (0B0E-30A4-01-96.json)
//	configs/<VID>-<PID>.json            for one model (0B0E-30A4.json)
//	configs/default.json                for every other device
//	Firmware/<file>.zip                 served at /api/device-management/Firmware/<file>.zip
//
// The first file that exists answers. Earshot is pointed at it with
//
//	DEVICEMANAGEMENTENDPOINT = "http://127.0.0.1:8090/api/device-management"
//	ANALYTICSENDPOINT        = "http://127.0.0.1:8090/api/events"
//
// It listens on loopback unless told otherwise. --init writes an example
// folder for the demo's headset (a configuration and a firmware archive)
// when DIR does not exist yet.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("earshot-backend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on (loopback by default)")
	dir := fs.String("dir", "earshot-backend", "folder with configs/ and Firmware/")
	events := fs.String("events", "", "JSON-lines file for the events received (default DIR/events.jsonl)")
	initDir := fs.Bool("init", false, "write an example folder for the demo's headset when DIR does not exist")
	user := fs.String("username", "", "require HTTP Basic authentication with this user")
	pass := fs.String("password", "", "the password for --username (or EARSHOT_BACKEND_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *pass == "" {
		*pass = getenv("EARSHOT_BACKEND_PASSWORD")
	}
	if *events == "" {
		*events = filepath.Join(*dir, "events.jsonl")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if *initDir {
		if err := writeExample(*dir); err != nil {
			fmt.Fprintln(stderr, "earshot-backend: "+err.Error())
			return 1
		}
	}
	b, err := NewBackend(Params{Dir: *dir, Events: *events, Username: *user, Password: *pass, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "earshot-backend: "+err.Error())
		return 1
	}
	defer b.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "earshot-backend: "+err.Error())
		return 1
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("listening beyond loopback: anyone who reaches this address can read the device list and post events",
			"addr", ln.Addr().String())
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "earshot-backend: serving %s on %s\n", *dir, base)
	fmt.Fprintf(stdout, "  DEVICEMANAGEMENTENDPOINT = %q\n", base+managementPath)
	fmt.Fprintf(stdout, "  ANALYTICSENDPOINT        = %q\n", base+eventsPath)
	fmt.Fprintf(stdout, "  devices page               %s/\n", base)
	srv := &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "earshot-backend: "+err.Error())
		return 1
	}
	return 0
}

// exampleConfig is the answer for the demo's Jabra Evolve2 85 (0B0E:30A4).
const exampleConfig = `{
  "firmware": {
    "version": "1.27.0",
    "downloadUrl": "Firmware/Jabra-Evolve2-85-1.27.0.zip"
  },
  "settings": {
    "WIRELESS_RANGE": "2",
    "AUTO_OFF": "60",
    "VOICE_ANNOUNCEMENTS_LANGUAGE_1": "de-DE",
    "EVENT_CALL_STATUS": "1"
  }
}
`

// writeExample lays out dir for the demo, unless it exists.
func writeExample(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	files := map[string][]byte{
		"configs/default.json":   []byte(`{"firmware": {}, "settings": {}}` + "\n"),
		"configs/0B0E-30A4.json": []byte(exampleConfig),
		"Firmware/Jabra-Evolve2-85-1.27.0.zip": firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 256<<10,
			"en-US", "de-DE", "fr-FR"),
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
