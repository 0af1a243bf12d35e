package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// firmwareDesk is a scenario with one headset whose updates take 2 s of
// scenario time (0.02 s at speed 100); result is its firmwareUpdate result.
func firmwareDesk(t *testing.T, result string) (scenario, archive string) {
	t.Helper()
	dir := t.TempDir()
	scenario = filepath.Join(dir, "desk.json")
	desk := `{"speed": 100, "devices": [
	  {"id": "hs1", "kind": "headset", "name": "Jabra Evolve2 85", "vendorId": "0B0E", "productId": "30A4",
	   "variant": "01-96", "esn": "501AA5D6337F", "firmware": "1.25.0", "battery": {"level": 90},
	   "firmwareUpdate": {"result": "` + result + `", "seconds": 2}}], "timeline": []}`
	if err := os.WriteFile(scenario, []byte(desk), 0o600); err != nil {
		t.Fatal(err)
	}
	archive = filepath.Join(dir, "Jabra Evolve2 85 1.27.0.zip")
	if err := os.WriteFile(archive, firmwaretest.Archive("1.27.0", []uint16{0x30A4}, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	return scenario, archive
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, []string{"LANG=en_US.UTF-8"})
	return code, out.String(), errOut.String()
}

func TestFirmwareCommandsWithoutOwner(t *testing.T) {
	scenario, archive := firmwareDesk(t, "Success")
	data := t.TempDir()
	code, out, errOut := runCLI(t, "firmware", "--sim", scenario, "--data", data, "stage", "Jabra Evolve2", archive)
	if code != 0 {
		t.Fatalf("stage: exit %d: %s", code, errOut)
	}
	mustContain(t, out, "Staged Jabra_Evolve2_85_1.27.0.zip for Jabra Evolve2 85: firmware 1.27.0")
	mustContain(t, out, "earshot firmware apply 501AA5D6337F")
	if _, err := os.Stat(filepath.Join(data, "firmware", "501AA5D6337F", "Jabra_Evolve2_85_1.27.0.zip")); err != nil {
		t.Errorf("not in the staging folder: %v", err)
	}
	code, out, errOut = runCLI(t, "firmware", "--sim", scenario, "--data", data, "apply", "501AA5D6337F", "--json")
	if code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	var outcome map[string]any
	mustDecode(t, out, &outcome)
	if outcome["Status"] != "Success" || outcome["To"] != "1.27.0" || outcome["From"] != "1.25.0" {
		t.Errorf("apply --json = %v", outcome)
	}
	// Installed: nothing is staged any more.
	code, _, errOut = runCLI(t, "--sim", scenario, "--data", data, "firmware", "apply", "501AA5D6337F")
	if code != 1 {
		t.Fatalf("second apply: exit %d, want 1", code)
	}
	mustContain(t, errOut, "no firmware is staged for this device")
}

func TestFirmwareCommandsMisuse(t *testing.T) {
	for _, args := range [][]string{
		{"firmware"},
		{"firmware", "stage", "X"},
		{"firmware", "apply"},
		{"firmware", "flash", "X"},
		{"firmware", "apply", "X", "Y"},
		{"--apply-firmware"},
	} {
		if code, _, errOut := runCLI(t, append([]string{"--data", t.TempDir()}, args...)...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}

func TestFirmwareCommandsThroughTheOwner(t *testing.T) {
	scenario, archive := firmwareDesk(t, "Headset needs to be docked")
	data := t.TempDir()
	owner := self(t, "service", "--data", data, "--sim", scenario)
	var ownerErr bytes.Buffer
	owner.Stderr = &ownerErr
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = owner.Process.Kill(); _ = owner.Wait() })
	waitForSocket(t, data)

	code, out, errOut := runCLI(t, "firmware", "--data", data, "stage", "501AA5D6337F", archive, "--json")
	if code != 0 {
		t.Fatalf("stage through the owner: exit %d: %s", code, errOut)
	}
	var st map[string]any
	mustDecode(t, out, &st)
	staged, _ := st["Staged"].(map[string]any)
	if staged["Version"] != "1.27.0" || staged["State"] != "staged" || staged["Managed"] != false {
		t.Errorf("stage --json = %v", st)
	}
	code, _, errOut = runCLI(t, "firmware", "--data", data, "apply", "Jabra")
	if code != 1 {
		t.Fatalf("apply of a refused update: exit %d, want 1", code)
	}
	mustContain(t, errOut, "firmware update failed: Headset needs to be docked")
	if n := strings.Count(strings.TrimSpace(errOut), "\n"); n != 0 {
		t.Errorf("more than one line on stderr: %q", errOut)
	}
	// The staged file is kept for another try.
	code, _, errOut = runCLI(t, "firmware", "--data", data, "stage", "501AA5D6337F", filepath.Join(t.TempDir(), "missing.zip"))
	if code != 1 {
		t.Fatalf("stage of a missing file: exit %d", code)
	}
	mustContain(t, errOut, "the firmware was not staged")
}
