//go:build windows

package localapi

// CheckDataFolder accepts every folder on Windows: the data folder lies in
// the user's profile, whose ACL keeps other users out, and the socket's
// own ACL is the system's. (Reading a folder's ACL is not done here.)
func CheckDataFolder(dir string) error { return nil }
