// Package prefault maps the program's own code into memory in one call,
// before the other packages start, so that a short command does not take a
// page fault for every 64 KiB of the program it runs through.
//
// Go starts a program by running the init function of every package linked
// in, and earshotd links every command (HTTP, TLS, XML, TOML, D-Bus, the
// drivers): about 120 init functions and the code they call, spread over
// the 6 MB of its text. The kernel maps a program's pages when they are
// first touched, 16 at a time, so those inits alone took some 70 page
// faults in the text; on a virtual machine each fault is a trip through the
// hypervisor. MADV_POPULATE_READ (Linux 5.14) maps every page of the text
// that is already in the page cache at once, which
// measured 12-15 % of the CPU time of `earshotd version` and `earshotd
// devices` (docs/PERFORMANCE.md, "Issue 13"). On older kernels the call
// fails and nothing changes.
//
// The main package imports it first, for its side effect. On linux/amd64 it
// imports nothing (its few system calls are a line of assembly), so it is
// initialised fifth, after four packages of the runtime's own; elsewhere it
// goes through the syscall package and runs after that package's
// dependencies. The
// service gives the pages back once it has started (the cli package's
// releaseProgramPages), so its resident size is not raised by this.
package prefault
