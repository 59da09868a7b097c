// Package ocicaps removes from an OCI runtime spec the capabilities that the
// host itself cannot grant.
//
// A host that is itself a container may lack capabilities in its bounding set
// (CAP_SYS_RESOURCE here). `docker run --privileged` asks runc for every
// capability, and runc then fails with "unable to apply caps: operation not
// permitted". Asking only for what the bounding set holds gives the container
// everything the host could give anyway.
package ocicaps

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// names maps capability numbers to the names OCI specs use.
var names = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// Set is a set of capability names.
type Set map[string]bool

// FromMask returns the named capabilities whose bits are set in mask.
func FromMask(mask uint64) Set {
	set := Set{}
	for bit, name := range names {
		if mask&(1<<uint(bit)) != 0 {
			set[name] = true
		}
	}
	return set
}

// Bounding reads the capability bounding set of this process.
func Bounding() (Set, error) {
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer file.Close()
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		if hex, ok := strings.CutPrefix(scanner.Text(), "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return nil, fmt.Errorf("reading CapBnd: %w", err)
			}
			return FromMask(mask), nil
		}
	}
	return nil, fmt.Errorf("no CapBnd line in /proc/self/status")
}

// capabilityLists are the five lists of a process's capabilities in a spec.
var capabilityLists = []string{"bounding", "effective", "inheritable", "permitted", "ambient"}

// FilterProcess keeps only allowed capabilities in an OCI process object (the
// "process" of config.json, or the whole file runc exec reads with --process).
// It returns the names it removed. Fields it does not know are kept as they are.
func FilterProcess(process map[string]any, allowed Set) []string {
	caps, ok := process["capabilities"].(map[string]any)
	if !ok {
		return nil
	}
	removed := map[string]bool{}
	for _, list := range capabilityLists {
		values, ok := caps[list].([]any)
		if !ok {
			continue
		}
		kept := make([]any, 0, len(values))
		for _, value := range values {
			name, _ := value.(string)
			if allowed[name] {
				kept = append(kept, value)
			} else {
				removed[name] = true
			}
		}
		caps[list] = kept
	}
	out := make([]string, 0, len(removed))
	for _, name := range names {
		if removed[name] {
			out = append(out, name)
		}
	}
	return out
}

// FilterFile rewrites a JSON file in place. When processKey is not empty the
// process object sits under that key (config.json); otherwise the file is the
// process object itself (runc exec --process).
func FilterFile(path, processKey string, allowed Set) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %w", path, err)
	}
	process := doc
	if processKey != "" {
		process, _ = doc[processKey].(map[string]any)
		if process == nil {
			return nil, nil
		}
	}
	removed := FilterProcess(process, allowed)
	if len(removed) == 0 {
		return nil, nil
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return removed, os.WriteFile(path, out, info.Mode().Perm())
}
