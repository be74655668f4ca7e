package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/psrpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

const waitLimit = 15 * time.Second

// fakeIO stands for the server's IOInfo service: it keeps every update it is sent.
type fakeIO struct {
	rpc.IOInfoClient
	mu      sync.Mutex
	updates []*livekit.EgressInfo
	changed chan struct{}
}

func (f *fakeIO) CreateEgress(context.Context, *livekit.EgressInfo, ...psrpc.RequestOption) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (f *fakeIO) UpdateEgress(_ context.Context, info *livekit.EgressInfo, _ ...psrpc.RequestOption) (*emptypb.Empty, error) {
	f.mu.Lock()
	f.updates = append(f.updates, proto.Clone(info).(*livekit.EgressInfo))
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
	return &emptypb.Empty{}, nil
}

func (f *fakeIO) statuses() []livekit.EgressStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	var list []livekit.EgressStatus
	for _, u := range f.updates {
		list = append(list, u.Status)
	}
	return list
}

// waitFor returns the first update with the status, failing the test after waitLimit.
func (f *fakeIO) waitFor(t *testing.T, status livekit.EgressStatus) *livekit.EgressInfo {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		f.mu.Lock()
		for _, u := range f.updates {
			if u.Status == status {
				f.mu.Unlock()
				return u
			}
		}
		f.mu.Unlock()
		select {
		case <-f.changed:
		case <-deadline:
			t.Fatalf("no %v update; got %v", status, f.statuses())
		}
	}
}

// fakeRooms stands for the server's RoomService.
type fakeRooms struct {
	livekit.RoomService
	closed     atomic.Bool
	publishing atomic.Bool
	asked      chan struct{} // one value per ListParticipants call, when the test listens
}

func (f *fakeRooms) ListRooms(_ context.Context, req *livekit.ListRoomsRequest) (*livekit.ListRoomsResponse, error) {
	if f.closed.Load() {
		return &livekit.ListRoomsResponse{}, nil
	}
	return &livekit.ListRoomsResponse{Rooms: []*livekit.Room{{Name: req.Names[0]}}}, nil
}

func (f *fakeRooms) ListParticipants(context.Context, *livekit.ListParticipantsRequest) (*livekit.ListParticipantsResponse, error) {
	select {
	case f.asked <- struct{}{}:
	default:
	}
	if !f.publishing.Load() {
		return &livekit.ListParticipantsResponse{}, nil
	}
	return &livekit.ListParticipantsResponse{Participants: []*livekit.ParticipantInfo{
		{Identity: "alice", Tracks: []*livekit.TrackInfo{{Sid: "TR_1"}}},
	}}, nil
}

type harness struct {
	w     *worker
	io    *fakeIO
	rooms *fakeRooms
	root  string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("these tests record with ffmpeg, which is not on PATH")
	}
	h := &harness{io: &fakeIO{changed: make(chan struct{}, 1)}, rooms: &fakeRooms{asked: make(chan struct{})}, root: t.TempDir()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.w = &worker{
		cfg: config{
			root: h.root, tmpDir: t.TempDir(), ffmpeg: "ffmpeg",
			videoSize: "160x120", frameRate: 10, pollInterval: 20 * time.Millisecond,
		},
		log:      log,
		reporter: newReporter(h.io, log),
		rooms:    &roomWatcher{rooms: h.rooms},
		faults:   &faultSwitch{},
		jobs:     make(map[string]*job),
	}
	return h
}

// start runs a room-composite recording to /recordings/<name> with the given faults.
func (h *harness) start(t *testing.T, name string, audioOnly bool, f faults) *job {
	t.Helper()
	p, err := validate(&rpc.StartEgressRequest{
		EgressId: "EG_" + name, RoomId: "RM_1",
		Request: &rpc.StartEgressRequest_RoomComposite{RoomComposite: &livekit.RoomCompositeEgressRequest{
			RoomName: "demo", AudioOnly: audioOnly,
			FileOutputs: []*livekit.EncodedFileOutput{{FileType: livekit.EncodedFileType_MP4, Filepath: "/recordings/" + name}},
		}},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	j := newJob(h.w, p, f)
	done := make(chan struct{})
	go func() {
		j.run()
		close(done)
	}()
	t.Cleanup(func() {
		j.sendEOS(livekit.EndReasonKilled, nil)
		<-done
	})
	return j
}

func (h *harness) probe(t *testing.T, location string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
		"-of", "csv=p=0", filepath.Join(h.root, location)).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v %s", location, err, out)
	}
	return strings.Join(strings.Fields(string(out)), ",")
}

func TestStopEgressEndsCompleteWithThePlayableFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	j := h.start(t, "stopped", false, faults{})
	h.io.waitFor(t, livekit.EgressStatus_EGRESS_ACTIVE)

	if answer := j.stopEgress(); answer.Status != livekit.EgressStatus_EGRESS_ENDING {
		t.Fatalf("StopEgress answered %v, want ENDING", answer.Status)
	}
	final := h.io.waitFor(t, livekit.EgressStatus_EGRESS_COMPLETE)

	file := final.FileResults[0]
	if file.Location != "/recordings/stopped.mp4" || file.Filename != "/recordings/stopped.mp4" {
		t.Errorf("file result %v", file)
	}
	stat, err := os.Stat(filepath.Join(h.root, "recordings", "stopped.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if stat.Size() != file.Size || stat.Mode().Perm() != 0o644 {
		t.Errorf("file size %d mode %v, reported size %d", stat.Size(), stat.Mode().Perm(), file.Size)
	}
	if file.Duration <= 0 || file.EndedAt-file.StartedAt != file.Duration {
		t.Errorf("times %d..%d duration %d", file.StartedAt, file.EndedAt, file.Duration)
	}
	if codecs := h.probe(t, file.Location); codecs != "h264,aac" {
		t.Errorf("codecs %q, want h264,aac", codecs)
	}
	if final.Details != "End reason: StopEgress API" || final.ManifestLocation != "/recordings/EG_stopped.json" {
		t.Errorf("details %q manifest %q", final.Details, final.ManifestLocation)
	}
}

func TestStopDuringTheLaunchWaitsForItThenAborts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	j := h.start(t, "launching", false, faults{StartDelayMs: 300})

	answer := j.stopEgress()
	if answer.Status != livekit.EgressStatus_EGRESS_ABORTED || answer.Error != livekit.MsgStoppedBeforeStarted {
		t.Fatalf("StopEgress answered %v %q", answer.Status, answer.Error)
	}
	final := h.io.waitFor(t, livekit.EgressStatus_EGRESS_ABORTED)
	if final.Error != livekit.MsgStartNotReceived || final.ErrorCode != 412 {
		t.Errorf("final %q %d, want %q 412", final.Error, final.ErrorCode, livekit.MsgStartNotReceived)
	}
	if got := h.io.statuses(); len(got) != 1 {
		t.Errorf("updates %v, want the ABORTED one alone", got)
	}
}

func TestShutdownFinalizesTheFileThenFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	j := h.start(t, "shutdown", false, faults{})
	h.io.waitFor(t, livekit.EgressStatus_EGRESS_ACTIVE)

	j.kill(msgShuttingDown)
	final := h.io.waitFor(t, livekit.EgressStatus_EGRESS_FAILED)
	if final.Error != "server is shutting down" || final.ErrorCode != 403 || final.Details != "End reason: Process killed" {
		t.Errorf("final %q %d %q", final.Error, final.ErrorCode, final.Details)
	}
	if codecs := h.probe(t, final.FileResults[0].Location); codecs != "h264,aac" {
		t.Errorf("codecs %q", codecs)
	}
	h.io.waitFor(t, livekit.EgressStatus_EGRESS_ENDING)
}

func TestShutdownBeforeTheStartAborts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	j := h.start(t, "waiting", false, faults{AwaitPublisher: true})

	j.kill(msgShuttingDown)
	final := h.io.waitFor(t, livekit.EgressStatus_EGRESS_ABORTED)
	if final.Error != livekit.MsgStartNotReceived {
		t.Errorf("final error %q", final.Error)
	}
}

func TestRecordingWaitsForAPublisher(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start(t, "publisher", false, faults{AwaitPublisher: true})

	deadline := time.After(waitLimit)
	for range 3 {
		select {
		case <-h.rooms.asked:
		case <-deadline:
			t.Fatal("the room was not asked about three times")
		}
	}
	if got := h.io.statuses(); len(got) != 0 {
		t.Fatalf("updates %v before anyone published", got)
	}
	h.rooms.publishing.Store(true)
	h.io.waitFor(t, livekit.EgressStatus_EGRESS_ACTIVE)
}

func TestAudioOnlyRoomFailureKeepsTheFileAndFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start(t, "audio", true, faults{AudioOnlyFails: true, AudioOnlyFailAfterMs: 200})

	final := h.io.waitFor(t, livekit.EgressStatus_EGRESS_FAILED)
	if final.Error != "recording ended early: connection to room failed" || final.ErrorCode != 503 {
		t.Errorf("final %q %d", final.Error, final.ErrorCode)
	}
	if codecs := h.probe(t, final.FileResults[0].Location); codecs != "aac" {
		t.Errorf("codecs %q, want aac", codecs)
	}
	h.io.waitFor(t, livekit.EgressStatus_EGRESS_ENDING)
}

func TestRoomClosingCompletesTheRecording(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.start(t, "closing", false, faults{})
	h.io.waitFor(t, livekit.EgressStatus_EGRESS_ACTIVE)

	h.rooms.closed.Store(true)
	final := h.io.waitFor(t, livekit.EgressStatus_EGRESS_COMPLETE)
	if final.Details != "End reason: Source closed" {
		t.Errorf("details %q", final.Details)
	}
}
