//go:build !linux

package cli

// releaseProgramPages does nothing outside Linux (settle_linux.go).
func releaseProgramPages() {}
