package main

import (
	"testing"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/psrpc"
)

func TestResolveFilepathAsUpstream(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 89_000_000, time.UTC)
	cases := []struct {
		template string
		output   outputType
		want     string
	}{
		{"/recordings/{room_name}/{room_id}-{time}.mp4", outputMP4, "/recordings/demo/RM_1-2026-03-04T050607.mp4"},
		{"rec/{utc}", outputMP4, "rec/20260304050607089.mp4"},
		{"rec/a.ogg", outputMP4, "rec/a.mp4"},
		{"rec/a.custom", outputMP4, "rec/a.custom.mp4"},
		{"/recordings/", outputOGG, "/recordings/demo-2026-03-04T050607.ogg"},
		{"", outputMP3, "demo-2026-03-04T050607.mp3"},
		{"../../etc/x", outputMP4, "etc/x.mp4"},
	}
	for _, c := range cases {
		if got := resolveFilepath(c.template, "demo", "RM_1", c.output, now); got != c.want {
			t.Errorf("resolveFilepath(%q) = %q, want %q", c.template, got, c.want)
		}
	}
}

func roomComposite(r *livekit.RoomCompositeEgressRequest) *rpc.StartEgressRequest {
	return &rpc.StartEgressRequest{
		EgressId: "EG_test", RoomId: "RM_1",
		Request: &rpc.StartEgressRequest_RoomComposite{RoomComposite: r},
	}
}

func TestValidateChoosesSourceAndOutput(t *testing.T) {
	now := time.Now()
	p, err := validate(roomComposite(&livekit.RoomCompositeEgressRequest{
		RoomName: "demo", AudioOnly: true,
		FileOutputs: []*livekit.EncodedFileOutput{{Filepath: "/recordings/x"}},
	}), now)
	if err != nil {
		t.Fatal(err)
	}
	if p.output != outputOGG || p.info.SourceType != livekit.EgressSourceType_EGRESS_SOURCE_TYPE_SDK {
		t.Errorf("audio-only default: output %q source %v, want .ogg and SDK", p.output, p.info.SourceType)
	}
	if p.storagePath != "/recordings/x.ogg" || p.file.Filename != "/recordings/x.ogg" {
		t.Errorf("storage path %q filename %q", p.storagePath, p.file.Filename)
	}
	if p.info.Status != livekit.EgressStatus_EGRESS_STARTING {
		t.Errorf("status %v", p.info.Status)
	}
}

func TestValidateRefusesAsUpstream(t *testing.T) {
	file := []*livekit.EncodedFileOutput{{Filepath: "x.mp4"}}
	cases := []struct {
		name string
		req  *rpc.StartEgressRequest
		code psrpc.ErrorCode
		msg  string
	}{
		{"no output", roomComposite(&livekit.RoomCompositeEgressRequest{RoomName: "demo"}),
			psrpc.InvalidArgument, "request has missing or invalid field: output"},
		{"two files", roomComposite(&livekit.RoomCompositeEgressRequest{RoomName: "demo", FileOutputs: append(file, file[0])}),
			psrpc.InvalidArgument, "request has missing or invalid field: multiple file outputs"},
		{"audio and video only", roomComposite(&livekit.RoomCompositeEgressRequest{RoomName: "demo", AudioOnly: true, VideoOnly: true, FileOutputs: file}),
			psrpc.InvalidArgument, "request has missing or invalid field: audio_only and video_only"},
		{"video in ogg", roomComposite(&livekit.RoomCompositeEgressRequest{RoomName: "demo",
			FileOutputs: []*livekit.EncodedFileOutput{{FileType: livekit.EncodedFileType_OGG}}}),
			psrpc.InvalidArgument, "no supported codec is compatible with all outputs"},
		{"track egress", &rpc.StartEgressRequest{EgressId: "EG_t", Request: &rpc.StartEgressRequest_Track{}},
			psrpc.InvalidArgument, "track egress (in this test double) is not yet supported"},
	}
	for _, c := range cases {
		_, err := validate(c.req, time.Now())
		var perr psrpc.Error
		if err == nil || !asPsrpc(err, &perr) || perr.Code() != c.code || err.Error() != c.msg {
			t.Errorf("%s: got %v, want %s %q", c.name, err, c.code, c.msg)
		}
	}
}

func asPsrpc(err error, target *psrpc.Error) bool {
	p, ok := err.(psrpc.Error)
	if ok {
		*target = p
	}
	return ok
}
