package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
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

// roomKey carries the room a request is about: the server checks RoomAdmin for that room.
type roomKey struct{}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	room, _ := req.Context().Value(roomKey{}).(string)
	token, err := auth.NewAccessToken(b.key, b.secret).
		SetVideoGrant(&auth.VideoGrant{RoomAdmin: true, RoomList: true, Room: room}).
		SetValidFor(time.Minute).
		ToJWT()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return b.next.RoundTrip(req)
}

// hasPublisher says whether a participant of the room publishes a track: what a
// room-composite recorder needs before Chrome's template sends START_RECORDING.
func (w *roomWatcher) hasPublisher(ctx context.Context, room string) (bool, error) {
	ctx = context.WithValue(ctx, roomKey{}, room)
	res, err := w.rooms.ListParticipants(ctx, &livekit.ListParticipantsRequest{Room: room})
	if err != nil {
		return false, err
	}
	for _, p := range res.Participants {
		if len(p.Tracks) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// roomExists says whether the server still has the room (ListParticipants of a closed
// room answers an empty list, so ListRooms is asked).
func (w *roomWatcher) roomExists(ctx context.Context, room string) (bool, error) {
	ctx = context.WithValue(ctx, roomKey{}, room)
	res, err := w.rooms.ListRooms(ctx, &livekit.ListRoomsRequest{Names: []string{room}})
	if err != nil {
		return false, err
	}
	return len(res.Rooms) > 0, nil
}
