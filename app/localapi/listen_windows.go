//go:build windows

package localapi

import "net"

// listenPrivate creates the socket; on Windows the data folder's ACL (the
// user's profile) keeps other users out.
func listenPrivate(path string) (net.Listener, error) { return net.Listen("unix", path) }
