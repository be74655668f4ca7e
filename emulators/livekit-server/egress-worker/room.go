package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	"github.com/twitchtv/twirp"
)

// roomWatcher asks the server's RoomService (Twirp, with a JWT signed by the API key) about
// the room an egress records, in place of the egress participant that the real recorder
// joins to the room.
type roomWatcher struct {
	rooms livekit.RoomService
}

func newRoomWatcher(serverURL, apiKey, apiSecret string) *roomWatcher {
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &bearer{key: apiKey, secret: apiSecret, next: http.DefaultTransport},
	}
	base := strings.TrimRight(strings.Replace(strings.Replace(serverURL, "ws://", "http://", 1), "wss://", "https://", 1), "/")
	return &roomWatcher{rooms: livekit.NewRoomServiceProtobufClient(base, client)}
}

type bearer struct {
	key, secret string
	next        http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	token, err := auth.NewAccessToken(b.key, b.secret).
		SetVideoGrant(&auth.VideoGrant{RoomAdmin: true, RoomList: true}).
		SetValidFor(time.Minute).
		ToJWT()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return b.next.RoundTrip(req)
}

// errRoomGone means the server no longer has the room.
var errRoomGone = errors.New("room not found")

// hasPublisher says whether a participant of the room publishes a track: what a
// room-composite recorder needs before Chrome's template sends START_RECORDING.
func (w *roomWatcher) hasPublisher(ctx context.Context, room string) (bool, error) {
	res, err := w.rooms.ListParticipants(ctx, &livekit.ListParticipantsRequest{Room: room})
	if err != nil {
		var te twirp.Error
		if errors.As(err, &te) && te.Code() == twirp.NotFound {
			return false, errRoomGone
		}
		return false, err
	}
	for _, p := range res.Participants {
		if len(p.Tracks) > 0 {
			return true, nil
		}
	}
	return false, nil
}
