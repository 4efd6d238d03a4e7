//go:build linux

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wantWriteUnavailable checks that a write and /readyz answer 503 with
// Retry-After and that /readyz names the database unavailable.
func wantWriteUnavailable(t *testing.T, c *outageClient, when string) {
	t.Helper()
	code, h, body := send(t, "POST", c.s.url+"/notes", "application/json", `{"title":"t","body":"b"}`, "Authorization", "Bearer "+c.token)
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, `"Service unavailable"`) {
		t.Errorf("%s: POST /notes = %d (Retry-After %q) %s, want 503 Service unavailable with Retry-After", when, code, h.Get("Retry-After"), body)
	}
	code, _, body = send(t, "GET", c.s.url+"/readyz", "", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"unavailable"`) {
		t.Errorf("%s: GET /readyz = %d %s, want 503 naming the database unavailable", when, code, body)
	}
}

// TestSQLiteDiskFull runs notesd serve on SQLite on a small tmpfs and fills
// it: writes and /readyz answer 503 (SQLITE_FULL), not 500, and work again
// once space is freed, without a restart.
func TestSQLiteDiskFull(t *testing.T) {
	t.Parallel()
	dir := newTmpfs(t, 4096)
	s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret()),
		"--database-url", "sqlite:"+filepath.Join(dir, "n.db"), "--db-timeout", testDBTimeout)
	c := newOutageClient(t, s)
	c.wantUp("before the disk fills")

	fillDisk(t, dir)
	wantWriteUnavailable(t, c, "with the disk full")

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	c.wantUp("after space is freed")
}

// TestSQLiteDiskDead runs notesd serve on SQLite on an ext4 loop device
// and shuts the file system down under it: every write fails with an I/O
// error (SQLITE_IOERR), and writes and /readyz answer 503, not 500.
func TestSQLiteDiskDead(t *testing.T) {
	t.Parallel()
	disk := newLoopDisk(t, 32, "")
	s := startServer(t, envOf("NOTESD_SECRET_KEY="+randomSecret()),
		"--database-url", "sqlite:"+filepath.Join(disk.dir, "n.db"), "--db-timeout", testDBTimeout)
	c := newOutageClient(t, s)
	c.wantUp("before the disk dies")

	disk.powerCut(t)
	wantWriteUnavailable(t, c, "with the disk dead")
}
