package cli

import "io"

// run is Run for the tests: the headless command line, without a window.
func run(args []string, stdout, stderr io.Writer, environ []string) int {
	return Run(args, stdout, stderr, environ, nil)
}
