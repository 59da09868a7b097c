// Command chaosgate-runc is an OCI runtime for dockerd on hosts that are
// themselves containers with a reduced capability bounding set. Before runc
// creates a container or execs into one, it removes from the spec every
// capability this host cannot grant, then runs runc with the same arguments.
// On a host with every capability it changes nothing.
//
// Register it with `dockerd --add-runtime chaosgate=/path/chaosgate-runc
// --default-runtime chaosgate`; CHAOSGATE_RUNC names the runc to run (default:
// runc on PATH).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"github.com/chaosgate/node/internal/ocicaps"
)

func main() {
	if err := filterSpec(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "chaosgate-runc: %v\n", err)
		os.Exit(1)
	}
	runc, err := realRunc()
	if err != nil {
		fmt.Fprintf(os.Stderr, "chaosgate-runc: %v\n", err)
		os.Exit(1)
	}
	argv := append([]string{runc}, os.Args[1:]...)
	err = syscall.Exec(runc, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "chaosgate-runc: exec %s: %v\n", runc, err)
	os.Exit(1)
}

func realRunc() (string, error) {
	name := os.Getenv("CHAOSGATE_RUNC")
	if name == "" {
		name = "runc"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("cannot find runc (%q): %w; set CHAOSGATE_RUNC", name, err)
	}
	return path, nil
}

// filterSpec edits the file runc is about to read, if the call reads one.
func filterSpec(args []string) error {
	target, ok := specTarget(args)
	if !ok {
		return nil
	}
	allowed, err := ocicaps.Bounding()
	if err != nil {
		return err
	}
	_, err = ocicaps.FilterFile(target.path, target.processKey, allowed)
	return err
}
