package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
)

// faults are the switches a test flips; a job keeps the ones in force when it started.
type faults struct {
	// StartDelayMs is how long the "Chrome launch" takes before the job may go ACTIVE.
	StartDelayMs int64 `json:"startDelayMs"`
	// AudioOnlyFails makes an audio-only recording (SDK source: no layout, no custom URL) lose its room connection
	// AudioOnlyFailAfterMs after going ACTIVE: file finalized, then EGRESS_FAILED.
	AudioOnlyFails       bool  `json:"audioOnlyFails"`
	AudioOnlyFailAfterMs int64 `json:"audioOnlyFailAfterMs"`
	// RefuseCPU makes the worker claim no request (affinity -1), as without CPU.
	RefuseCPU bool `json:"refuseCpu"`
	// AwaitPublisher holds a job in STARTING until a participant publishes a track.
	AwaitPublisher bool `json:"awaitPublisher"`
}

const maxDelayMs = 10 * 60 * 1000

func (f faults) valid() bool {
	return f.StartDelayMs >= 0 && f.StartDelayMs <= maxDelayMs &&
		f.AudioOnlyFailAfterMs >= 0 && f.AudioOnlyFailAfterMs <= maxDelayMs
}

type faultSwitch struct {
	mu sync.Mutex
	f  faults
}

func (s *faultSwitch) get() faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

// control is the loopback HTTP endpoint: GET/POST /faults, GET /egress.
func (w *worker) control() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /faults", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, w.faults.get())
	})
	mux.HandleFunc("POST /faults", func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, 4096))
		if err != nil {
			writeError(rw, http.StatusRequestEntityTooLarge, "body_too_large", "body over 4096 bytes")
			return
		}
		w.faults.mu.Lock()
		defer w.faults.mu.Unlock()
		next := w.faults.f // fields left out keep their value
		if err := json.Unmarshal(body, &next); err != nil {
			writeError(rw, http.StatusBadRequest, "invalid_json", err.Error())
			return
		}
		if !next.valid() {
			writeError(rw, http.StatusBadRequest, "invalid_fault", "delays must be 0..600000 ms")
			return
		}
		w.faults.f = next
		writeJSON(rw, http.StatusOK, next)
	})
	mux.HandleFunc("GET /egress", func(rw http.ResponseWriter, _ *http.Request) {
		list := []map[string]any{}
		for _, j := range w.jobList() {
			list = append(list, j.view())
		}
		writeJSON(rw, http.StatusOK, map[string]any{"egress": list})
	})
	return mux
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

func writeError(rw http.ResponseWriter, status int, code, message string) {
	writeJSON(rw, status, map[string]string{"code": code, "message": message})
}

var errNoControl = errors.New("control endpoint must listen on loopback")
