package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/psrpc"
	"google.golang.org/protobuf/proto"
)

const (
	createTimeout = 15 * time.Second // upstream defaultIOCreateTimeout
	updateTimeout = 30 * time.Second // upstream defaultIOUpdateTimeout
	maxBackoff    = time.Minute
)

// reporter sends EgressInfo to the server's IOInfo service as upstream
// pkg/info/io.go sessionReporter does: CreateEgress once, then UpdateEgress through a queue
// in which a pending update of the same egress is overwritten by a newer one, retried with
// backoff while the server does not answer.
type reporter struct {
	client rpc.IOInfoClient
	log    *slog.Logger

	mu      sync.Mutex
	pending map[string]*livekit.EgressInfo
	queue   chan string
	idle    sync.WaitGroup
}

func newReporter(client rpc.IOInfoClient, log *slog.Logger) *reporter {
	r := &reporter{
		client:  client,
		log:     log,
		pending: make(map[string]*livekit.EgressInfo),
		queue:   make(chan string, 500),
	}
	go r.run()
	return r
}

func (r *reporter) create(ctx context.Context, info *livekit.EgressInfo) error {
	_, err := r.client.CreateEgress(ctx, info, psrpc.WithRequestTimeout(createTimeout))
	return err
}

// update queues a copy of info; a copy still waiting for the same egress is replaced.
func (r *reporter) update(info *livekit.EgressInfo) {
	clone := proto.Clone(info).(*livekit.EgressInfo)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, waiting := r.pending[clone.EgressId]; waiting {
		r.pending[clone.EgressId] = clone
		return
	}
	r.pending[clone.EgressId] = clone
	r.idle.Add(1)
	select {
	case r.queue <- clone.EgressId:
	default:
		delete(r.pending, clone.EgressId)
		r.idle.Done()
		r.log.Error("update queue is full", "egressId", clone.EgressId)
	}
}

// drain waits until every queued update was sent or given up.
func (r *reporter) drain() { r.idle.Wait() }

func (r *reporter) run() {
	for id := range r.queue {
		r.mu.Lock()
		info := r.pending[id]
		delete(r.pending, id)
		r.mu.Unlock()
		if info != nil {
			r.send(info)
		}
		r.idle.Done()
	}
}

func (r *reporter) send(info *livekit.EgressInfo) {
	delay := 250 * time.Millisecond
	for {
		_, err := r.client.UpdateEgress(context.Background(), info, psrpc.WithRequestTimeout(updateTimeout))
		if err == nil {
			r.log.Info("reported", "egressId", info.EgressId, "status", info.Status.String(), "error", info.Error)
			return
		}
		if !errors.Is(err, psrpc.ErrRequestTimedOut) && !errors.Is(err, psrpc.ErrNoResponse) {
			r.log.Error("failed to update egress", "egressId", info.EgressId, "err", err)
			return
		}
		delay = min(delay*2, maxBackoff)
		r.log.Warn("io update retry", "egressId", info.EgressId, "err", err, "in", delay)
		time.Sleep(delay)
	}
}
