package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoWindowDependencies fails when the headless binary's dependency list
// gains a package of Fyne, GL, X11 or the views: the fleet service must stay
// small and must build without cgo on Linux.
func TestNoWindowDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, env := range [][]string{nil, {"CGO_ENABLED=0"}, {"GOOS=windows"}, {"GOOS=darwin"}} {
		cmd := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", ".")
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", env, err, out)
		}
		for _, p := range strings.Fields(string(out)) {
			for _, banned := range []string{"fyne.io/", "github.com/go-gl/", "github.com/fyne-io/", "github.com/jezek/xgb", "github.com/earshot-app/earshot/views"} {
				if strings.Contains(p, banned) {
					t.Errorf("earshotd %v depends on %s", env, p)
				}
			}
		}
	}
}
