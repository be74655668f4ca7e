/** The accounts `npm run local` creates in the Auth emulator so a newcomer can sign in at once. */
export interface DemoUser {
  readonly email: string;
  readonly password: string;
  readonly displayName: string;
}

// Demo accounts of a local emulator, printed on start: not secrets.
export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'alice@example.com', password: 'alice-demo', displayName: 'Alice' },
  { email: 'bob@example.com', password: 'bob-demo', displayName: 'Bob' },
];

/** Creates each demo user unless a previous run's data already holds it. */
export async function seedDemoUsers(authHost: string, users: readonly DemoUser[]): Promise<void> {
  for (const user of users) {
    const response = await fetch(
      `http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=local-demo`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...user, returnSecureToken: false }),
      },
    );
    if (response.ok) continue;
    const body = await response.text();
    if (!body.includes('EMAIL_EXISTS')) {
      throw new Error(`could not create demo user ${user.email}: ${response.status} ${body}`);
    }
  }
}
