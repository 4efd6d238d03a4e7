//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// ext4 shutdown ioctl of linux/fs/ext4/ext4.h: EXT4_IOC_SHUTDOWN is
// _IOR('X', 125, __u32); EXT4_GOING_FLAGS_NOLOGFLUSH stops the file system
// at once without writing back its journal: what a power cut leaves.
const (
	ext4IocShutdown          = 0x8004587d
	ext4GoingFlagsNoLogFlush = 0x2
)

// loopDisk is an ext4 file system on a loop device backed by an image
// file, mounted on dir.
type loopDisk struct {
	dev, dir, opts string
	mounted        bool
}

// requireRoot skips t unless the process is root and has the named
// commands, saying which is missing.
func requireRoot(t *testing.T, cmds ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (mount, loop devices): skipped")
	}
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("needs %s (apt-get install e2fsprogs util-linux): skipped", c)
		}
	}
}

// newLoopDisk makes a sizeMiB MiB ext4 image in a temporary directory,
// attaches it to a free loop device and mounts it with the mount options
// opts. It skips t where that cannot be done (not root, no losetup or
// mkfs.ext4, no loop device); the cleanup unmounts and detaches even when
// t fails.
func newLoopDisk(t *testing.T, sizeMiB int64, opts string) *loopDisk {
	t.Helper()
	requireRoot(t, "losetup", "mkfs.ext4")
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skipf("no loop device support (/dev/loop-control: %v): skipped", err)
	}
	tmp := t.TempDir()
	img := filepath.Join(tmp, "disk.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Truncate(sizeMiB<<20), f.Close()); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	out, err := exec.Command("losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("no free loop device (losetup: %v %s): skipped", err, strings.TrimSpace(string(out)))
	}
	d := &loopDisk{dev: strings.TrimSpace(string(out)), dir: filepath.Join(tmp, "mnt"), opts: opts}
	t.Cleanup(func() {
		if d.mounted {
			d.unmount(t)
		}
		if out, err := exec.Command("losetup", "-d", d.dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v %s", d.dev, err, out)
		}
	})
	if err := os.Mkdir(d.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	d.mount(t)
	return d
}

// mount mounts the disk on its directory (replaying its journal).
func (d *loopDisk) mount(t *testing.T) {
	t.Helper()
	if err := syscall.Mount(d.dev, d.dir, "ext4", 0, d.opts); err != nil {
		t.Fatalf("mount %s on %s: %v", d.dev, d.dir, err)
	}
	d.mounted = true
}

// unmount unmounts the disk, lazily when something still holds it.
func (d *loopDisk) unmount(t *testing.T) {
	t.Helper()
	if err := syscall.Unmount(d.dir, 0); err != nil {
		t.Logf("umount %s: %v; detaching lazily", d.dir, err)
		if err := syscall.Unmount(d.dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("umount -l %s: %v", d.dir, err)
			return
		}
	}
	d.mounted = false
}

// powerCut stops the file system at once, without flushing its journal:
// every write not yet on the disk is lost, and every later write fails
// with an I/O error, as when the power goes.
func (d *loopDisk) powerCut(t *testing.T) {
	t.Helper()
	f, err := os.Open(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags := uint32(ext4GoingFlagsNoLogFlush)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), ext4IocShutdown, uintptr(unsafe.Pointer(&flags))); errno != 0 {
		t.Fatalf("ioctl(EXT4_IOC_SHUTDOWN) on %s: %v", d.dir, errno)
	}
}

// newTmpfs mounts a tmpfs of sizeKiB KiB on a temporary directory,
// skipping t unless root; the cleanup unmounts it.
func newTmpfs(t *testing.T, sizeKiB int) string {
	t.Helper()
	requireRoot(t)
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.Itoa(sizeKiB)+"k,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): skipped", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("umount %s: %v", dir, err)
			}
		}
	})
	return dir
}

// fillDisk writes a file into dir until the file system is full.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v, want ENOSPC", dir, err)
			}
			break
		}
	}
	// Fill the last partial block too.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
}
