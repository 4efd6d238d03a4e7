package main

import (
	"os"
	"os/exec"
	"strconv"
)

// With --nice, each child is started in a session of its own and its
// autogroup gets the niceness too. Under Linux's autogroup scheduling
// (kernel.sched_autogroup_enabled=1) the CPU is shared fairly between
// sessions first, and a process's own niceness only counts inside its
// session, so nice alone would not keep other sessions' processes (say, a
// go test in another terminal) from taking half of the server's core.

// prepareChild sets cmd's process attributes before it starts (see
// childAttr).
func prepareChild(cmd *exec.Cmd, nice int) { cmd.SysProcAttr = childAttr(nice) }

// setAutogroupNice gives the autogroup of process pid the niceness nice.
// It does nothing when nice is 0 or the kernel has no autogroups; a
// failure only leaves the figures as noisy as without it, so it is ignored.
func setAutogroupNice(pid, nice int) {
	if nice == 0 {
		return
	}
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/autogroup", []byte(strconv.Itoa(nice)), 0)
}
