package store

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releaseMapped tells the kernel this process no longer needs the pages of
// the database's memory map it has read: a listing of a long history would
// otherwise keep every page it touched resident (and counted in RSS) until
// the kernel needs the memory. The pages stay in the page cache and fault
// back in when read again. It runs inside a read transaction, which holds
// bbolt's map lock, so the map cannot be moved under it.
func (s *Store) releaseMapped() {
	if s.db == nil {
		return
	}
	_ = s.view(func(tx *bolt.Tx) error {
		releaseTx(tx)
		return nil
	})
}

// releaseTx is releaseMapped inside tx, which holds the map in place.
func releaseTx(tx *bolt.Tx) {
	info := tx.DB().Info()
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
}
