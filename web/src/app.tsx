import { signOut } from 'firebase/auth';
import { type FormEvent, useMemo, useState } from 'react';
import { SignInForm } from './auth/sign-in-form.js';
import { displayNameOf, useSignedInUser } from './auth/use-signed-in-user.js';
import type { RuntimeConfig } from './config/runtime-config.js';
import { createFirebaseClient } from './firebase/firebase-client.js';
import { roomUrlForName, roomUrlOfLocation } from './room/room-location.js';
import { RoomPage } from './room/room-page.js';

export function App({ config }: { config: RuntimeConfig }) {
  const firebase = useMemo(() => createFirebaseClient(config), [config]);
  const user = useSignedInUser(firebase.auth);
  const roomUrl = roomUrlOfLocation(window.location);

  return (
    <>
      <header className="top-bar">
        <a className="brand" href="/">
          Rooms
        </a>
        {user && (
          <span className="account">
            <span className="who">{displayNameOf(user) ?? 'Guest'}</span>
            <button type="button" className="secondary" onClick={() => void signOut(firebase.auth)}>
              Sign out
            </button>
          </span>
        )}
      </header>
      {user === undefined && <p role="status">Loading…</p>}
      {user === null && <SignInForm auth={firebase.auth} methods={config.signInMethods} />}
      {user && roomUrl !== undefined && (
        <RoomPage config={config} firebase={firebase} user={user} roomUrl={roomUrl} />
      )}
      {user && roomUrl === undefined && <RoomPicker />}
    </>
  );
}

/** The start page: name a room to open it (a room is its URL, so the link can be shared). */
function RoomPicker() {
  const [name, setName] = useState('');
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (name.trim() !== '') window.location.assign(roomUrlForName(window.location.origin, name));
  }
  return (
    <main className="panel">
      <h1>Open a room</h1>
      <form onSubmit={onSubmit}>
        <label>
          Room name
          <input
            name="room"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <button type="submit">Open room</button>
      </form>
      <p>Share the room's address with the people you want to meet.</p>
    </main>
  );
}
