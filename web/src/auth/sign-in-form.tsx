import {
  type Auth,
  createUserWithEmailAndPassword,
  GoogleAuthProvider,
  signInAnonymously,
  signInWithEmailAndPassword,
  signInWithPopup,
} from 'firebase/auth';
import { type FormEvent, useId, useState } from 'react';
import type { SignInMethod } from '../config/runtime-config.js';

/** Firebase Auth error codes a person is likely to meet, in words. */
const AUTH_ERROR_SENTENCES: Readonly<Record<string, string>> = {
  'auth/invalid-credential': 'That e-mail and password do not match an account.',
  'auth/invalid-email': 'That is not a valid e-mail address.',
  'auth/user-disabled': 'This account has been disabled.',
  'auth/email-already-in-use': 'An account with that e-mail already exists; sign in instead.',
  'auth/weak-password': 'The password must have at least 6 characters.',
  'auth/popup-closed-by-user': 'The Google sign-in window was closed before finishing.',
  'auth/network-request-failed': 'Could not reach the sign-in service.',
  'auth/operation-not-allowed': 'This sign-in method is not enabled for this project.',
};

function sentenceFor(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && AUTH_ERROR_SENTENCES[code] !== undefined) {
    return AUTH_ERROR_SENTENCES[code];
  }
  return `Sign-in failed: ${(error as Error).message}`;
}

export function SignInForm({ auth, methods }: { auth: Auth; methods: readonly SignInMethod[] }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  async function attempt(action: () => Promise<unknown>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(sentenceFor(failure));
    } finally {
      setBusy(false);
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const create = submitter instanceof HTMLButtonElement && submitter.value === 'create';
    void attempt(() =>
      create
        ? createUserWithEmailAndPassword(auth, email, password)
        : signInWithEmailAndPassword(auth, email, password),
    );
  }

  return (
    <section className="panel sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>Sign in to join rooms and see their recordings.</p>
      {methods.includes('password') && (
        <form onSubmit={onSubmit} aria-describedby={error === undefined ? undefined : errorId}>
          <label>
            E-mail
            <input
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </label>
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete="current-password"
              required
              minLength={6}
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          <div className="actions">
            <button type="submit" value="sign-in" disabled={busy}>
              Sign in
            </button>
            <button type="submit" value="create" className="secondary" disabled={busy}>
              Create account
            </button>
          </div>
        </form>
      )}
      {methods.includes('google') && (
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => void attempt(() => signInWithPopup(auth, new GoogleAuthProvider()))}
        >
          Sign in with Google
        </button>
      )}
      {methods.includes('anonymous') && (
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => void attempt(() => signInAnonymously(auth))}
        >
          Continue as guest
        </button>
      )}
      <p id={errorId} role="alert" className="error">
        {error}
      </p>
    </section>
  );
}
