import {
  DisconnectButton,
  isTrackReference,
  ParticipantTile,
  RoomAudioRenderer,
  TrackToggle,
  useConnectionState,
  useParticipants,
  useTracks,
} from '@livekit/components-react';
import { ConnectionState, Track } from 'livekit-client';
import { useEffect } from 'react';

const CONNECTION_LABELS: Readonly<Record<ConnectionState, string>> = {
  [ConnectionState.Disconnected]: 'Disconnected',
  [ConnectionState.Connecting]: 'Connecting…',
  [ConnectionState.Connected]: 'Connected',
  [ConnectionState.Reconnecting]: 'Reconnecting…',
  [ConnectionState.SignalReconnecting]: 'Reconnecting…',
};

/** The video grid and controls inside a connected `LiveKitRoom`; reports who is present. */
export function RoomStage({
  onParticipantNames,
}: {
  onParticipantNames: (names: ReadonlyMap<string, string>) => void;
}) {
  const state = useConnectionState();
  const participants = useParticipants();
  const tracks = useTracks(
    [
      { source: Track.Source.Camera, withPlaceholder: true },
      { source: Track.Source.ScreenShare, withPlaceholder: false },
    ],
    { onlySubscribed: false },
  );

  // useParticipants answers a new array on every render; report only when someone changed.
  const roster = JSON.stringify(
    participants.map((participant) => [participant.identity, participant.name ?? '']),
  );
  useEffect(() => {
    onParticipantNames(new Map(JSON.parse(roster) as [string, string][]));
  }, [roster, onParticipantNames]);

  return (
    <section className="stage" aria-label="Video">
      <p className="connection" role="status" data-connection-state={state}>
        {CONNECTION_LABELS[state]} · {participants.length}{' '}
        {participants.length === 1 ? 'participant' : 'participants'}
      </p>
      {/* A plain CSS grid: GridLayout's paging logs errors when a placeholder becomes a track. */}
      <ul className="tiles">
        {tracks.map((track) => (
          <li
            key={`${track.participant.identity}-${track.source}-${isTrackReference(track) ? track.publication.trackSid : 'placeholder'}`}
          >
            <ParticipantTile trackRef={track} />
          </li>
        ))}
      </ul>
      {/* Our own bar: ControlBar's compact form has icon-only buttons with no accessible name. */}
      <div className="lk-control-bar controls">
        <TrackToggle source={Track.Source.Microphone}>Microphone</TrackToggle>
        <TrackToggle source={Track.Source.Camera}>Camera</TrackToggle>
        <TrackToggle source={Track.Source.ScreenShare}>Share screen</TrackToggle>
        <DisconnectButton>Leave</DisconnectButton>
      </div>
      <RoomAudioRenderer />
    </section>
  );
}
