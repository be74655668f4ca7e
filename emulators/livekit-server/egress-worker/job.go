package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/psrpc"
	"google.golang.org/protobuf/proto"
)

// job is one recording, the work upstream splits between a handler process
// (pkg/handler/handler.go) and its pipeline controller (pkg/pipeline/controller.go).
type job struct {
	w      *worker
	plan   *plan
	faults faults
	tmpDir string

	mu   sync.Mutex
	info *livekit.EgressInfo // guarded by mu; plan.file points into it

	initialized chan struct{} // closed when the "Chrome launch" is over
	stopped     chan struct{} // closed by stop(): the pipeline is torn down without EOS
	eos         chan struct{} // closed by sendEOS on an ACTIVE egress
	done        chan struct{} // closed once the final update is queued
	eosOnce     sync.Once
	stopOnce    sync.Once
	stopAsked   bool                // guarded by mu: a stop or kill came in before the start
	roomFailed  bool                // guarded by mu
	killErr     error               // guarded by mu: the shutdown error the egress ends with
	endedAt     int64               // guarded by mu
	afterEOS    *livekit.EgressInfo // guarded by mu
	localPath   string
}

func newJob(w *worker, p *plan, f faults) *job {
	return &job{
		w:           w,
		plan:        p,
		faults:      f,
		tmpDir:      filepath.Join(w.cfg.tmpDir, p.info.EgressId),
		localPath:   filepath.Join(w.cfg.tmpDir, p.info.EgressId, path.Base(p.storagePath)),
		info:        p.info,
		initialized: make(chan struct{}),
		stopped:     make(chan struct{}),
		eos:         make(chan struct{}),
		done:        make(chan struct{}),
	}
}

// snapshot is a copy of the current EgressInfo.
func (j *job) snapshot() *livekit.EgressInfo {
	j.mu.Lock()
	defer j.mu.Unlock()
	return proto.Clone(j.info).(*livekit.EgressInfo)
}

func (j *job) stop() { j.stopOnce.Do(func() { close(j.stopped) }) }

// sendEOS is upstream Controller.SendEOS: STARTING ends ABORTED at once, ACTIVE reports
// ENDING and finalizes the file. A non-nil fail then marks the egress FAILED in the same
// step, as KillEgress does right after its SendEOS. It returns the info as it stands then.
func (j *job) sendEOS(reason string, fail error) *livekit.EgressInfo {
	j.eosOnce.Do(func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.info.SetEndReason(reason)
		switch j.info.Status {
		case livekit.EgressStatus_EGRESS_STARTING:
			j.info.SetAborted(livekit.MsgStoppedBeforeStarted)
			j.stop()
		case livekit.EgressStatus_EGRESS_ABORTED, livekit.EgressStatus_EGRESS_FAILED:
			j.stop()
		case livekit.EgressStatus_EGRESS_ACTIVE:
			j.info.UpdateStatus(livekit.EgressStatus_EGRESS_ENDING)
			j.w.reporter.update(j.info)
			close(j.eos)
		case livekit.EgressStatus_EGRESS_ENDING:
			j.w.reporter.update(j.info)
			close(j.eos)
		}
		if j.plan.info.SourceType == livekit.EgressSourceType_EGRESS_SOURCE_TYPE_WEB {
			// the web source takes its end time when EOS is sent
			j.endedAt = time.Now().UnixNano()
		}
		if fail != nil {
			j.info.SetFailed(fail)
		}
		j.afterEOS = proto.Clone(j.info).(*livekit.EgressInfo)
	})
	j.mu.Lock()
	defer j.mu.Unlock()
	return proto.Clone(j.afterEOS).(*livekit.EgressInfo)
}

// askStop notes a stop that arrived before the recording started: once the launch is over
// the job waits for it instead of starting (upstream, Chrome is still loading the template
// then, so the stop wins).
func (j *job) askStop() {
	j.mu.Lock()
	j.stopAsked = true
	j.mu.Unlock()
}

// stopEgress is upstream Handler.StopEgress: it waits for the handler to be initialized
// (Chrome launched) however long that takes, then sends EOS.
func (j *job) stopEgress() *livekit.EgressInfo {
	j.askStop()
	<-j.initialized
	return j.sendEOS(livekit.EndReasonAPI, nil)
}

// kill is upstream Handler.KillEgress with the service's shutdown error
// (pkg/service/process.go KillAll → ErrShuttingDown): EOS, then FAILED with that error
// (PermissionDenied, as KillEgress wraps it), the file still finalized and copied. One still
// STARTING then ends ABORTED "Start signal not received" (Controller.Run sees the stop).
func (j *job) kill(cause string) {
	j.askStop()
	<-j.initialized
	killErr := psrpc.NewErrorf(psrpc.PermissionDenied, "%s", cause)
	j.mu.Lock()
	j.killErr = killErr // for an egress whose EOS was already sent
	j.mu.Unlock()
	j.sendEOS(livekit.EndReasonKilled, killErr)
}

func (j *job) run() {
	defer close(j.done)
	defer func() { _ = os.RemoveAll(j.tmpDir) }()
	log := j.w.log.With("egressId", j.plan.info.EgressId)

	// Chrome launch (or room join for the SDK source): nothing can interrupt it.
	if j.faults.StartDelayMs > 0 {
		time.Sleep(time.Duration(j.faults.StartDelayMs) * time.Millisecond)
	}
	close(j.initialized)

	// the recorder is in the room from now on: the room closing ends it, started or not
	watchCtx, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	go j.watchRoom(watchCtx)

	start := j.waitForStart()
	j.mu.Lock()
	if j.stopAsked && j.info.Status == livekit.EgressStatus_EGRESS_STARTING {
		start = nil // the stop being sent wins over the start
	}
	j.mu.Unlock()
	select {
	case <-j.stopped:
		j.mu.Lock()
		j.info.SetAborted(livekit.MsgStartNotReceived)
		j.mu.Unlock()
		j.finish(log)
		return
	case <-start:
	}

	rec, err := startRecording(recordingSpec{
		ffmpeg:    j.w.cfg.ffmpeg,
		videoSize: j.w.cfg.videoSize,
		frameRate: j.w.cfg.frameRate,
		audio:     !j.plan.videoOnly,
		video:     !j.plan.audioOnly,
		output:    j.plan.output,
		localPath: j.localPath,
	})
	if err != nil {
		j.mu.Lock()
		j.info.SetFailed(err)
		j.mu.Unlock()
		j.finish(log)
		return
	}

	select {
	case <-rec.playing:
	case <-j.stopped:
		rec.kill()
		j.finish(log)
		return
	case <-rec.exited:
		j.failPipeline(rec, log)
		return
	}

	j.mu.Lock()
	if j.info.Status == livekit.EgressStatus_EGRESS_STARTING {
		j.plan.file.StartedAt = time.Now().UnixNano()
		j.info.UpdateStatus(livekit.EgressStatus_EGRESS_ACTIVE)
		j.w.reporter.update(j.info)
	}
	j.mu.Unlock()

	if j.plan.info.SourceType == livekit.EgressSourceType_EGRESS_SOURCE_TYPE_SDK && j.faults.AudioOnlyFails {
		failAfter := time.Duration(j.faults.AudioOnlyFailAfterMs) * time.Millisecond
		timer := time.AfterFunc(failAfter, j.failRoomConnection)
		defer timer.Stop()
	}

	select {
	case <-j.eos:
	case <-j.stopped:
		rec.kill()
		j.finish(log)
		return
	case <-rec.exited:
		j.failPipeline(rec, log)
		return
	}

	finishErr := rec.finish()
	j.mu.Lock()
	if j.plan.info.SourceType == livekit.EgressSourceType_EGRESS_SOURCE_TYPE_SDK || j.endedAt == 0 {
		j.endedAt = time.Now().UnixNano()
	}
	j.mu.Unlock()
	if finishErr == nil {
		finishErr = j.uploadFile()
	}
	j.close(finishErr)
	j.finish(log)
}

// waitForStart returns a channel closed once the recording may start: at once when the
// wait is off, else once a participant publishes a track.
func (j *job) waitForStart() <-chan struct{} {
	start := make(chan struct{})
	if !j.faults.AwaitPublisher {
		close(start)
		return start
	}
	go func() {
		ticker := time.NewTicker(j.w.cfg.pollInterval)
		defer ticker.Stop()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			ok, err := j.w.rooms.hasPublisher(ctx, j.plan.info.RoomName)
			cancel()
			if ok {
				close(start)
				return
			}
			if err != nil {
				j.w.log.Warn("ListParticipants failed", "egressId", j.plan.info.EgressId, "err", err)
			}
			select {
			case <-j.stopped:
				return
			case <-ticker.C:
			}
		}
	}()
	return start
}

// watchRoom ends the recording when the server no longer has the room, as the recorder
// ends ("Source closed") when the room it joined closes.
func (j *job) watchRoom(ctx context.Context) {
	ticker := time.NewTicker(j.w.cfg.pollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		reqCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		exists, err := j.w.rooms.roomExists(reqCtx, j.plan.info.RoomName)
		cancel()
		if err != nil {
			j.w.log.Debug("ListRooms failed", "egressId", j.plan.info.EgressId, "err", err)
			continue
		}
		if !exists {
			j.sendEOS(livekit.EndReasonSrcClosed, nil)
			return
		}
	}
}

// failRoomConnection is the SDK source losing its room connection for good
// (upstream SDKSource.onDisconnectedWithReason with lksdk.Failed): the recording ends,
// the file is finalized, and Close reports FAILED (SDKSource.GetEndError).
func (j *job) failRoomConnection() {
	j.mu.Lock()
	j.roomFailed = true
	j.mu.Unlock()
	j.sendEOS(livekit.EndReasonSrcClosed, nil)
}

func (j *job) uploadFile() error {
	destination := filepath.Join(j.w.cfg.root, filepath.FromSlash(j.plan.storagePath))
	size, err := upload(j.localPath, destination, j.w.cfg.owner)
	if err != nil {
		return psrpc.NewErrorf(psrpc.InvalidArgument, "Local upload failed: %v", err)
	}
	j.mu.Lock()
	j.plan.file.Location = j.plan.storagePath
	j.plan.file.Size = size
	j.mu.Unlock()
	return nil
}

// close is upstream Controller.Close: end times, the final status, then the manifest.
func (j *job) close(pipelineErr error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f := j.plan.file
	if f.StartedAt == 0 {
		f.StartedAt = j.endedAt
	}
	f.EndedAt = j.endedAt
	f.Duration = f.EndedAt - f.StartedAt

	if pipelineErr != nil && j.info.Status != livekit.EgressStatus_EGRESS_FAILED {
		j.info.SetFailed(pipelineErr)
	}
	if j.killErr != nil && j.info.Status != livekit.EgressStatus_EGRESS_FAILED {
		j.info.SetFailed(j.killErr)
	}
	switch j.info.Status {
	case livekit.EgressStatus_EGRESS_ACTIVE, livekit.EgressStatus_EGRESS_ENDING:
		if j.roomFailed {
			j.info.SetFailed(errRoomConnectionFail)
		} else {
			j.info.SetComplete()
		}
		j.writeManifest()
	case livekit.EgressStatus_EGRESS_COMPLETE:
		j.writeManifest()
	}
}

// writeManifest uploads <egress id>.json beside the file, as upstream uploadManifest does
// unless disable_manifest is set. Called with mu held.
func (j *job) writeManifest() {
	if !j.plan.manifest {
		return
	}
	type manifestFile struct {
		Filename string `json:"filename,omitempty"`
		Location string `json:"location,omitempty"`
	}
	m := struct {
		EgressID  string         `json:"egress_id,omitempty"`
		RoomID    string         `json:"room_id,omitempty"`
		RoomName  string         `json:"room_name,omitempty"`
		StartedAt int64          `json:"started_at,omitempty"`
		EndedAt   int64          `json:"ended_at,omitempty"`
		Files     []manifestFile `json:"files,omitempty"`
	}{
		EgressID:  j.info.EgressId,
		RoomID:    j.info.RoomId,
		RoomName:  j.info.RoomName,
		StartedAt: j.info.StartedAt,
		EndedAt:   j.info.EndedAt,
	}
	if j.plan.file.Location != "" {
		m.Files = []manifestFile{{Filename: j.plan.storagePath, Location: j.plan.file.Location}}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return
	}
	local := filepath.Join(j.tmpDir, j.info.EgressId+".json")
	if err := os.WriteFile(local, append(body, '\n'), 0o644); err != nil {
		j.w.log.Warn("failed to write manifest", "err", err)
		return
	}
	storage := path.Join(path.Dir(j.plan.storagePath), j.info.EgressId+".json")
	if _, err := upload(local, filepath.Join(j.w.cfg.root, filepath.FromSlash(storage)), j.w.cfg.owner); err != nil {
		j.w.log.Warn("failed to upload manifest", "err", err)
		return
	}
	j.info.ManifestLocation = storage
}

// finish reports the final state (upstream HandlerFinished → UpdateEgress).
// failPipeline ends a job whose ffmpeg ended by itself: a pipeline error (upstream OnError).
func (j *job) failPipeline(rec *recording, log *slog.Logger) {
	j.mu.Lock()
	j.info.SetFailed(psrpc.NewErrorf(psrpc.Internal, "pipeline error: %v", rec.failure()))
	j.mu.Unlock()
	j.finish(log)
}

func (j *job) finish(log *slog.Logger) {
	info := j.snapshot()
	j.w.reporter.update(info)
	log.Info("egress ended", "status", info.Status.String(), "error", info.Error)
}

// view is what GET /egress shows of a job.
func (j *job) view() map[string]any {
	info := j.snapshot()
	v := map[string]any{
		"egressId": info.EgressId,
		"roomName": info.RoomName,
		"status":   info.Status.String(),
		"error":    info.Error,
		"filename": j.plan.storagePath,
	}
	if len(info.FileResults) > 0 {
		v["location"] = info.FileResults[0].Location
		v["size"] = info.FileResults[0].Size
	}
	return v
}
