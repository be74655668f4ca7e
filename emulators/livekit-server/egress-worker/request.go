package main

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/psrpc"
	"google.golang.org/protobuf/proto"
)

const msgShuttingDown = "server is shutting down"

// Errors with the codes and texts of upstream egress v1.14.1 (pkg/errors/errors.go).
var (
	errEgressNotFound      = psrpc.NewErrorf(psrpc.NotFound, "egress not found")
	errEgressAlreadyExists = psrpc.NewErrorf(psrpc.AlreadyExists, "egress already exists")
	errNotEnoughCPU        = psrpc.NewErrorf(psrpc.Unavailable, "not enough CPU")
	errShuttingDown        = psrpc.NewErrorf(psrpc.Unavailable, msgShuttingDown)
	errRoomConnectionFail  = psrpc.NewErrorf(psrpc.Unavailable, "recording ended early: connection to room failed")
	errNoCompatibleCodec   = psrpc.NewErrorf(psrpc.InvalidArgument, "no supported codec is compatible with all outputs")
	errNonStreaming        = psrpc.NewErrorf(psrpc.InvalidArgument, "UpdateStream called on non-streaming egress")
)

func errInvalidInput(field string) error {
	return psrpc.NewErrorf(psrpc.InvalidArgument, "request has missing or invalid field: %s", field)
}

func errNotSupported(feature string) error {
	return psrpc.NewErrorf(psrpc.InvalidArgument, "%s is not yet supported", feature)
}

func errFeatureDisabled(feature string) error {
	return psrpc.NewErrorf(psrpc.PermissionDenied, "%s is disabled for this account", feature)
}

// outputType is the container the recording is written in.
type outputType string

const (
	outputMP4 outputType = ".mp4"
	outputOGG outputType = ".ogg"
	outputMP3 outputType = ".mp3"
)

// knownExtensions are the extensions egress replaces when they do not match the output
// type (upstream pkg/types/types.go FileExtensions).
var knownExtensions = map[string]bool{
	".raw": true, ".ogg": true, ".mp3": true, ".ivf": true, ".mp4": true,
	".ts": true, ".webm": true, ".m3u8": true, ".jpeg": true,
}

// maxFilepathLength bounds the requested filepath; the server does not bound it.
const maxFilepathLength = 4096

// plan is a validated room-composite file request, what upstream
// config.GetValidatedPipelineConfig derives from it.
type plan struct {
	info        *livekit.EgressInfo
	file        *livekit.FileInfo
	audioOnly   bool
	videoOnly   bool
	output      outputType
	storagePath string // the path egress writes to, absolute as in the egress container
	manifest    bool
}

// validate turns a StartEgressRequest into a plan, or answers with the error upstream
// egress gives for the same request. Request kinds and outputs this double does not model
// are refused with upstream's "is not yet supported" error (InvalidArgument).
func validate(req *rpc.StartEgressRequest, now time.Time) (*plan, error) {
	if req.EgressId == "" {
		return nil, errInvalidInput("egressID")
	}
	rc, ok := req.Request.(*rpc.StartEgressRequest_RoomComposite)
	if !ok {
		return nil, errNotSupported(fmt.Sprintf("%s (in this test double)", requestKind(req)))
	}
	r := rc.RoomComposite
	if r.RoomName == "" {
		return nil, errInvalidInput("room_name")
	}
	if r.AudioOnly && r.VideoOnly {
		return nil, errInvalidInput("audio_only and video_only")
	}
	if len(r.StreamOutputs)+len(r.SegmentOutputs)+len(r.ImageOutputs) > 0 || r.GetStream() != nil || r.GetSegments() != nil {
		return nil, errNotSupported("stream, segment and image outputs (in this test double)")
	}
	var file *livekit.EncodedFileOutput
	switch len(r.FileOutputs) {
	case 0:
		file = r.GetFile() //nolint:staticcheck // deprecated field still accepted upstream
	case 1:
		file = r.FileOutputs[0]
	default:
		return nil, errInvalidInput("multiple file outputs")
	}
	if file == nil {
		return nil, errInvalidInput("output")
	}
	if file.GetS3() != nil || file.GetGcp() != nil || file.GetAzure() != nil || file.GetAliOSS() != nil {
		return nil, errNotSupported("cloud upload (in this test double)")
	}
	if len(file.Filepath) > maxFilepathLength {
		return nil, errInvalidInput("filepath")
	}

	output, err := chooseOutput(file.FileType, r.AudioOnly)
	if err != nil {
		return nil, err
	}

	sourceType := livekit.EgressSourceType_EGRESS_SOURCE_TYPE_WEB
	if r.AudioOnly && r.Layout == "" && r.CustomBaseUrl == "" {
		// upstream config.ShouldUseSDKSource
		sourceType = livekit.EgressSourceType_EGRESS_SOURCE_TYPE_SDK
	}

	storagePath := resolveFilepath(file.Filepath, r.RoomName, req.RoomId, output, now)
	fileInfo := &livekit.FileInfo{Filename: storagePath}
	clone := proto.Clone(r).(*livekit.RoomCompositeEgressRequest)
	nowNs := now.UnixNano()
	info := &livekit.EgressInfo{
		EgressId:    req.EgressId,
		RoomId:      req.RoomId,
		RoomName:    r.RoomName,
		SourceType:  sourceType,
		Status:      livekit.EgressStatus_EGRESS_STARTING,
		StartedAt:   nowNs,
		UpdatedAt:   nowNs,
		Request:     &livekit.EgressInfo_RoomComposite{RoomComposite: clone},
		FileResults: []*livekit.FileInfo{fileInfo},
		Result:      &livekit.EgressInfo_File{File: fileInfo}, //nolint:staticcheck // set upstream for older clients
	}
	return &plan{
		info:        info,
		file:        fileInfo,
		audioOnly:   r.AudioOnly,
		videoOnly:   r.VideoOnly,
		output:      output,
		storagePath: path.Join("/", storagePath),
		manifest:    !file.DisableManifest,
	}, nil
}

// chooseOutput mirrors upstream updateOutputType: audio-only defaults to OGG, audio+video
// to MP4, and a video recording cannot be OGG or MP3.
func chooseOutput(ft livekit.EncodedFileType, audioOnly bool) (outputType, error) {
	switch ft {
	case livekit.EncodedFileType_DEFAULT_FILETYPE:
		if audioOnly {
			return outputOGG, nil
		}
		return outputMP4, nil
	case livekit.EncodedFileType_MP4:
		return outputMP4, nil
	case livekit.EncodedFileType_OGG, livekit.EncodedFileType_MP3:
		if !audioOnly {
			return "", errNoCompatibleCodec
		}
		if ft == livekit.EncodedFileType_OGG {
			return outputOGG, nil
		}
		return outputMP3, nil
	default:
		return "", errInvalidInput("file_type")
	}
}

func requestKind(req *rpc.StartEgressRequest) string {
	switch req.Request.(type) {
	case *rpc.StartEgressRequest_Web:
		return "web egress"
	case *rpc.StartEgressRequest_Participant:
		return "participant egress"
	case *rpc.StartEgressRequest_TrackComposite:
		return "track composite egress"
	case *rpc.StartEgressRequest_Track:
		return "track egress"
	default:
		return "this egress request"
	}
}

// cleanFilepath is upstream pkg/config/output_file.go clean: path.Clean, leading "../"
// dropped, a trailing "/" kept.
func cleanFilepath(p string) string {
	hasEndingSlash := strings.HasSuffix(p, "/")
	p = path.Clean(p)
	for strings.HasPrefix(p, "../") {
		p = p[3:]
	}
	if p == "" || p == "." || p == ".." {
		return ""
	}
	if hasEndingSlash && p != "/" {
		return p + "/"
	}
	return p
}

// resolveFilepath is upstream getFilenameInfo + updateFilepath for a room recording:
// {room_name}, {room_id}, {time} and {utc} replaced (in UTC, the egress container's zone),
// a name generated for an empty path or a directory, the extension made to match.
func resolveFilepath(template, roomName, roomID string, output outputType, now time.Time) string {
	now = now.UTC()
	timeStr := now.Format("2006-01-02T150405")
	utc := fmt.Sprintf("%s%03d", now.Format("20060102150405"), now.UnixMilli()%1000)
	p := strings.NewReplacer(
		"{room_name}", roomName,
		"{room_id}", roomID,
		"{time}", timeStr,
		"{utc}", utc,
	).Replace(cleanFilepath(template))

	ext := string(output)
	if p == "" || strings.HasSuffix(p, "/") {
		return fmt.Sprintf("%s%s-%s%s", p, roomName, timeStr, ext)
	}
	if !strings.HasSuffix(p, ext) {
		if i := strings.LastIndex(p, "."); i > -1 && knownExtensions[p[i:]] {
			p = p[:i]
		}
		p += ext
	}
	return p
}
