//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// releaseMapped does nothing where Earshot has not measured what the OS
// keeps resident of a read memory map (see mmap_linux.go).
func (s *Store) releaseMapped() {}

func releaseTx(*bolt.Tx) {}
