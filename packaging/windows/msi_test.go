// Package windows holds the Windows packaging scripts; this test builds the
// MSI with packaging/windows/msi.sh and reads its tables back with msiinfo.
package windows

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The installer properties of docs/configuration.md that the MSI takes on the command line.
var properties = []string{
	"ANALYTICSENDPOINT", "DEVICEMANAGEMENTENDPOINT", "USERNAME", "PASSWORD", "TRAYICON",
	"CHECKFORUPDATESINTERVALMINUTES", "BACKENDTYPE", "BACKENDCONFIGURATION",
	"DEVICECAPABILITIESENDPOINT", "PEOPLECOUNTHEARTBEATINTERVALMINUTES", "CATALOGDIR",
}

const upgradeCode = "{7E1B6C0A-52D4-4F3B-9A8E-3C2D1B0A9F84}"

func TestMSITables(t *testing.T) {
	for _, tool := range []string{"wixl", "msiinfo", "msibuild", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: apt-get install wixl msitools imagemagick); CI installs them", tool)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"earshot.exe", "earshotd.exe"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("MZ "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ico := filepath.Join(dir, "earshot.ico")
	if out, err := exec.Command("convert", "../../assets/icons/earshot.png", "-resize", "32x32", ico).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	msi := filepath.Join(dir, "earshot.msi")
	cmd := exec.Command("bash", "msi.sh", dir, msi)
	cmd.Env = append(os.Environ(), "EARSHOT_MSI_WORK="+filepath.Join(dir, "work"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("msi.sh: %v\n%s", err, out)
	}
	table := func(name string) []map[string]string {
		out, err := exec.Command("msiinfo", "export", msi, name).Output()
		if err != nil {
			t.Fatalf("msiinfo export %s: %v", name, err)
		}
		lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(out), "\r", ""), "\n"), "\n")
		if len(lines) < 3 {
			t.Fatalf("table %s: %q", name, out)
		}
		cols := strings.Split(lines[0], "\t")
		var rows []map[string]string
		for _, l := range lines[3:] {
			vals := strings.Split(l, "\t")
			if len(vals) != len(cols) {
				t.Fatalf("table %s: row %q has %d fields, want %d", name, l, len(vals), len(cols))
			}
			row := map[string]string{}
			for i, c := range cols {
				row[c] = vals[i]
			}
			rows = append(rows, row)
		}
		return rows
	}
	find := func(rows []map[string]string, col, val string) map[string]string {
		for _, r := range rows {
			if r[col] == val {
				return r
			}
		}
		return nil
	}

	props := table("Property")
	prop := func(name string) string {
		if r := find(props, "Property", name); r != nil {
			return r["Value"]
		}
		return ""
	}
	secure := strings.Split(prop("SecureCustomProperties"), ";")
	registry, components := table("Registry"), table("Component")
	appSearch, locks := table("AppSearch"), table("MsiLockPermissionsEx")

	for _, p := range properties {
		t.Run(p, func(t *testing.T) {
			if !slices.Contains(secure, p) {
				t.Errorf("%s is not in SecureCustomProperties %v: msiexec would not pass it to the install", p, secure)
			}
			reg := find(registry, "Name", p)
			if reg == nil {
				t.Fatalf("no Registry row persists %s", p)
			}
			wantKey := `Software\Earshot`
			if p == "PASSWORD" {
				wantKey = `Software\Earshot\Protected`
			}
			if reg["Root"] != "2" || strings.TrimSuffix(reg["Key"], `\`) != wantKey || reg["Value"] != "["+p+"]" {
				t.Errorf("Registry row %v, want HKLM (2) %s = [%s]", reg, wantKey, p)
			}
			comp := find(components, "Component", reg["Component_"])
			if comp == nil || comp["Condition"] != p {
				t.Errorf("component %v of %s: want the condition %q so an unset property writes nothing", comp, p, p)
			}
			remembered := find(appSearch, "Property", p) != nil
			if p == "PASSWORD" && remembered {
				t.Errorf("PASSWORD is read back from the registry by AppSearch")
			}
			if p != "PASSWORD" && !remembered {
				t.Errorf("%s is not read back by AppSearch: an upgrade without it on the command line would lose it", p)
			}
		})
	}

	if !slices.Contains(strings.Split(prop("MsiHiddenProperties"), ";"), "PASSWORD") {
		t.Errorf("MsiHiddenProperties %q does not hide PASSWORD from the log", prop("MsiHiddenProperties"))
	}
	pw := find(registry, "Name", "PASSWORD")
	lock := find(locks, "LockObject", pw["Registry"])
	if lock == nil || lock["Table"] != "Registry" || lock["SDDLText"] != "D:PAI(A;;KA;;;SY)(A;;KA;;;BA)" {
		t.Errorf("the PASSWORD key's lock %v: want SYSTEM and Administrators only, nothing inherited", lock)
	}

	t.Run("the password protection service", func(t *testing.T) {
		checkProtectService(t, table, find, prop, secure)
	})

	upgrades := table("Upgrade")
	var detect, downgrade bool
	for _, u := range upgrades {
		if u["UpgradeCode"] != upgradeCode {
			t.Errorf("Upgrade row %v has another UpgradeCode than %s", u, upgradeCode)
		}
		detect = detect || (u["ActionProperty"] == "WIX_UPGRADE_DETECTED" && u["VersionMin"] == "")
		downgrade = downgrade || u["ActionProperty"] == "WIX_DOWNGRADE_DETECTED"
	}
	if !detect || !downgrade {
		t.Errorf("Upgrade table %v: want the older-version row (upgrade) and the newer-version row (no downgrade)", upgrades)
	}
	if prop("UpgradeCode") != upgradeCode {
		t.Errorf("UpgradeCode %q, want %s", prop("UpgradeCode"), upgradeCode)
	}
	seq := table("InstallExecuteSequence")
	if find(seq, "Action", "RemoveExistingProducts") == nil {
		t.Errorf("no RemoveExistingProducts: an upgrade would leave the old version installed")
	}
	run := find(registry, "Name", "Earshot")
	if run == nil || run["Key"] != `Software\Microsoft\Windows\CurrentVersion\Run` || !strings.Contains(run["Value"], "earshot.exe") {
		t.Errorf("no start-at-logon Run value: %v", run)
	}
	raw, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if v := strings.TrimSpace(string(raw)); prop("ProductVersion") != v {
		t.Errorf("ProductVersion %q, VERSION %q", prop("ProductVersion"), v)
	}
}

// checkProtectService checks the rows of the "Earshot password protection"
// service and of the sealed password it writes (app/config/secret_machine.go):
// what a Windows PC would do with them cannot be run here (wine cannot run
// Go 1.26 binaries), so the MSI's tables are the check.
func checkProtectService(t *testing.T, table func(string) []map[string]string,
	find func([]map[string]string, string, string) map[string]string, prop func(string) string, secure []string) {
	files, components := table("File"), table("Component")
	svcs := table("ServiceInstall")
	si := find(svcs, "Name", "EarshotProtect")
	if si == nil {
		t.Fatalf("no ServiceInstall row EarshotProtect: %v", svcs)
	}
	// 16 own process, 2 auto start (every boot), 1 normal error control.
	if si["ServiceType"] != "16" || si["StartType"] != "2" || si["ErrorControl"] != "1" ||
		si["StartName"] != "LocalSystem" || si["Arguments"] != "protect-secrets" || si["Password"] != "" {
		t.Errorf("ServiceInstall %v: want an own-process, auto-start LocalSystem service running protect-secrets", si)
	}
	comp := find(components, "Component", si["Component_"])
	exe := find(files, "File", comp["KeyPath"])
	if comp == nil || exe == nil || !strings.HasSuffix(exe["FileName"], "earshotd.exe") {
		t.Errorf("the service's component %v has the key file %v: the service would not run earshotd.exe", comp, exe)
	}
	if comp["Condition"] != "" {
		t.Errorf("the service's component has the condition %q: it must always be installed", comp["Condition"])
	}
	sc := find(table("ServiceControl"), "Name", "EarshotProtect")
	// msidbServiceControlEvent: 0x1 start at install, 0x2 stop at install,
	// 0x20 stop at uninstall, 0x80 delete at uninstall.
	if sc == nil || sc["Event"] != "163" || sc["Component_"] != si["Component_"] {
		t.Errorf("ServiceControl %v: want start at install, stop at install and uninstall, delete at uninstall (163)", sc)
	}
	seq := table("InstallExecuteSequence")
	at := func(action string) int {
		r := find(seq, "Action", action)
		if r == nil {
			t.Errorf("InstallExecuteSequence has no %s", action)
			return -1
		}
		n := 0
		for _, c := range r["Sequence"] {
			n = n*10 + int(c-'0')
		}
		return n
	}
	if w, s := at("WriteRegistryValues"), at("StartServices"); w < 0 || s <= w {
		t.Errorf("StartServices (%d) must come after WriteRegistryValues (%d): the service seals what the MSI wrote", s, w)
	}
	for _, a := range []string{"InstallServices", "StopServices", "DeleteServices"} {
		at(a)
	}

	reg := find(table("Registry"), "Name", "PASSWORDDPAPI")
	if reg == nil || reg["Root"] != "2" || reg["Key"] != `Software\Earshot` || reg["Value"] != "[PASSWORDDPAPI]" {
		t.Fatalf("Registry row of the sealed password %v: want HKLM Software\\Earshot PASSWORDDPAPI = [PASSWORDDPAPI]", reg)
	}
	if c := find(components, "Component", reg["Component_"]); c == nil || c["Condition"] != "" {
		t.Errorf("the sealed password's component %v: want no condition, so the MSI owns the value and uninstalling removes it", c)
	}
	if find(table("AppSearch"), "Property", "PASSWORDDPAPI") == nil {
		t.Errorf("PASSWORDDPAPI is not read back by AppSearch: an upgrade would lose the sealed password")
	}
	if !slices.Contains(secure, "PASSWORDDPAPI") {
		t.Errorf("PASSWORDDPAPI is not in SecureCustomProperties")
	}
	if !slices.Contains(strings.Split(prop("MsiHiddenProperties"), ";"), "PASSWORDDPAPI") {
		t.Errorf("MsiHiddenProperties %q does not hide PASSWORDDPAPI", prop("MsiHiddenProperties"))
	}
}
