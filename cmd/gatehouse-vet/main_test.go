package main_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestVetToolOverTestdata builds gatehouse-vet and runs it the way a user
// does, go vet -vettool=…, over the analyzer's test packages: it must
// report exactly the lines that carry a // want comment.
func TestVetToolOverTestdata(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	tool := filepath.Join(t.TempDir(), "gatehouse-vet")
	if out, err := exec.Command("go", "build", "-o", tool, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	testdata, err := filepath.Abs(filepath.Join("..", "..", "analysis", "idor", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []string{"notes", "flagged", "clean"}
	cmd := exec.Command("go", append([]string{"vet", "-vettool=" + tool}, pkgs...)...)
	cmd.Dir = filepath.Join(testdata, "src")
	cmd.Env = append(os.Environ(), "GOPATH="+testdata, "GO111MODULE=off", "GOFLAGS=", "GOWORK=off")
	out, _ := cmd.CombinedOutput() // vet exits non-zero when it reports

	diag := regexp.MustCompile(`^(?:\./)?(?:.*/src/)?([a-z]+/[a-z_]+\.go):(\d+):\d+: possible IDOR: `)
	var got []string
	for line := range strings.Lines(string(out)) {
		if m := diag.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			got = append(got, m[1]+":"+m[2])
		}
	}
	var want []string
	for _, pkg := range pkgs {
		files, err := filepath.Glob(filepath.Join(testdata, "src", pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			want = append(want, wantLines(t, f, pkg+"/"+filepath.Base(f))...)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) < 21 {
		t.Fatalf("only %d // want comments: the test data is missing", len(want))
	}
	if !slices.Equal(got, want) {
		t.Errorf("go vet -vettool reported\n%s\nwant exactly\n%s\nfull output:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
}

// wantLines returns name:line for every line of file with a // want comment.
func wantLines(t *testing.T, file, name string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), "// want `") {
			out = append(out, name+":"+strconv.Itoa(n))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
