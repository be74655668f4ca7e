import { type Database, onValue, ref } from 'firebase/database';
import { useEffect, useState } from 'react';

/**
 * The server's time as this device estimates it: its own clock plus the offset the database
 * client measured when it connected (`.info/serverTimeOffset`). Records carry server times, and a
 * phone's clock may be minutes off. Re-read every second while `ticking` holds of the time last
 * read (the clocks of running recordings, a pending start's deadline).
 */
export function useServerClock(db: Database, ticking: (serverNow: number) => boolean): number {
  const [offset, setOffset] = useState(0);
  const [localNow, setLocalNow] = useState(() => Date.now());
  useEffect(
    () =>
      onValue(ref(db, '.info/serverTimeOffset'), (snapshot) => {
        const value: unknown = snapshot.val();
        if (typeof value === 'number') setOffset(value);
      }),
    [db],
  );
  const serverNow = localNow + offset;
  const runs = ticking(serverNow);
  useEffect(() => {
    if (!runs) return;
    setLocalNow(Date.now());
    const timer = setInterval(() => setLocalNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [runs]);
  return serverNow;
}
