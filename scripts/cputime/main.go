// Command cputime runs commands several times and prints the CPU time
// (user + system) one run took, in milliseconds, from the kernel's resource
// usage of each child (microseconds). scripts/perf-fleet.sh uses it for the
// short commands: GNU time prints CPU time in hundredths of a second, cut
// rather than rounded, which took about 5 ms off every figure of programs
// that run for 5 to 25 ms.
//
// With one command it prints the mean of -runs runs:
//
//	go run ./scripts/cputime -runs 20 -- ./bin/earshotd version
//
// With several, separated by "::", it runs them in turn, -runs times each,
// for -rounds rounds, and prints one line per command: the median of its
// rounds' means, then the lowest and the highest. Taking turns puts every
// command through the same moments of a shared machine, so their ratios
// hold where one command's absolute time does not:
//
//	go run ./scripts/cputime -runs 10 -rounds 15 -- ./bin/barebolt --db x :: ./bin/earshotd version
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"
)

func main() {
	runs := flag.Int("runs", 20, "how many runs of each command a round takes")
	rounds := flag.Int("rounds", 1, "how many rounds (with several commands)")
	flag.Parse()
	cmds := split(flag.Args())
	if len(cmds) == 0 || *runs < 1 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "usage: cputime [-runs N] [-rounds R] -- COMMAND [ARG…] [:: COMMAND [ARG…]]…")
		os.Exit(2)
	}
	if len(cmds) == 1 && *rounds == 1 {
		fmt.Printf("%.1f\n", mean(cmds[0], *runs))
		return
	}
	per := make([][]float64, len(cmds))
	for range *rounds {
		for i, c := range cmds {
			per[i] = append(per[i], mean(c, *runs))
		}
	}
	for _, ms := range per {
		slices.Sort(ms)
		fmt.Printf("%.2f %.2f %.2f\n", median(ms), ms[0], ms[len(ms)-1])
	}
}

// split cuts the arguments at each "::".
func split(args []string) [][]string {
	var out [][]string
	for len(args) > 0 {
		i := slices.Index(args, "::")
		if i < 0 {
			i = len(args)
		}
		if i > 0 {
			out = append(out, args[:i])
		}
		args = args[min(i+1, len(args)):]
	}
	return out
}

// mean runs args runs times and returns the mean CPU time of a run in ms.
func mean(args []string, runs int) float64 {
	var total time.Duration
	for range runs {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "cputime: %s: %v\n", args[0], err)
			os.Exit(1)
		}
		total += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return float64(total) / float64(runs) / float64(time.Millisecond)
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
