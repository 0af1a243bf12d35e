//go:build !windows

package main

// platformMain handles the commands only this OS has: none here.
func platformMain([]string) (code int, done bool) { return 0, false }
