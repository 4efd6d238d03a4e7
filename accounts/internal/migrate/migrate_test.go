package migrate_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gatehouse-dev/gatehouse/accounts/internal/migrate"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := migrate.Load(fstest.MapFS{
		"migrations/0010_ten.sql": file("ten"),
		"migrations/0002_two.sql": file("two"),
		"migrations/README":       file("not a migration"),
	})
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[1].Version != 10 || ms[0].SQL != "two" || ms[1].Name != "0010_ten.sql" {
		t.Fatalf("Load = %+v, %v; want 0002 then 0010", ms, err)
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no number", fstest.MapFS{"migrations/init.sql": file("")}, "not NNNN_description"},
		{"zero", fstest.MapFS{"migrations/0000_x.sql": file("")}, "not NNNN_description"},
		{"duplicate", fstest.MapFS{"migrations/0001_a.sql": file(""), "migrations/01_b.sql": file("")}, "share version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := migrate.Load(tt.fsys); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
