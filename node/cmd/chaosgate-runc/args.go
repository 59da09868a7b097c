package main

import (
	"path/filepath"
	"strings"
)

// spec is a JSON file runc will read and where its process object sits.
type spec struct {
	path       string
	processKey string
}

// specTarget finds the spec file of a runc call: config.json in the bundle for
// create and run, the --process file for exec. Other calls read no spec.
func specTarget(args []string) (spec, bool) {
	for i, arg := range args {
		rest := args[i+1:]
		switch arg {
		case "create", "run":
			bundle, found := flagValue(rest, "--bundle", "-b")
			if !found {
				bundle = "."
			}
			return spec{filepath.Join(bundle, "config.json"), "process"}, true
		case "exec":
			process, found := flagValue(rest, "--process", "-p")
			return spec{process, ""}, found
		}
	}
	return spec{}, false
}

// flagValue returns the value of a flag given as "--name v", "--name=v" or "-n v".
func flagValue(args []string, long, short string) (string, bool) {
	for i, arg := range args {
		if value, ok := strings.CutPrefix(arg, long+"="); ok {
			return value, true
		}
		if (arg == long || arg == short) && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}
