import {
  ControlBar,
  GridLayout,
  ParticipantTile,
  RoomAudioRenderer,
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

  useEffect(() => {
    onParticipantNames(
      new Map(participants.map((participant) => [participant.identity, participant.name ?? ''])),
    );
  }, [participants, onParticipantNames]);

  return (
    <section className="stage" aria-label="Video">
      <p className="connection" role="status" data-connection-state={state}>
        {CONNECTION_LABELS[state]} · {participants.length}{' '}
        {participants.length === 1 ? 'participant' : 'participants'}
      </p>
      <div className="grid">
        <GridLayout tracks={tracks}>
          <ParticipantTile />
        </GridLayout>
      </div>
      <ControlBar variation="minimal" controls={{ chat: false, settings: false }} />
      <RoomAudioRenderer />
    </section>
  );
}
