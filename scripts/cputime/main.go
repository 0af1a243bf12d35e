// Command cputime runs a command several times and prints the mean CPU
// time (user + system) one run took, in milliseconds, from the kernel's
// resource usage of each child (microseconds). scripts/perf-fleet.sh uses
// it for the short commands: GNU time prints CPU time in hundredths of a
// second, cut rather than rounded, which took about 5 ms off every figure
// of programs that run for 5 to 25 ms.
//
//	go run ./scripts/cputime -runs 20 -- ./bin/earshotd version
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

func main() {
	runs := flag.Int("runs", 20, "how many runs")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: cputime [-runs N] -- COMMAND [ARG…]")
		os.Exit(2)
	}
	var total time.Duration
	for range *runs {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "cputime: %s: %v\n", args[0], err)
			os.Exit(1)
		}
		total += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	fmt.Printf("%.1f\n", float64(total)/float64(*runs)/float64(time.Millisecond))
}
