package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxNotesPerUser bounds the notes requested per logged-in user.
const maxNotesPerUser = 16

// loginWorkers is how many logins run at once: notesd hashes with one
// worker per core, and the server has one core.
const loginWorkers = 2

// session is a seeded user logged in through POST /auth/login.
type session struct {
	UserID  int64
	Token   string  // the bearer access token
	NoteIDs []int64 // notes of this user to request
}

// loginSample logs in logins users spread over those that own notes (over
// all users when there are no notes) and returns their sessions.
func loginSample(ctx context.Context, baseURL string, users, notes, logins int) ([]session, error) {
	pool := users
	if notes > 0 {
		pool = min(users, notes)
	}
	ids := spreadIDs(pool, logins)
	sessions := make([]session, len(ids))
	errs := make([]error, len(ids))
	client := &http.Client{Timeout: 30 * time.Second}
	next := make(chan int)
	var wg sync.WaitGroup
	for range loginWorkers {
		wg.Go(func() {
			for i := range next {
				tok, err := login(ctx, client, baseURL, emailOf(ids[i]), benchPassword)
				sessions[i] = session{UserID: ids[i], Token: tok, NoteIDs: notesOf(ids[i], users, notes)}
				errs[i] = err
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("log in user %d: %w", ids[i], err)
		}
	}
	return sessions, nil
}

// login posts the OAuth2 password form to /auth/login and returns the
// access token.
func login(ctx context.Context, client *http.Client, baseURL, email, password string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "username": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/auth/login", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST /auth/login: %s: %s", resp.Status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("POST /auth/login: no access_token in %s", body)
	}
	return tok.AccessToken, nil
}

// notesOf returns up to maxNotesPerUser ids of the notes seeded for user
// id: id, id+users, id+2·users, … (round-robin).
func notesOf(id int64, users, notes int) []int64 {
	var ids []int64
	for n := id; n <= int64(notes) && len(ids) < maxNotesPerUser; n += int64(users) {
		ids = append(ids, n)
	}
	return ids
}

// routeRequests returns the requests of each route: both baselines and notes
// get each session's notes with its bearer token, interleaved across
// users; me gets /me per session; data gets /data per API key.
func routeRequests(sessions []session, keys []sampleKey) map[string][]request {
	out := map[string][]request{}
	var noteReqs []request
	for k := range maxNotesPerUser {
		for _, s := range sessions {
			if k < len(s.NoteIDs) {
				noteReqs = append(noteReqs, request{
					Path:   "/notes/" + strconv.FormatInt(s.NoteIDs[k], 10),
					Header: "Authorization", Value: "Bearer " + s.Token,
				})
			}
		}
	}
	out[routeFixed] = noteReqs
	out[routeGuarded] = noteReqs
	out[routeBaseline] = noteReqs
	out[routeVerify] = noteReqs
	out[routeNotes] = noteReqs
	for _, s := range sessions {
		out[routeMe] = append(out[routeMe], request{Path: "/me", Header: "Authorization", Value: "Bearer " + s.Token})
	}
	out[routeVerifyMe] = out[routeMe]
	for _, k := range keys {
		out[routeData] = append(out[routeData], request{Path: "/data", Header: "X-API-Key", Value: k.Key})
	}
	out[routeVerifyData] = out[routeData]
	out[routeCreate] = createRequests(sessions)
	return out
}

// createBody is the JSON of every note the create route posts: the size
// of a seeded note.
var createBody = `{"title":"Benchmark write","body":"` + noteBody + `"}`

// createRequests posts a note per session, in turn.
func createRequests(sessions []session) []request {
	out := make([]request, 0, len(sessions))
	for _, s := range sessions {
		out = append(out, request{Method: http.MethodPost, Path: "/notes", Header: "Authorization", Value: "Bearer " + s.Token, Body: createBody})
	}
	return out
}

// preflight sends every request once and fails unless each answers its
// want (200, or 201 for a post): wrk only counts answers outside 2xx and
// 3xx, so this is what proves the tokens, keys and note ids are right
// before any load.
func preflight(ctx context.Context, baseURL string, reqs []request) error {
	client := &http.Client{Timeout: 10 * time.Second}
	for _, r := range reqs {
		req, err := newRequest(ctx, baseURL, r)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.method(), r.Path, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != r.want() {
			return fmt.Errorf("%s %s with %s: %s, want %d %s: %s", r.method(), r.Path, r.Header, resp.Status,
				r.want(), http.StatusText(r.want()), body)
		}
	}
	return nil
}
