//go:build !windows

package localapi

import (
	"fmt"
	"os"
	"syscall"
)

// CheckDataFolder refuses a data folder other users could change: one with
// group or other write bits, or one the user running Earshot does not own
// (an *UnsafeFolderError). The owner process checks it before it creates
// its socket there. A folder that does not exist yet is fine: Earshot
// creates it private.
func CheckDataFolder(dir string) error {
	fi, err := os.Stat(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check the data folder %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("the data folder %s is not a folder", dir)
	}
	uid := os.Geteuid()
	owner := uid
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		owner = int(st.Uid)
	}
	if fi.Mode().Perm()&0o022 != 0 || owner != uid {
		return &UnsafeFolderError{Dir: dir, Mode: fi.Mode().Perm(), Owner: owner, User: uid}
	}
	return nil
}
