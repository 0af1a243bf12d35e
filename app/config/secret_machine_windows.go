//go:build windows

package config

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// machineEntropy is DPAPI's optional entropy for the machine password: a
// program unsealing blobs blindly needs it too.
var machineEntropy = []byte("Earshot " + KeyPassword + " for every user")

func init() {
	machineSeal = func(plain []byte) ([]byte, error) {
		var out windows.DataBlob
		err := windows.CryptProtectData(blob(plain), nil, blob(machineEntropy), 0, nil,
			windows.CRYPTPROTECT_UI_FORBIDDEN|windows.CRYPTPROTECT_LOCAL_MACHINE, &out)
		if err != nil {
			return nil, err
		}
		defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
		return append([]byte(nil), unsafe.Slice(out.Data, out.Size)...), nil
	}
	machineUnseal = func(sealed []byte) ([]byte, error) {
		var out windows.DataBlob
		if err := windows.CryptUnprotectData(blob(sealed), nil, blob(machineEntropy), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
			return nil, err
		}
		defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
		return append([]byte(nil), unsafe.Slice(out.Data, out.Size)...), nil
	}
}
