//go:build !linux

package main

import "syscall"

// childAttr returns the attributes of a child process: the defaults, off
// Linux (no parent-death signal, no autogroups).
func childAttr(int) *syscall.SysProcAttr { return nil }
