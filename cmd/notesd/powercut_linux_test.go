//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// powerCutNotes is how many notes the power-cut test writes.
const powerCutNotes = 20

// TestPowerCutKeepsAcknowledgedWrites runs notesd serve on SQLite on an
// ext4 loop device (SPEC §5 Durability): it registers, creates notes and
// logs a session out, then cuts the power (EXT4_IOC_SHUTDOWN without
// flushing the journal), stops the server, remounts the disk (replaying
// the journal) and restarts: every acknowledged write is there and the
// logged-out token stays refused. The disk is mounted with commit=300 so
// that ext4's own periodic commit cannot save writes the database did not
// sync: with synchronous=NORMAL the notes and the logout are lost.
func TestPowerCutKeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	disk := newLoopDisk(t, 64, "commit=300")
	dbURL := "sqlite:" + filepath.Join(disk.dir, "notesd.db")
	env := envOf("NOTESD_DATABASE_URL="+dbURL, "NOTESD_SECRET_KEY="+randomSecret())

	s := startServer(t, env)
	code, body := call(t, "POST", s.url+"/auth/register", "application/json",
		`{"email":"dora@example.com","password":"dora's password","name":"Dora"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST /auth/register = %d %s, want 201", code, body)
	}
	login := func(s *server) string {
		t.Helper()
		form := url.Values{"username": {"dora@example.com"}, "password": {"dora's password"}}.Encode()
		code, body := call(t, "POST", s.url+"/auth/login", "application/x-www-form-urlencoded", form)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal([]byte(body), &tok); code != http.StatusOK || err != nil || tok.AccessToken == "" {
			t.Fatalf("POST /auth/login = %d %s, want 200 with a token", code, body)
		}
		return tok.AccessToken
	}
	kept, loggedOut := login(s), login(s)
	for i := range powerCutNotes {
		code, body := call(t, "POST", s.url+"/notes", "application/json",
			fmt.Sprintf(`{"title":"note %d","body":"acknowledged"}`, i), "Authorization", "Bearer "+kept)
		if code != http.StatusCreated {
			t.Fatalf("POST /notes #%d = %d %s, want 201", i, code, body)
		}
	}
	if code, body := call(t, "POST", s.url+"/auth/logout", "", "", "Authorization", "Bearer "+loggedOut); code != http.StatusNoContent {
		t.Fatalf("POST /auth/logout = %d %s, want 204", code, body)
	}

	disk.powerCut(t)
	s.stop()
	select {
	case err := <-s.done: // an error, most likely: the disk is gone
		s.done <- err // for the cleanup
	case <-time.After(waitLimit):
		t.Fatalf("serve did not stop within %v of the power cut", waitLimit)
	}
	disk.unmount(t)
	disk.mount(t)

	s = startServer(t, env)
	code, body = call(t, "GET", s.url+"/notes?limit=100", "", "", "Authorization", "Bearer "+kept)
	var page struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &page); code != http.StatusOK || err != nil {
		t.Fatalf("GET /notes after the power cut = %d %s, want 200", code, body)
	}
	if len(page.Items) != powerCutNotes {
		t.Errorf("after the power cut %d of %d acknowledged notes are left", len(page.Items), powerCutNotes)
	}
	if code, body := call(t, "GET", s.url+"/me", "", "", "Authorization", "Bearer "+loggedOut); code != http.StatusUnauthorized {
		t.Errorf("GET /me with the logged-out token after the power cut = %d %s, want 401", code, body)
	}
	s.shutdown(t)
}
