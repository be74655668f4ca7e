import { LiveKitRoom } from '@livekit/components-react';
import type { User } from 'firebase/auth';
import { useCallback, useEffect, useState } from 'react';
import { roomKeyFromUrl } from '../../../common/room-key.js';
import { useRecordingAdmin } from '../auth/use-recording-admin.js';
import { displayNameOf } from '../auth/use-signed-in-user.js';
import type { RuntimeConfig } from '../config/runtime-config.js';
import type { FirebaseClient } from '../firebase/firebase-client.js';
import { RecordingPanel } from '../recording/recording-panel.js';
import { ControlApiError, fetchJoinToken, type JoinToken } from './join-token.js';
import { roomNameOfUrl } from './room-location.js';
import { RoomStage } from './room-stage.js';
import { useRoomMemberNames } from './use-room-member-names.js';

type Connection =
  | { readonly phase: 'fetching-token' }
  | { readonly phase: 'joined'; readonly token: JoinToken }
  | { readonly phase: 'left' }
  | { readonly phase: 'failed'; readonly message: string };

/** A room: the video (LiveKit) and its recordings (database), side by side. */
export function RoomPage(props: {
  config: RuntimeConfig;
  firebase: FirebaseClient;
  user: User;
  roomUrl: string;
}) {
  let roomKey: string;
  try {
    roomKey = roomKeyFromUrl(props.roomUrl);
  } catch (error) {
    return (
      <main className="panel" role="alert">
        <h1>This room cannot be opened</h1>
        <p>{(error as Error).message}</p>
      </main>
    );
  }
  return <RoomView {...props} roomKey={roomKey} />;
}

function RoomView({
  config,
  firebase,
  user,
  roomUrl,
  roomKey,
}: {
  config: RuntimeConfig;
  firebase: FirebaseClient;
  user: User;
  roomUrl: string;
  roomKey: string;
}) {
  const [connection, setConnection] = useState<Connection>({ phase: 'fetching-token' });
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  // A token makes the user a member, and only members may read the room's recordings.
  const [admitted, setAdmitted] = useState(false);
  const memberNames = useRoomMemberNames(firebase.db, roomKey, admitted);
  const isRecordingAdmin = useRecordingAdmin(user);

  useEffect(() => {
    if (connection.phase !== 'fetching-token') return;
    let current = true;
    (async () => {
      try {
        const idToken = await user.getIdToken();
        const token = await fetchJoinToken(
          config.tokenEndpoint,
          idToken,
          roomUrl,
          displayNameOf(user),
        );
        if (current) {
          setAdmitted(true);
          setConnection({ phase: 'joined', token });
        }
      } catch (error) {
        if (current) {
          setConnection({
            phase: 'failed',
            message: `Could not get a token to join: ${(error as Error).message}${
              error instanceof ControlApiError ? ` (${error.code})` : ''
            }`,
          });
        }
      }
    })();
    return () => {
      current = false;
    };
  }, [connection.phase, config.tokenEndpoint, roomUrl, user]);

  const onError = useCallback(
    (error: Error) =>
      setConnection({
        phase: 'failed',
        message: `Could not connect to LiveKit at ${config.livekitUrl}: ${error.message}`,
      }),
    [config.livekitUrl],
  );
  const onDisconnected = useCallback(() => {
    setConnection({ phase: 'left' });
    setNames(new Map());
  }, []);

  const nameOf = useCallback(
    (uid: string) => {
      if (uid === user.uid) return 'you';
      const name = memberNames.get(uid) ?? names.get(uid);
      return name !== undefined && name !== '' ? name : `a participant (${uid.slice(0, 6)}…)`;
    },
    [memberNames, names, user.uid],
  );

  return (
    <main className="room">
      <h1 className="room-title">
        Room <span className="room-name">{roomNameOfUrl(roomUrl)}</span>
      </h1>
      <div className="room-layout">
        <div className="room-video">
          {connection.phase === 'fetching-token' && <p role="status">Joining…</p>}
          {connection.phase === 'joined' && (
            <LiveKitRoom
              serverUrl={config.livekitUrl}
              token={connection.token.token}
              connect
              audio
              video
              onError={onError}
              onDisconnected={onDisconnected}
              data-lk-theme="default"
              className="livekit-room"
            >
              <RoomStage onParticipantNames={setNames} />
            </LiveKitRoom>
          )}
          {connection.phase === 'failed' && (
            <div className="panel" role="alert">
              <p className="error">{connection.message}</p>
              <button type="button" onClick={() => setConnection({ phase: 'fetching-token' })}>
                Try again
              </button>
            </div>
          )}
          {connection.phase === 'left' && (
            <div className="panel">
              <p role="status">You left the room.</p>
              <button type="button" onClick={() => setConnection({ phase: 'fetching-token' })}>
                Join again
              </button>
            </div>
          )}
        </div>
        {admitted ? (
          <RecordingPanel
            db={firebase.db}
            roomUrl={roomUrl}
            roomKey={roomKey}
            uid={user.uid}
            nameOf={nameOf}
            isRecordingAdmin={isRecordingAdmin}
            presets={config.recordingPresets}
          />
        ) : (
          <section className="recording-panel" aria-label="Recording">
            <p role="status">Recordings show once you have joined the room.</p>
          </section>
        )}
      </div>
    </main>
  );
}
