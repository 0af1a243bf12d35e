package localapi

import (
	"fmt"
	"io/fs"
)

// UnsafeFolderError is CheckDataFolder's refusal: other users can write to
// the data folder (Mode has group or other write bits) or it is not the
// user's own (Owner is not User). Either way another user could replace the
// socket and feed the command line fake devices.
type UnsafeFolderError struct {
	Dir         string
	Mode        fs.FileMode // the folder's permission bits
	Owner, User int         // user IDs: the folder's owner, and who runs Earshot
}

// Writable tells whether the refusal is for group or other write bits.
func (e *UnsafeFolderError) Writable() bool { return e.Mode&0o022 != 0 }

func (e *UnsafeFolderError) Error() string {
	if e.Owner != e.User {
		return fmt.Sprintf("the data folder %s belongs to user %d, not to you (user %d), so its owner could replace the socket; use a folder of your own",
			e.Dir, e.Owner, e.User)
	}
	return fmt.Sprintf("the data folder %s can be written by other users (mode %04o), so they could replace the socket; run chmod go-w %s",
		e.Dir, e.Mode.Perm(), e.Dir)
}
