package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// recordingSpec says what ffmpeg generates: a test pattern and/or a tone, in real time.
type recordingSpec struct {
	ffmpeg    string
	videoSize string
	frameRate int
	audio     bool
	video     bool
	output    outputType
	localPath string
}

// recording is one running ffmpeg that writes the test pattern into the private temp dir,
// as egress's GStreamer pipeline writes into its TmpDir before the upload.
type recording struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	playing chan struct{} // closed once ffmpeg has written media (upstream: pipeline PLAYING)
	exited  chan struct{}
	err     error
	stderr  *strings.Builder
}

func (s recordingSpec) args() []string {
	args := []string{"-hide_banner", "-loglevel", "error", "-nostats", "-progress", "pipe:1", "-stats_period", "0.1"}
	if s.video {
		args = append(args, "-re", "-f", "lavfi", "-i",
			fmt.Sprintf("testsrc2=size=%s:rate=%d", s.videoSize, s.frameRate))
	}
	if s.audio {
		args = append(args, "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000")
	}
	if s.video {
		args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
			"-g", fmt.Sprint(2*s.frameRate))
	}
	if s.audio {
		switch s.output {
		case outputOGG:
			args = append(args, "-c:a", "libopus", "-b:a", "64k")
		case outputMP3:
			args = append(args, "-c:a", "libmp3lame", "-b:a", "128k")
		default:
			args = append(args, "-c:a", "aac", "-b:a", "128k")
		}
	}
	format := map[outputType]string{outputMP4: "mp4", outputOGG: "ogg", outputMP3: "mp3"}[s.output]
	// media reaches the file as it is encoded, as GStreamer's filesink writes it: a killed
	// recording leaves its partial file (no moov box) behind
	return append(args, "-flush_packets", "1", "-f", format, "-y", s.localPath)
}

func startRecording(spec recordingSpec) (*recording, error) {
	if err := os.MkdirAll(filepath.Dir(spec.localPath), 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(spec.ffmpeg, spec.args()...)
	// ffmpeg dies with the worker: a SIGKILLed worker leaves its partial file, as a killed
	// egress container does, and no orphan keeps writing.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &strings.Builder{}
	cmd.Stderr = &limitedWriter{w: stderr, left: 8 << 10}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &recording{cmd: cmd, stdin: stdin, playing: make(chan struct{}), exited: make(chan struct{}), stderr: stderr}
	go r.watchProgress(stdout)
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	return r, nil
}

// watchProgress reads ffmpeg's -progress lines to the end and closes playing at the first
// one with media written (out_time_us above 0).
func (r *recording) watchProgress(stdout io.Reader) {
	scanner := bufio.NewScanner(stdout)
	playing := false
	for scanner.Scan() {
		value, ok := strings.CutPrefix(scanner.Text(), "out_time_us=")
		if !ok || playing {
			continue
		}
		if us, err := strconv.ParseInt(value, 10, 64); err == nil && us > 0 {
			playing = true
			close(r.playing)
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
}

// finish asks ffmpeg to end the file ("q" on stdin: it writes the trailer, the MP4 moov
// box) and waits for it, as egress sends EOS and waits for the muxer to finalize.
func (r *recording) finish() error {
	_, _ = io.WriteString(r.stdin, "q")
	_ = r.stdin.Close()
	<-r.exited
	if r.err != nil {
		return r.failure()
	}
	return nil
}

// kill stops ffmpeg without finalizing (upstream p.Stop without EOS).
func (r *recording) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	n := len(p)
	if l.left > 0 {
		chunk := p[:min(len(p), l.left)]
		l.left -= len(chunk)
		_, _ = l.w.Write(chunk)
	}
	return n, nil
}

// owner is who the copied file and created directories belong to, when running as root.
type owner struct {
	enabled  bool
	uid, gid int
}

// upload copies the finished file to its destination the way the egress local uploader
// (livekit/storage local.go UploadFile) does: MkdirAll 0755, os.Create (0644 under the
// usual umask 022) and io.Copy straight into the destination, so a watcher sees the file
// grow. Returns the size.
func upload(localPath, destination string, own owner) (int64, error) {
	src, err := os.Open(localPath)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	if err := mkdirAllOwned(filepath.Dir(destination), own); err != nil {
		return 0, err
	}
	dst, err := os.OpenFile(destination, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, err
	}
	if own.enabled {
		if err := dst.Chown(own.uid, own.gid); err != nil {
			_ = dst.Close()
			return 0, err
		}
	}
	size, err := io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	return size, err
}

// mkdirAllOwned creates dir and its missing parents with mode 0755, giving each directory
// it creates to the egress user.
func mkdirAllOwned(dir string, own owner) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirAllOwned(parent, own); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	if own.enabled {
		return os.Chown(dir, own.uid, own.gid)
	}
	return nil
}

// failure describes how ffmpeg ended; call it after exited is closed.
func (r *recording) failure() error {
	return fmt.Errorf("ffmpeg: %v: %s", r.err, strings.TrimSpace(r.stderr.String()))
}
