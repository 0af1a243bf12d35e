// Package config loads Earshot's configuration (docs/configuration.md).
//
// Sources are layered, later wins: built-in defaults → machine-wide settings
// written by the installer → the user's preferences → --config FILE →
// environment (EARSHOT_<KEY>) → flags. Keys are the installer property names.
// A malformed value is reported with its source and key, and the value from
// the layers below it (ultimately the default) is kept: configuration never
// stops Earshot from starting.
package config

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/device"
)

// The property names of docs/configuration.md.
const (
	KeyAnalyticsEndpoint      = "ANALYTICSENDPOINT"
	KeyManagementEndpoint     = "DEVICEMANAGEMENTENDPOINT"
	KeyUsername               = "USERNAME"
	KeyPassword               = "PASSWORD"
	KeyTrayIcon               = "TRAYICON"
	KeyCheckForUpdates        = "CHECKFORUPDATESINTERVALMINUTES"
	KeyBackendType            = "BACKENDTYPE"
	KeyBackendConfiguration   = "BACKENDCONFIGURATION"
	KeyCapabilitiesEndpoint   = "DEVICECAPABILITIESENDPOINT"
	KeyPeopleCountHeartbeat   = "PEOPLECOUNTHEARTBEATINTERVALMINUTES"
	KeyCatalogDir             = "CATALOGDIR"
	KeyLanguage               = "LANGUAGE"
	defaultCheckForUpdates    = 10080
	defaultPeopleCountMinutes = 10

	// KeyCallHistoryRetention is how many days of call and camera-session
	// history are kept (Earshot's own key); 0 keeps everything.
	KeyCallHistoryRetention     = "CALLHISTORYRETENTIONDAYS"
	defaultCallHistoryRetention = 180

	// KeyPresenceAPI switches the local presence HTTP API on or off
	// (default off); KeyPresenceAPIAddress is where it listens.
	KeyPresenceAPI            = "PRESENCEAPI"
	KeyPresenceAPIAddress     = "PRESENCEAPIADDRESS"
	DefaultPresenceAPIAddress = "127.0.0.1:8990"
	// KeyPresenceColourPrefix + a state name in capitals (FREE, BUSY, AWAY,
	// DND, ONTHEPHONE, LUNCH, RINGING) is the colour busylights show for
	// it: a colour name or #RRGGBB, optionally followed by "blink".
	KeyPresenceColourPrefix = "PRESENCECOLOUR"
	// KeyHIDTelLEDs (Earshot's own key, ON/OFF, default OFF) makes the
	// standard call-control driver (hidtel) answer a headset's LEDs itself:
	// Off-Hook during a call, the mute LED after every mute press. Off, it
	// only observes, because the softphone owns the call and a second
	// writer would fight it.
	KeyHIDTelLEDs = "HIDTELLEDS"
)

// PresenceColourStates are the states with a colour key, lower case.
var PresenceColourStates = []string{"free", "busy", "away", "dnd", "onthephone", "lunch", "ringing"}

// Backend types of BACKENDTYPE.
const (
	BackendDefault    = "Default"
	BackendPowerSuite = "PowerSuite"
	BackendOvoc       = "Ovoc"
)

// Config is the resolved configuration.
type Config struct {
	// AnalyticsEndpoints are the valid URLs of ANALYTICSENDPOINT, split on "|".
	AnalyticsEndpoints []string
	ManagementEndpoint string
	Username           string
	Password           string
	TrayIcon           bool
	// CheckForUpdatesMinutes is how often the management endpoint is asked.
	CheckForUpdatesMinutes int
	BackendType            string
	BackendConfiguration   string
	CapabilitiesEndpoint   string
	// PeopleCountHeartbeatMinutes ≤ 0 switches the heartbeat off.
	PeopleCountHeartbeatMinutes int
	CatalogDir                  string
	Language                    string
	// CallHistoryRetentionDays is how long call history is kept; 0 = forever.
	CallHistoryRetentionDays int
	// PresenceAPI: the local presence HTTP API runs (PRESENCEAPI on).
	PresenceAPI bool
	// PresenceAPIAddress is host:port; anything but loopback must be set
	// explicitly (Sources has the key) and gets a warning.
	PresenceAPIAddress string
	// PresenceColours are the colours set by PRESENCECOLOUR<STATE> keys,
	// by lower-case state name ("ringing" included); unset states keep
	// the built-in colours.
	PresenceColours map[string]device.LightState
	// HIDTelLEDs: hidtel writes the call-control LED reports (HIDTELLEDS).
	HIDTelLEDs bool

	// Sources says, per key that was set, which source set it.
	Sources map[string]string
}

// Defaults returns the built-in configuration.
func Defaults() Config {
	return Config{
		TrayIcon:                    true,
		CheckForUpdatesMinutes:      defaultCheckForUpdates,
		BackendType:                 BackendDefault,
		PeopleCountHeartbeatMinutes: defaultPeopleCountMinutes,
		CallHistoryRetentionDays:    defaultCallHistoryRetention,
		PresenceAPIAddress:          DefaultPresenceAPIAddress,
		PresenceColours:             map[string]device.LightState{},
		Sources:                     map[string]string{},
	}
}

// Problem is one thing wrong in a source; Earshot reports it and goes on.
type Problem struct {
	Source string
	Key    string // empty when the whole source is unreadable
	Msg    string
}

// String is the problem on one line, whatever the file, key or value held:
// control characters are escaped and long parts cut with "…".
func (p Problem) String() string {
	src := oneLine(p.Source, maxShown*2)
	if p.Key == "" {
		return cut(fmt.Sprintf("config %s: %s", src, oneLine(p.Msg, maxLine)), maxLine)
	}
	return cut(fmt.Sprintf("config %s: %s: %s", src, oneLine(p.Key, maxShown), oneLine(p.Msg, maxLine)), maxLine)
}

// Layer is one source of values: a name for messages and its key/value pairs.
type Layer struct {
	Source string
	Values map[string]string
	// NotValues names, by key as written, what a file held where a key
	// wants one value ("an array", "a table", "a date"); such a key is
	// reported and keeps the value of the layers below.
	NotValues map[string]string
}

// maxProblemsPerSource is how many problems one source reports one by one;
// the rest are counted in one more line, so a hostile file of 100 000
// unknown keys does not flood the log.
const maxProblemsPerSource = 50

type setter func(c *Config, v string) error

var keys = map[string]setter{
	KeyAnalyticsEndpoint:    nil, // special: each URL is checked on its own
	KeyManagementEndpoint:   func(c *Config, v string) error { return setURL(&c.ManagementEndpoint, v) },
	KeyUsername:             func(c *Config, v string) error { c.Username = v; return nil },
	KeyPassword:             func(c *Config, v string) error { c.Password = v; return nil },
	KeyTrayIcon:             func(c *Config, v string) error { return setYesNo(&c.TrayIcon, v) },
	KeyCheckForUpdates:      func(c *Config, v string) error { return setInt(&c.CheckForUpdatesMinutes, v, 1) },
	KeyBackendType:          setBackendType,
	KeyBackendConfiguration: func(c *Config, v string) error { c.BackendConfiguration = v; return nil },
	KeyCapabilitiesEndpoint: func(c *Config, v string) error { return setURL(&c.CapabilitiesEndpoint, v) },
	KeyPeopleCountHeartbeat: func(c *Config, v string) error { return setInt(&c.PeopleCountHeartbeatMinutes, v, -1<<31) },
	KeyCatalogDir:           func(c *Config, v string) error { c.CatalogDir = v; return nil },
	KeyLanguage:             func(c *Config, v string) error { c.Language = v; return nil },
	KeyCallHistoryRetention: func(c *Config, v string) error { return setInt(&c.CallHistoryRetentionDays, v, 0) },
	KeyPresenceAPI:          func(c *Config, v string) error { return setYesNo(&c.PresenceAPI, v) },
	KeyPresenceAPIAddress:   setPresenceAddress,
	KeyHIDTelLEDs:           func(c *Config, v string) error { return setYesNo(&c.HIDTelLEDs, v) },
}

func init() {
	for _, st := range PresenceColourStates {
		keys[KeyPresenceColourPrefix+strings.ToUpper(st)] = func(c *Config, v string) error {
			l, err := device.ParseLightState(v)
			if err != nil {
				return err
			}
			c.PresenceColours[st] = l
			return nil
		}
	}
}

func setPresenceAddress(c *Config, v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", v)
	}
	c.PresenceAPIAddress = v
	return nil
}

// Keys returns every known property name, sorted.
func Keys() []string {
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Resolve applies layers in order over the defaults.
func Resolve(layers []Layer) (Config, []Problem) {
	c := Defaults()
	var problems []Problem
	for _, l := range layers {
		names := make([]string, 0, len(l.Values)+len(l.NotValues))
		for k := range l.Values {
			names = append(names, k)
		}
		for k := range l.NotValues {
			if _, dup := l.Values[k]; !dup {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		var mine []Problem
		report := func(p Problem) { mine = append(mine, p) }
		for _, raw := range names {
			key := strings.ToUpper(strings.TrimSpace(raw))
			v := strings.TrimSpace(l.Values[raw])
			set, known := keys[key]
			what, notValue := l.NotValues[raw]
			switch {
			case known && notValue:
				report(Problem{l.Source, raw, fmt.Sprintf("%s, not one value; keeping %s", what, describe(c, key))})
				continue
			case len(l.Values[raw]) > MaxValueBytes:
				report(Problem{l.Source, raw, fmt.Sprintf("a value of %d bytes is longer than the %d allowed; ignored",
					len(l.Values[raw]), MaxValueBytes)})
				continue
			case !known:
				report(Problem{l.Source, raw, "unknown key, ignored"})
				continue
			case key == KeyAnalyticsEndpoint:
				eps, bad := splitEndpoints(v)
				for _, b := range bad {
					report(Problem{l.Source, key, b + ", skipped"})
				}
				c.AnalyticsEndpoints = eps
			default:
				if err := set(&c, v); err != nil {
					report(Problem{l.Source, key, err.Error() + "; keeping " + describe(c, key)})
					continue
				}
			}
			c.Sources[key] = l.Source
		}
		problems = append(problems, capProblems(l.Source, mine)...)
	}
	if c.Username != "" {
		for _, u := range append([]string{c.ManagementEndpoint}, c.AnalyticsEndpoints...) {
			if strings.HasPrefix(strings.ToLower(u), "http://") {
				problems = append(problems, Problem{c.Sources[KeyUsername], KeyUsername,
					"Basic credentials are sent unencrypted to " + Redact(u) + "; use https"})
			}
		}
	}
	return c, problems
}

// capProblems keeps the first maxProblemsPerSource problems of a source
// and counts the rest in one more line.
func capProblems(source string, ps []Problem) []Problem {
	if len(ps) <= maxProblemsPerSource {
		return ps
	}
	return append(ps[:maxProblemsPerSource:maxProblemsPerSource], Problem{Source: source,
		Msg: fmt.Sprintf("%d more problems not shown one by one", len(ps)-maxProblemsPerSource)})
}

func describe(c Config, key string) string {
	switch key {
	case KeyTrayIcon:
		return yesNo(c.TrayIcon)
	case KeyHIDTelLEDs:
		return yesNo(c.HIDTelLEDs)
	case KeyCheckForUpdates:
		return strconv.Itoa(c.CheckForUpdatesMinutes)
	case KeyPeopleCountHeartbeat:
		return strconv.Itoa(c.PeopleCountHeartbeatMinutes)
	case KeyCallHistoryRetention:
		return strconv.Itoa(c.CallHistoryRetentionDays)
	case KeyBackendType:
		return c.BackendType
	case KeyPresenceAPI:
		if c.PresenceAPI {
			return "on"
		}
		return "off"
	case KeyPresenceAPIAddress:
		return c.PresenceAPIAddress
	case KeyManagementEndpoint:
		return quoteOrEmpty(Redact(c.ManagementEndpoint))
	case KeyCapabilitiesEndpoint:
		return quoteOrEmpty(Redact(c.CapabilitiesEndpoint))
	case KeyPassword, KeyBackendConfiguration:
		return "the previous value" // secrets are never shown
	}
	return quoteOrEmpty(Values(c)[key])
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func quoteOrEmpty(s string) string {
	if s == "" {
		return "it empty"
	}
	return shown(s)
}

func setYesNo(dst *bool, v string) error {
	switch strings.ToUpper(v) {
	case "YES", "TRUE", "1", "ON":
		*dst = true
	case "NO", "FALSE", "0", "OFF":
		*dst = false
	default:
		return fmt.Errorf("%s is not YES or NO", shown(v))
	}
	return nil
}

func setInt(dst *int, v string, min int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%s is not a whole number", shown(v))
	}
	if n < min {
		return fmt.Errorf("%d is below the minimum %d", n, min)
	}
	*dst = n
	return nil
}

func setBackendType(c *Config, v string) error {
	for _, t := range []string{BackendDefault, BackendPowerSuite, BackendOvoc} {
		if strings.EqualFold(v, t) {
			c.BackendType = t
			return nil
		}
	}
	return fmt.Errorf("%s is not Default, PowerSuite or Ovoc", shown(v))
}

func setURL(dst *string, v string) error {
	if v == "" {
		*dst = ""
		return nil
	}
	if err := checkURL(v); err != nil {
		return err
	}
	*dst = v
	return nil
}

func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%s is not a URL", shown(Redact(v)))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s is not an http or https URL", shown(Redact(v)))
	}
	if u.Host == "" {
		return fmt.Errorf("%s has no host", shown(Redact(v)))
	}
	return nil
}

// splitEndpoints splits an ANALYTICSENDPOINT value on "|", returning the valid
// URLs and a message per invalid one.
func splitEndpoints(v string) (good []string, bad []string) {
	for _, part := range strings.Split(v, "|") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if err := checkURL(part); err != nil {
			bad = append(bad, err.Error())
			continue
		}
		good = append(good, part)
	}
	return good, bad
}

// Redact masks the credentials and query values of a URL for logs and
// output ("https://u:xxxxx@h/p?Token=xxxxx").
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	if u.User != nil {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// ReadTOML reads a TOML file of property names. A missing file is no layer and
// no problem when optional; any other failure is a Problem. A file over
// MaxFileBytes or nested deeper than MaxDepth is refused before it is
// decoded, and ignored as a whole: the other layers (ultimately the
// defaults) stand.
func ReadTOML(fs afero.Fs, path string, optional bool) (*Layer, *Problem) {
	raw, err := readBounded(fs, path)
	if err != nil {
		if optional {
			if ok, _ := afero.Exists(fs, path); !ok {
				return nil, nil
			}
		}
		return nil, &Problem{Source: path, Msg: "cannot read: " + err.Error()}
	}
	if err := checkDocument(raw); err != nil {
		return nil, &Problem{Source: path, Msg: err.Error() + "; file ignored"}
	}
	if line, ok := invalidUTF8Line(raw); !ok {
		return nil, &Problem{Source: path, Msg: fmt.Sprintf("line %d is not UTF-8 text, as TOML must be; file ignored", line)}
	}
	var doc map[string]any
	if _, err := toml.Decode(string(raw), &doc); err != nil {
		msg := err.Error()
		if pe, ok := err.(toml.ParseError); ok {
			msg = fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, &Problem{Source: path, Msg: "not valid TOML: " + msg + "; file ignored"}
	}
	l := &Layer{Source: path, Values: map[string]string{}, NotValues: map[string]string{}}
	for k, v := range doc {
		switch x := v.(type) {
		case string:
			l.Values[k] = x
		case int64:
			l.Values[k] = strconv.FormatInt(x, 10)
		case float64:
			l.Values[k] = strconv.FormatFloat(x, 'g', -1, 64)
		case bool:
			l.Values[k] = strconv.FormatBool(x) // the yes/no keys take true and false
		case []any, []map[string]any:
			l.NotValues[k] = "an array"
		case map[string]any:
			l.NotValues[k] = "a table"
		default: // the date and time types
			l.NotValues[k] = "a date or time"
		}
	}
	return l, nil
}

// readBounded reads at most MaxFileBytes+1 bytes of path: enough to tell
// that a file is too large without reading all of it.
func readBounded(fs afero.Fs, path string) ([]byte, error) {
	f, err := fs.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
}

// EnvLayer picks EARSHOT_<KEY> variables out of environ ("K=V" pairs).
func EnvLayer(environ []string) Layer {
	l := Layer{Source: "environment", Values: map[string]string{}}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "EARSHOT_") {
			continue
		}
		l.Values[strings.TrimPrefix(k, "EARSHOT_")] = v
	}
	for k := range l.Values {
		if _, known := keys[strings.ToUpper(k)]; !known {
			// Environment variables of other tools may share the prefix
			// (EARSHOT_DATA…); only property names are configuration.
			delete(l.Values, k)
		}
	}
	return l
}

// Paths are the files Load reads.
type Paths struct {
	Machine string // machine-wide file written by the installer; "" = none on this OS
	User    string // the user's preferences
	Flag    string // --config FILE; must exist when given
}

// Load reads the machine-wide, user and --config files from fs, then the
// extra layers (machine-wide registry values on Windows go first, environment
// and flags last), and resolves them.
func Load(fs afero.Fs, p Paths, before []Layer, after []Layer) (Config, []Problem) {
	var layers []Layer
	var problems []Problem
	layers = append(layers, before...)
	for _, f := range []struct {
		path     string
		optional bool
	}{{p.Machine, true}, {p.User, true}, {p.Flag, false}} {
		if f.path == "" {
			continue
		}
		l, prob := ReadTOML(fs, f.path, f.optional)
		if prob != nil {
			problems = append(problems, *prob)
		}
		if l != nil {
			layers = append(layers, *l)
		}
	}
	layers = append(layers, after...)
	c, more := Resolve(layers)
	return c, append(problems, more...)
}
