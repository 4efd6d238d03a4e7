package main

import "syscall"

// childAttr returns the attributes of a child process: the kernel kills it
// if notesbench dies without stopping it, and with a nice other than 0 it
// starts in a session (so an autogroup) of its own.
func childAttr(nice int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setsid: nice != 0}
}
