//go:build windows

package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/translations"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
)

// protectService is the service the MSI installs (packaging/windows/msi.sh):
// LocalSystem, started at install and at every boot. It seals the MSI's
// clear PASSWORD (HKLM\Software\Earshot\Protected, SYSTEM and Administrators
// only) with machine-scope DPAPI into HKLM\Software\Earshot\PASSWORDDPAPI,
// which every user's Earshot reads, and deletes the clear value
// (config.ProtectMachinePassword). It then waits for the next change under
// HKLM\Software\Earshot (a repair, an upgrade, a Group Policy writing the
// value) or ten minutes, and does it again.
const protectService = "EarshotProtect"

// recheck bounds the wait between two passes when no change is signalled.
const recheck = 10 * 60 * 1000 // milliseconds

// platformMain runs `earshotd protect-secrets`: as the service when the
// service manager started it, else once, from an administrator's console.
func platformMain(args []string) (code int, done bool) {
	if len(args) == 0 || args[0] != "protect-secrets" {
		return 0, false
	}
	t := translations.New(translations.OSLanguage())
	if len(args) > 1 {
		fmt.Fprintln(os.Stderr, "earshotd: "+t.T("cli.extraArgs", "Args", fmt.Sprint(args[1:])))
		return 2, true
	}
	if isSvc, err := svc.IsWindowsService(); err == nil && isSvc {
		if err := svc.Run(protectService, protector{t: t}); err != nil {
			return 1, true
		}
		return 0, true
	}
	moved, err := config.ProtectMachinePassword(config.HKLM())
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "earshotd: "+t.T("earshotd.protect.failed", "Err", err.Error()))
		return 1, true
	case moved:
		fmt.Println(t.T("earshotd.protect.sealed"))
	default:
		fmt.Println(t.T("earshotd.protect.nothing"))
	}
	return 0, true
}

type protector struct{ t *translations.Translator }

// Execute implements svc.Handler.
func (p protector) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	log, _ := eventlog.Open(protectService) // nil when the event log refuses: then nothing is logged
	if log != nil {
		defer log.Close()
	}
	pass := func() {
		moved, err := config.ProtectMachinePassword(config.HKLM())
		switch {
		case err != nil && log != nil:
			log.Error(1, p.t.T("earshotd.protect.failed", "Err", err.Error()))
		case moved && log != nil:
			log.Info(2, p.t.T("earshotd.protect.sealed"))
		}
	}
	changed := watchRegistry()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	pass()
	for {
		select {
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending}
				return false, 0
			}
		case <-changed:
			pass()
		}
	}
}

// watchRegistry signals every change of a value under HKLM\Software\Earshot,
// and every ten minutes when nothing changed or the key cannot be watched.
func watchRegistry() <-chan struct{} {
	ch := make(chan struct{}, 1)
	go func() {
		// A registry notification belongs to the thread that asked for it.
		runtime.LockOSThread()
		ev, err := windows.CreateEvent(nil, 0, 0, nil)
		if err != nil {
			ev = 0
		}
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, config.RegistryPath, registry.NOTIFY)
		watching := err == nil && ev != 0
		for {
			if watching {
				watching = windows.RegNotifyChangeKeyValue(windows.Handle(k), true,
					windows.REG_NOTIFY_CHANGE_LAST_SET|windows.REG_NOTIFY_CHANGE_NAME, ev, true) == nil
			}
			if watching {
				windows.WaitForSingleObject(ev, recheck)
			} else {
				windows.SleepEx(recheck, false)
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return ch
}
