package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// deployDir is the repository's deploy/ directory, from this package's.
const deployDir = "../../deploy"

// TestSystemdUnit checks that deploy/notesd.service keeps its sandbox and
// that systemd-analyze verify accepts it without a word.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	unit, err := os.ReadFile(filepath.Join(deployDir, "notesd.service"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for line := range strings.Lines(string(unit)) {
		lines[strings.TrimSpace(line)] = true
	}
	for _, want := range []string{
		"ExecStart=/usr/local/bin/notesd serve",
		"EnvironmentFile=/etc/notesd/notesd.env",
		"DynamicUser=yes",
		"StateDirectory=notesd",
		"ReadWritePaths=/var/lib/notesd",
		"UMask=0077",
		"NoNewPrivileges=yes",
		"CapabilityBoundingSet=",
		"ProtectSystem=strict",
		"ProtectHome=yes",
		"PrivateTmp=yes",
		"PrivateDevices=yes",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
		"SystemCallFilter=@system-service",
		"SystemCallArchitectures=native",
		"MemoryDenyWriteExecute=yes",
		"LimitNOFILE=65536",
		"Restart=on-failure",
	} {
		if !lines[want] {
			t.Errorf("notesd.service lacks the line %q", want)
		}
	}
	for line := range lines {
		if strings.HasPrefix(line, "Environment=NOTESD_SECRET_KEY") {
			t.Error("notesd.service holds the secret key; it belongs in the environment file")
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not on PATH: the unit's directives were checked, systemd-analyze verify skipped")
	}
	// verify wants ExecStart's binary to exist: this test binary stands in.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "notesd.service")
	if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/notesd", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", tmp).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify notesd.service = %v:\n%s\nwant success and no output", err, out)
	}
}

// TestBackupRestoreScript builds notesd and runs deploy/backup-restore-test.sh
// with it: a live backup, restored into a new data directory, serves the
// data written before it.
func TestBackupRestoreScript(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the backup and restore script builds notesd and runs two servers")
	}
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: backup-restore-test.sh skipped", tool)
		}
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "notesd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join(deployDir, "backup-restore-test.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, bin)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "backup and restore: ok") {
		t.Errorf("backup-restore-test.sh = %v:\n%s", err, out)
	}
}
