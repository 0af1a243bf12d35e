package hid

// System returns the HID bus of the running system: hidraw on Linux.
func System() Bus { return NewHidraw() }
