import { type Auth, onIdTokenChanged, type User } from 'firebase/auth';
import { useEffect, useState } from 'react';

/**
 * The signed-in user: undefined while Firebase restores the session, null when signed out.
 * Follows ID-token changes, so a refreshed or revoked session re-renders the app.
 */
export function useSignedInUser(auth: Auth): User | null | undefined {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  useEffect(() => onIdTokenChanged(auth, setUser), [auth]);
  return user;
}

/** How a user is named to others in the room (sent as the LiveKit participant name). */
export function displayNameOf(user: User): string | undefined {
  return user.displayName ?? user.email ?? undefined;
}
