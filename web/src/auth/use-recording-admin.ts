import type { User } from 'firebase/auth';
import { useEffect, useState } from 'react';
import { RECORDING_ADMIN_CLAIM } from '../../../common/recording/recording-options.js';

/**
 * Whether the user's ID token carries the `recordingAdmin` claim (docs/operations.md), which
 * lets them delete recordings others requested. Only decides what is offered: the rules decide.
 */
export function useRecordingAdmin(user: User): boolean {
  const [admin, setAdmin] = useState(false);
  useEffect(() => {
    let current = true;
    user
      .getIdTokenResult()
      .then((result) => {
        if (current) setAdmin(result.claims[RECORDING_ADMIN_CLAIM] === true);
      })
      .catch(() => {
        if (current) setAdmin(false);
      });
    return () => {
      current = false;
    };
  }, [user]);
  return admin;
}
