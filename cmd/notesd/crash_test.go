package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildNotesd builds the notesd binary into a temporary directory.
func buildNotesd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "notesd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var jsonDocs = regexp.MustCompile(`"docs":"(http://[^"]+)/docs"`)

// startChild starts the notesd binary with JSON logs into a file and
// returns the process, its base URL and the log file's path.
func startChild(t *testing.T, bin string, args ...string) (*exec.Cmd, string, string) {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "stderr.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json",
		"--database-url", "sqlite:" + filepath.Join(dir, "n.db")}, args...)...)
	cmd.Stderr = logFile
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logPath)
		if m := jsonDocs.FindSubmatch(b); m != nil {
			return cmd, string(m[1]), logPath
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("notesd did not log its address")
	return nil, "", ""
}

// jsonLines parses every line of the log file, failing on any that is not
// one JSON object (a torn or plain line).
func jsonLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("log line %q is not one JSON object: %v", sc.Text(), err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// TestKillLosesNoAcknowledgedRequest: after kill -9 of a loaded notesd,
// every request a client got a 2xx answer for has its request line in the
// log, and every line is whole JSON.
func TestKillLosesNoAcknowledgedRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a notesd process")
	}
	cmd, url, logPath := startChild(t, buildNotesd(t))
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				req, _ := http.NewRequest("GET", url+"/healthz", nil)
				req.Header.Set("X-Request-Id", id)
				res, err := client.Do(req)
				if err != nil {
					return // killed
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode/100 == 2 {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 2000 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	wg.Wait()

	logged := map[string]bool{}
	for _, l := range jsonLines(t, logPath) {
		if l["msg"] == "request" {
			id, _ := l["request_id"].(string)
			logged[id] = true
		}
	}
	missing := 0
	for _, id := range acked {
		if !logged[id] {
			missing++
		}
	}
	t.Logf("%d 2xx answers received, %d request lines logged", len(acked), len(logged))
	if missing > 0 {
		t.Errorf("%d of %d acknowledged requests have no log line after kill -9", missing, len(acked))
	}
}

// TestShutdownKeepAlive: on SIGTERM, keep-alive clients keep being served
// during the drain while /readyz says 503; clients that, like a load
// balancer, stop sending a while after they see the 503 (well within the
// drain delay) get no reset and no EOF; and the process exits 0.
func TestShutdownKeepAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals a notesd process")
	}
	cmd, url, logPath := startChild(t, buildNotesd(t), "--drain-delay", "1s", "--shutdown-timeout", "5s")
	var (
		mu     sync.Mutex
		bad    []error
		served int
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := client.Post(url+"/auth/refresh", "application/x-www-form-urlencoded",
					strings.NewReader("grant_type=refresh_token&refresh_token=x"))
				if err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) {
						return // the listener is closed: expected
					}
					mu.Lock()
					bad = append(bad, err)
					mu.Unlock()
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				served++
				mu.Unlock()
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var saw503 bool
	for range 50 {
		res, err := http.Get(url + "/readyz")
		if err != nil {
			break
		}
		res.Body.Close()
		if res.StatusCode == 503 {
			saw503 = true
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := served
	mu.Unlock()
	time.Sleep(300 * time.Millisecond) // the clients keep going: still served
	close(stop)
	wg.Wait()
	mu.Lock()
	during := served - before
	mu.Unlock()
	if during == 0 {
		t.Errorf("no request was served after /readyz said 503")
	}
	err := cmd.Wait()
	if !saw503 {
		t.Errorf("/readyz never answered 503 during the drain")
	}
	if err != nil {
		t.Errorf("notesd exited with %v after SIGTERM, want 0", err)
	}
	for _, e := range bad {
		t.Errorf("client error during shutdown: %v", e)
	}
	t.Logf("%d requests served; %d log lines", served, len(jsonLines(t, logPath)))
}
