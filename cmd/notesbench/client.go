package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// loadGo is the Go load generator: spec.Connections workers, each on its
// own keep-alive connection, send spec.Requests in turn for spec.Duration
// and time each request from sending to reading the whole body. A request
// still in flight at the end is cancelled and not counted.
func loadGo(ctx context.Context, spec loadSpec) (loadStats, error) {
	if err := checkSpec(spec); err != nil {
		return loadStats{}, err
	}
	c := spec.Connections
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxConnsPerHost:     c,
		MaxIdleConns:        c,
		MaxIdleConnsPerHost: c,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	ctx, cancel := context.WithTimeout(ctx, spec.Duration)
	defer cancel()
	results := make([]workerStats, c)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c {
		reqs, err := buildRequests(ctx, spec)
		if err != nil {
			return loadStats{}, err
		}
		first := w * len(reqs) / c // spread the workers over the list
		wg.Go(func() { results[w] = work(ctx, client, reqs, spec.Requests, first) })
	}
	wg.Wait()
	elapsed := time.Since(start)

	var (
		h  histogram
		st = loadStats{Elapsed: elapsed, Statuses: map[int]int64{}}
	)
	for _, r := range results {
		h.merge(&r.hist)
		st.Errors += r.errors
		st.Unexpected += r.unexpected
		for code, n := range r.statuses {
			st.Statuses[code] += n
		}
	}
	st.Requests = h.total
	st.ReqPerSec = float64(h.total) / elapsed.Seconds()
	st.P50 = h.quantile(0.50)
	st.P99 = h.quantile(0.99)
	return st, nil
}

// checkSpec refuses a load that is empty or goes beyond 127.0.0.1.
func checkSpec(spec loadSpec) error {
	u, err := url.Parse(spec.BaseURL)
	if err != nil {
		return err
	}
	if err := loopbackOnly(u.Host); err != nil || u.Scheme != "http" {
		return fmt.Errorf("load: base URL %q: want http://127.0.0.1:PORT", spec.BaseURL)
	}
	switch {
	case len(spec.Requests) == 0:
		return errors.New("load: no requests")
	case spec.Connections < 1:
		return errors.New("load: no connections")
	case spec.Duration <= 0:
		return errors.New("load: no duration")
	}
	return nil
}

// buildRequests makes one worker's requests: a worker sends one at a
// time, so it may reuse each once the previous answer is read (work
// renews a body from GetBody).
func buildRequests(ctx context.Context, spec loadSpec) ([]*http.Request, error) {
	reqs := make([]*http.Request, len(spec.Requests))
	for i, r := range spec.Requests {
		req, err := newRequest(ctx, spec.BaseURL, r)
		if err != nil {
			return nil, err
		}
		reqs[i] = req
	}
	return reqs, nil
}

// newRequest is r against baseURL.
func newRequest(ctx context.Context, baseURL string, r request) (*http.Request, error) {
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method(), baseURL+r.Path, body)
	if err != nil {
		return nil, err
	}
	if r.Header != "" {
		req.Header.Set(r.Header, r.Value)
	}
	if r.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// workerStats is what one worker measured.
type workerStats struct {
	hist       histogram
	statuses   map[int]int64
	unexpected int64
	errors     int64
}

// work sends reqs (made of specs) in turn from index first until ctx ends.
func work(ctx context.Context, client *http.Client, reqs []*http.Request, specs []request, first int) workerStats {
	ws := workerStats{statuses: map[int]int64{}}
	for i := first; ctx.Err() == nil; i++ {
		req := reqs[i%len(reqs)]
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				ws.errors++
				continue
			}
			req.Body = body
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if ctx.Err() != nil {
			break // cut off by the end of the load: not counted
		}
		if err != nil {
			ws.errors++
			continue
		}
		ws.hist.record(time.Since(t0))
		ws.statuses[resp.StatusCode]++
		if resp.StatusCode != specs[i%len(specs)].want() {
			ws.unexpected++
		}
	}
	return ws
}
