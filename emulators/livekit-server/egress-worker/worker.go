package main

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/rpc"
)

// worker is the egress service (upstream pkg/server/server.go + server_rpc.go) and the
// per-egress handler topics (pkg/service/handler_proxy.go), in one process.
type worker struct {
	cfg      config
	nodeID   string
	log      *slog.Logger
	reporter *reporter
	rooms    *roomWatcher
	faults   *faultSwitch

	internal rpc.EgressInternalServer
	handlers rpc.EgressHandlerServer

	mu           sync.Mutex
	jobs         map[string]*job // every job started, ended ones too (GET /egress)
	active       atomic.Int32
	running      sync.WaitGroup
	shuttingDown atomic.Bool
}

// StartEgressAffinity is upstream Server.StartEgressAffinity: -1 (no claim at all) when
// shutting down or without CPU, 0.5 when idle, 1 when it already records.
func (w *worker) StartEgressAffinity(_ context.Context, _ *rpc.StartEgressRequest) float32 {
	if w.shuttingDown.Load() || w.faults.get().RefuseCPU {
		return -1
	}
	if w.active.Load() == 0 {
		return 0.5
	}
	return 1
}

// StartEgress is upstream Server.StartEgress: validate, CreateEgress on the IOInfo
// service, launch the handler, answer with the STARTING info.
func (w *worker) StartEgress(ctx context.Context, req *rpc.StartEgressRequest) (*livekit.EgressInfo, error) {
	if w.shuttingDown.Load() {
		return nil, errShuttingDown
	}
	f := w.faults.get()
	if f.RefuseCPU {
		// upstream monitor.AcceptRequest when CPU vanished between claim and start
		return nil, errNotEnoughCPU
	}
	w.mu.Lock()
	if _, exists := w.jobs[req.EgressId]; exists {
		w.mu.Unlock()
		return nil, errEgressAlreadyExists
	}
	w.mu.Unlock()

	p, err := validate(req, time.Now())
	if err != nil {
		w.log.Info("request refused", "egressId", req.EgressId, "err", err)
		return nil, err
	}
	j := newJob(w, p, f)

	w.mu.Lock()
	if _, exists := w.jobs[req.EgressId]; exists {
		w.mu.Unlock()
		return nil, errEgressAlreadyExists
	}
	w.jobs[req.EgressId] = j
	w.mu.Unlock()
	w.active.Add(1)
	w.running.Add(1)

	if err := w.reporter.create(ctx, j.snapshot()); err != nil {
		w.log.Error("failed to create egress", "egressId", req.EgressId, "err", err)
		w.forget(j)
		return nil, err
	}
	if err := w.registerHandler(req.EgressId); err != nil {
		j.mu.Lock()
		j.info.SetFailed(err)
		j.mu.Unlock()
		w.reporter.update(j.snapshot())
		w.forget(j)
		return nil, err
	}
	w.log.Info("egress started", "egressId", req.EgressId, "room", p.info.RoomName,
		"file", p.storagePath, "faults", f)
	go func() {
		j.run()
		w.handlers.DeregisterStopEgressTopic(req.EgressId)
		w.handlers.DeregisterUpdateEgressTopic(req.EgressId)
		w.handlers.DeregisterUpdateStreamTopic(req.EgressId)
		w.jobEnded(j)
	}()
	return j.snapshot(), nil
}

func (w *worker) jobEnded(_ *job) {
	w.active.Add(-1)
	w.running.Done()
}

// forget drops a job that never ran (its launch failed, as upstream processEnded).
func (w *worker) forget(j *job) {
	w.mu.Lock()
	delete(w.jobs, j.plan.info.EgressId)
	w.mu.Unlock()
	w.jobEnded(j)
}

func (w *worker) registerHandler(egressID string) error {
	if err := w.handlers.RegisterStopEgressTopic(egressID); err != nil {
		return err
	}
	if err := w.handlers.RegisterUpdateEgressTopic(egressID); err != nil {
		w.handlers.DeregisterStopEgressTopic(egressID)
		return err
	}
	if err := w.handlers.RegisterUpdateStreamTopic(egressID); err != nil {
		w.handlers.DeregisterStopEgressTopic(egressID)
		w.handlers.DeregisterUpdateEgressTopic(egressID)
		return err
	}
	return nil
}

// ListActiveEgress answers the server's ListActiveEgress broadcast.
func (w *worker) ListActiveEgress(_ context.Context, _ *rpc.ListActiveEgressRequest) (*rpc.ListActiveEgressResponse, error) {
	res := &rpc.ListActiveEgressResponse{}
	for _, j := range w.jobList() {
		select {
		case <-j.done:
		default:
			res.EgressIds = append(res.EgressIds, j.plan.info.EgressId)
		}
	}
	return res, nil
}

func (w *worker) jobList() []*job {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := make([]*job, 0, len(w.jobs))
	for _, j := range w.jobs {
		list = append(list, j)
	}
	sort.Slice(list, func(a, b int) bool { return list[a].plan.info.StartedAt < list[b].plan.info.StartedAt })
	return list
}

func (w *worker) liveJob(egressID string) (*job, error) {
	w.mu.Lock()
	j := w.jobs[egressID]
	w.mu.Unlock()
	if j == nil {
		return nil, errEgressNotFound
	}
	select {
	case <-j.done:
		return nil, errEgressNotFound
	default:
		return j, nil
	}
}

// handlerServer answers the per-egress EgressHandler topics (topic = egress id).
type handlerServer struct{ w *worker }

func (h handlerServer) StopEgress(_ context.Context, req *livekit.StopEgressRequest) (*livekit.EgressInfo, error) {
	j, err := h.w.liveJob(req.EgressId)
	if err != nil {
		return nil, err
	}
	return j.stopEgress(), nil
}

func (h handlerServer) UpdateEgress(_ context.Context, req *livekit.UpdateEgressRequest) (*livekit.EgressInfo, error) {
	j, err := h.w.liveJob(req.EgressId)
	if err != nil {
		return nil, err
	}
	<-j.initialized
	switch {
	case len(req.AddStreamUrls) > 0 || len(req.RemoveStreamUrls) > 0:
		return nil, errNonStreaming
	case req.Layout != "":
		return nil, errFeatureDisabled("layout update")
	case req.Url != "":
		return nil, errFeatureDisabled("url update")
	}
	return j.snapshot(), nil
}

func (h handlerServer) UpdateStream(_ context.Context, req *livekit.UpdateStreamRequest) (*livekit.EgressInfo, error) {
	j, err := h.w.liveJob(req.EgressId)
	if err != nil {
		return nil, err
	}
	<-j.initialized
	return nil, errNonStreaming
}

// shutdown is upstream Server.Shutdown + Drain: stop taking requests, kill every job when
// asked (SIGINT), wait for the jobs to end and their updates to be sent.
func (w *worker) shutdown(kill bool) {
	if !w.shuttingDown.CompareAndSwap(false, true) {
		return
	}
	w.internal.DeregisterStartEgressTopic("")
	if kill {
		for _, j := range w.jobList() {
			select {
			case <-j.done:
			default:
				go j.kill(msgShuttingDown)
			}
		}
	}
	w.running.Wait()
	w.reporter.drain()
	w.internal.Shutdown()
	w.handlers.Shutdown()
}
