package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Child process limits.
const (
	startTimeout = 30 * time.Second // to print its address and answer /healthz
	stopTimeout  = 5 * time.Second  // from SIGTERM to SIGKILL
	// clockTicks is the unit of utime and stime in /proc/PID/stat:
	// sysconf(_SC_CLK_TCK), which is 100 on every Linux architecture Go
	// supports.
	clockTicks = 100
)

// child is a server process notesbench started: notesd or the baseline.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string        // host:port it listens on
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done is closed
	log  *os.File
}

// startChild starts argv, whose stdout must print "listening on http://ADDR"
// once it listens, with env added to its environment, in logPath's
// directory, with its stdout and stderr appended to logPath (and in
// a session of its own with niceness nice, when that is not 0); it returns
// once the process answers GET /healthz with 200.
func startChild(ctx context.Context, name string, argv, env []string, nice int, logPath string) (*child, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(childEnv(), env...)
	cmd.Dir = filepath.Dir(logPath) // notesd on PostgreSQL keeps its data directory (./notesd-data) there
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	prepareChild(cmd, nice)
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	setAutogroupNice(cmd.Process.Pid, nice)
	c := &child{name: name, cmd: cmd, done: make(chan struct{}), log: log}
	addrs := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		scanListenAddr(stdout, log, addrs)
	}()
	go func() {
		<-copied // Wait closes stdout: read it all first
		c.err = cmd.Wait()
		close(c.done)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case c.addr = <-addrs:
	case <-c.done:
		c.stop()
		return nil, fmt.Errorf("start %s: exited before listening (%v); see %s", name, c.err, logPath)
	case <-timer.C:
		c.stop()
		return nil, fmt.Errorf("start %s: no address printed within %v; see %s", name, startTimeout, logPath)
	case <-ctx.Done():
		c.stop()
		return nil, fmt.Errorf("start %s: %w", name, ctx.Err())
	}
	if err := waitHealthy(ctx, "http://"+c.addr+"/healthz", c.done); err != nil {
		c.stop()
		return nil, fmt.Errorf("start %s: %w; see %s", name, err, logPath)
	}
	return c, nil
}

// scanListenAddr copies r to w line by line and sends the address of the
// first "listening on http://ADDR" line to addrs.
func scanListenAddr(r io.Reader, w io.Writer, addrs chan<- string) {
	sc := bufio.NewScanner(r)
	found := false
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(w, line)
		if found {
			continue
		}
		if _, rest, ok := strings.Cut(line, "listening on http://"); ok {
			addrs <- strings.TrimSpace(rest)
			found = true
		}
	}
	_, _ = io.Copy(w, r)
}

// waitHealthy polls url until it answers 200, the process exits or the
// start timeout passes.
func waitHealthy(ctx context.Context, url string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("exited before answering /healthz")
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop ends the child by its PID: SIGTERM, then SIGKILL after
// stopTimeout. It is safe to call more than once.
func (c *child) stop() {
	defer c.log.Close()
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
		return
	case <-time.After(stopTimeout):
	}
	_ = c.cmd.Process.Kill()
	<-c.done
}

// procCPU returns the CPU time (user + system) process pid has used, from
// /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from the contents
// of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so the fields are counted after its last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, errors.New("proc stat: too few fields")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// procMemory returns the resident set size of process pid and its peak
// (VmRSS and VmHWM from /proc/PID/status), in bytes.
func procMemory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	return parseStatusMemory(string(b))
}

// parseStatusMemory reads VmRSS and VmHWM from the contents of
// /proc/PID/status.
func parseStatusMemory(status string) (rss, peak int64, err error) {
	for line := range strings.Lines(status) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("proc status %s: %w", name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("proc status: no VmRSS")
	}
	return rss, peak, nil
}

// systemBusy returns the CPU time all processes of the machine have used
// in user and system mode (user, nice and system of the "cpu" line of
// /proc/stat). Interrupt time is left out: with loopback traffic most of
// it is the benchmark's own networking, which no process is charged for.
func systemBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseSystemBusy(string(b))
}

// parseSystemBusy reads the busy time from the contents of /proc/stat.
func parseSystemBusy(stat string) (time.Duration, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, errors.New("proc stat: no cpu line")
	}
	var ticks int64
	for _, i := range []int{1, 2, 3} { // user nice system
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
