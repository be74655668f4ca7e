// Command egress-worker is a test double of the LiveKit Egress recorder (v1.14.1): it
// registers on the Redis bus as an egress worker, so the real livekit-server dispatches
// StartEgress/StopEgress to it, reports the egress lifecycle through the server's IOInfo
// service, and writes an ffmpeg test pattern as the recording. See ../README.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	lkredis "github.com/livekit/protocol/redis"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/protocol/utils"
	"github.com/livekit/psrpc"
)

type config struct {
	redisAddr, redisPassword     string
	serverURL, apiKey, apiSecret string
	controlAddr                  string
	root, tmpDir, ffmpeg         string
	videoSize                    string
	frameRate                    int
	pollInterval                 time.Duration
	owner                        owner
	faults                       faults
	logLevel                     string
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("egress-worker", flag.ContinueOnError)
	fs.StringVar(&c.redisAddr, "redis", envOr("REDIS_ADDR", "127.0.0.1:6379"), "Redis address of the server's bus (env REDIS_ADDR)")
	fs.StringVar(&c.redisPassword, "redis-password", os.Getenv("REDIS_PASSWORD"), "Redis password (env REDIS_PASSWORD)")
	fs.StringVar(&c.serverURL, "url", envOr("LIVEKIT_URL", "http://127.0.0.1:7880"), "livekit-server URL, for ListParticipants (env LIVEKIT_URL)")
	fs.StringVar(&c.apiKey, "api-key", os.Getenv("LIVEKIT_API_KEY"), "API key (env LIVEKIT_API_KEY)")
	fs.StringVar(&c.apiSecret, "api-secret", os.Getenv("LIVEKIT_API_SECRET"), "API secret (env LIVEKIT_API_SECRET)")
	fs.StringVar(&c.controlAddr, "control-addr", "127.0.0.1:0", "loopback address of the control endpoint")
	fs.StringVar(&c.root, "root", "/", "directory that stands for the egress container's /: every file path resolves under it")
	fs.StringVar(&c.tmpDir, "tmp-dir", filepath.Join(os.TempDir(), "egress-worker"), "private directory where recordings are written before the copy")
	fs.StringVar(&c.ffmpeg, "ffmpeg", "ffmpeg", "ffmpeg executable")
	fs.StringVar(&c.videoSize, "video-size", "640x360", "test pattern size")
	fs.IntVar(&c.frameRate, "frame-rate", 15, "test pattern frame rate")
	fs.DurationVar(&c.pollInterval, "poll-interval", 250*time.Millisecond, "how often to ask the server about the room")
	chown := fs.Bool("chown", true, "when running as root, give files and created directories to --uid:--gid")
	fs.IntVar(&c.owner.uid, "uid", 1001, "owner uid of written files (the egress image's user)")
	fs.IntVar(&c.owner.gid, "gid", 0, "owner gid of written files")
	awaitPublisher := fs.Bool("await-publisher", true, "stay STARTING until a participant publishes a track")
	startDelay := fs.Duration("start-delay", 0, "fault: Chrome launch time before the egress may start")
	fs.BoolVar(&c.faults.AudioOnlyFails, "audio-only-fails", false, "fault: audio-only recordings lose the room connection")
	audioFailAfter := fs.Duration("audio-only-fail-after", time.Second, "fault: time ACTIVE before that connection loss")
	fs.BoolVar(&c.faults.RefuseCPU, "refuse-cpu", false, "fault: claim no request, as without CPU")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error (logs go to stderr)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.apiKey == "" || c.apiSecret == "" {
		return c, fmt.Errorf("--api-key and --api-secret (or LIVEKIT_API_KEY, LIVEKIT_API_SECRET) are required")
	}
	c.owner.enabled = *chown && os.Geteuid() == 0
	c.faults.AwaitPublisher = *awaitPublisher
	c.faults.StartDelayMs = startDelay.Milliseconds()
	c.faults.AudioOnlyFailAfterMs = audioFailAfter.Milliseconds()
	if !c.faults.valid() {
		return c, fmt.Errorf("delays must be between 0 and 10m")
	}
	if c.frameRate < 1 || c.frameRate > 60 {
		return c, fmt.Errorf("--frame-rate must be 1..60")
	}
	if c.pollInterval < 10*time.Millisecond {
		return c, fmt.Errorf("--poll-interval must be at least 10ms")
	}
	root, err := filepath.Abs(c.root)
	if err != nil {
		return c, err
	}
	c.root = root
	return c, nil
}

func loopbackListener(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, errNoControl
	}
	return net.Listen("tcp", addr)
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "egress-worker:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	rc, err := lkredis.GetRedisClient(&lkredis.RedisConfig{Address: cfg.redisAddr, Password: cfg.redisPassword})
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	bus := psrpc.NewRedisMessageBus(rc)
	ioClient, err := rpc.NewIOInfoClient(bus, psrpc.WithClientSelectTimeout(500*time.Millisecond))
	if err != nil {
		return err
	}

	w := &worker{
		cfg:    cfg,
		nodeID: utils.NewGuid("NE_"),
		log:    log,
		rooms:  newRoomWatcher(cfg.serverURL, cfg.apiKey, cfg.apiSecret),
		faults: &faultSwitch{f: cfg.faults},
		jobs:   make(map[string]*job),
	}
	w.log = log.With("nodeId", w.nodeID)
	w.reporter = newReporter(ioClient, w.log)
	if w.internal, err = rpc.NewEgressInternalServer(w, bus, psrpc.WithServerID(w.nodeID)); err != nil {
		return err
	}
	if w.handlers, err = rpc.NewEgressHandlerServer(handlerServer{w}, bus, psrpc.WithServerID(w.nodeID)); err != nil {
		return err
	}
	if err := w.internal.RegisterListActiveEgressTopic(""); err != nil {
		return err
	}

	ln, err := loopbackListener(cfg.controlAddr)
	if err != nil {
		return fmt.Errorf("control endpoint: %w", err)
	}
	srv := &http.Server{Handler: w.control(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()

	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)

	// the cluster id topic: "" as upstream's default cluster_id
	if err := w.internal.RegisterStartEgressTopic(""); err != nil {
		return err
	}
	ready, _ := json.Marshal(struct {
		Ready   bool   `json:"ready"`
		Control string `json:"control"`
		NodeID  string `json:"nodeId"`
	}{true, ln.Addr().String(), w.nodeID})
	fmt.Println(string(ready))
	log.Info("service ready", "nodeId", w.nodeID, "pid", strconv.Itoa(os.Getpid()))

	// upstream cmd/server/main.go: SIGINT stops the recordings, SIGTERM/SIGQUIT let them finish
	sig := <-stop
	log.Info("exit requested", "signal", sig.String())
	w.shutdown(sig == syscall.SIGINT)
	_ = srv.Close()
	log.Info("service stopped")
	return nil
}
