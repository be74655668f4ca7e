import { randomBytes } from 'node:crypto';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInAnonymously, signOut } from 'firebase/auth';
import { connectDatabaseEmulator, get, getDatabase, onValue, ref, set } from 'firebase/database';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { type RtdbEmulator, startRtdbEmulator } from '../../../emulators/rtdb/index.js';
import { signUpUser } from '../../support/firebase-users.js';
import { WebClients } from './database-clients.js';

// Comments are allowed in rules files; rules-unit-testing uploads the text as it is.
const RULES = `{
  "rules": {
    "users": {
      "$uid": {
        // each user reads and writes only their own profile
        ".read": "auth != null && auth.uid == $uid",
        ".write": "auth != null && auth.uid == $uid",
        "name": { ".validate": "newData.isString() && newData.val().length < 20" }
      }
    },
    "posts": {
      "$post": {
        ".read": true,
        /* create, or change your own post */
        ".write": "auth != null && (!data.exists() || data.child('owner').val() == auth.uid)",
        ".validate": "newData.hasChildren(['owner', 'text']) && newData.child('owner').val() == auth.uid"
      }
    },
    "admins": { ".read": false, ".write": false },
    "adminArea": {
      ".read": "auth != null && root.child('admins').child(auth.uid).val() == true",
      ".write": "auth != null && root.child('admins/' + auth.uid).exists()"
    },
    "stamps": { "$id": { ".write": true, ".validate": "newData.isNumber() && newData.val() <= now" } },
    "boards": {
      ".read": "query.orderByChild == 'rank' && query.limitToFirst <= 10",
      ".write": true
    }
  }
}`;

let emulator: RtdbEmulator;
let environment: RulesTestEnvironment;

beforeAll(async () => {
  emulator = await startRtdbEmulator();
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(async () => {
  environment = await initializeTestEnvironment({
    projectId: `demo-rules-${randomBytes(5).toString('hex')}`,
    database: { host: '127.0.0.1', port: emulator.port, rules: RULES },
  });
});
afterEach(async () => {
  await environment.cleanup();
});

type CompatQuery = ReturnType<
  ReturnType<RulesTestEnvironment['unauthenticatedContext']>['database']
>['ref'] extends (...args: never[]) => infer R
  ? R
  : never;

/** A listen (`on('value')`) that settles with its first value or its cancellation. */
const listenOnce = (query: Pick<CompatQuery, 'on' | 'off'>) =>
  new Promise((resolve, reject) => {
    const callback = (snapshot: unknown) => {
      query.off('value', callback);
      resolve(snapshot);
    };
    query.on('value', callback, reject);
  });

describe('security rules, as @firebase/rules-unit-testing sees them', () => {
  it('lets a user write and read only their own profile (auth.uid, $vars)', async () => {
    const alice = environment.authenticatedContext('alice').database();
    const bob = environment.authenticatedContext('bob').database();
    await assertSucceeds(alice.ref('users/alice').set({ name: 'Alice' }));
    await assertSucceeds(alice.ref('users/alice').once('value'));
    await assertFails(bob.ref('users/alice').set({ name: 'Mallory' }));
    await assertFails(bob.ref('users/alice').get());
    await assertFails(bob.ref('users/alice').once('value'));
    await assertFails(listenOnce(bob.ref('users/alice')));
    await assertFails(environment.unauthenticatedContext().database().ref('users/alice').get());
  });

  it('validates new data (newData) and rejects a multi-location update as a whole', async () => {
    const alice = environment.authenticatedContext('alice').database();
    await assertFails(alice.ref('users/alice/name').set('a name far too long to be accepted'));
    await assertFails(alice.ref('users/alice/name').set(42));
    await alice.ref('users/alice/name').set('Alice');
    await assertFails(
      alice.ref().update({ 'users/alice/name': 'Changed', 'users/bob/name': 'Bob' }),
    );
    await environment.withSecurityRulesDisabled(async (context) => {
      const stored = await context.database().ref('users').get();
      expect(stored.val()).toEqual({ alice: { name: 'Alice' } });
    });
    await assertSucceeds(alice.ref('users/alice').update({ name: 'Al', 'extra/x': 1 }));
  });

  it('uses existing data (data) to protect another user’s post', async () => {
    const alice = environment.authenticatedContext('alice').database();
    const bob = environment.authenticatedContext('bob').database();
    await assertSucceeds(alice.ref('posts/p1').set({ owner: 'alice', text: 'hello' }));
    await assertFails(bob.ref('posts/p1').set({ owner: 'bob', text: 'mine now' }));
    await assertFails(bob.ref('posts/p1/text').set('edited'));
    await assertSucceeds(alice.ref('posts/p1/text').set('edited'));
    await assertFails(alice.ref('posts/p2').set({ owner: 'alice' }));
    await assertSucceeds(bob.ref('posts/p1').get());
  });

  it('reads other locations through root', async () => {
    await environment.withSecurityRulesDisabled(async (context) => {
      await context.database().ref('admins').set({ root: true });
    });
    const admin = environment.authenticatedContext('root').database();
    const user = environment.authenticatedContext('user').database();
    await assertSucceeds(admin.ref('adminArea/setting').set('on'));
    await assertSucceeds(admin.ref('adminArea').once('value'));
    await assertFails(user.ref('adminArea/setting').set('off'));
    await assertFails(user.ref('adminArea').get());
  });

  it('compares with the server time (now), which a server timestamp satisfies', async () => {
    const database = environment.unauthenticatedContext().database();
    // ServerValue.TIMESTAMP as the SDK sends it.
    await assertSucceeds(database.ref('stamps/a').set({ '.sv': 'timestamp' }));
    await assertSucceeds(database.ref('stamps/b').set(Date.now() - 60_000));
    await assertFails(database.ref('stamps/c').set(Date.now() + 3_600_000));
  });

  it('applies query-based read rules to listens and gets', async () => {
    const database = environment.unauthenticatedContext().database();
    await database.ref('boards').set({ a: { rank: 2 }, b: { rank: 1 } });
    const allowed = database.ref('boards').orderByChild('rank').limitToFirst(5);
    await assertSucceeds(allowed.get());
    await assertSucceeds(listenOnce(allowed));
    await assertFails(database.ref('boards').get());
    await assertFails(database.ref('boards').orderByChild('rank').limitToFirst(50).get());
  });

  it('bypasses the rules with the owner credential and clears the database', async () => {
    await environment.withSecurityRulesDisabled(async (context) => {
      await context.database().ref('admins/x').set(true);
      expect((await context.database().ref('admins').get()).val()).toEqual({ x: true });
    });
    await environment.clearDatabase();
    await environment.withSecurityRulesDisabled(async (context) => {
      expect((await context.database().ref().get()).val()).toBeNull();
    });
  });
});

const WIDGET_RULES = JSON.stringify({
  rules: {
    widgets: {
      $id: {
        '.write': true,
        '.read': true,
        '.validate': "newData.hasChildren(['color', 'size'])",
        size: { '.validate': 'newData.isNumber() && newData.val() >= 0' },
        color: { '.validate': 'newData.isString()' },
        $other: { '.validate': false },
      },
    },
  },
});

describe('validation rules', () => {
  it('validates ancestors, descendants and unknown children, and skips deleted nodes', async () => {
    const widgets = await initializeTestEnvironment({
      projectId: `demo-widgets-${randomBytes(5).toString('hex')}`,
      database: { host: '127.0.0.1', port: emulator.port, rules: WIDGET_RULES },
    });
    try {
      const database = widgets.unauthenticatedContext().database();
      await assertSucceeds(database.ref('widgets/w1').set({ color: 'red', size: 1 }));
      await assertSucceeds(database.ref('widgets/w1/size').set(99));
      await assertFails(database.ref('widgets/w2/size').set(1));
      await assertFails(database.ref('widgets/w1/size').set(-1));
      await assertFails(database.ref('widgets/w1/extra').set('x'));
      await assertFails(database.ref('widgets/w1').update({ color: 7 }));
      await assertSucceeds(database.ref('widgets/w1').remove());
    } finally {
      await widgets.cleanup();
    }
  });
});

describe('rules replaced while clients listen', () => {
  it('cancels a listen the new rules no longer allow', async () => {
    const namespace = `demo-revoke-${randomBytes(5).toString('hex')}`;
    const clients = new WebClients(emulator, namespace);
    try {
      const database = clients.database();
      const cancelled = new Promise<Error>((resolve) => {
        onValue(
          ref(database, 'board'),
          () => {},
          (error) => resolve(error),
        );
      });
      await set(ref(database, 'board'), 'visible');
      const put = await fetch(`http://${emulator.host}/.settings/rules.json?ns=${namespace}`, {
        method: 'PUT',
        headers: { authorization: 'Bearer owner' },
        body: '{"rules":{".read":false,".write":false}}',
      });
      expect(put.ok).toBe(true);
      expect((await cancelled).message).toMatch(/permission_denied/i);
    } finally {
      await clients.close();
    }
  });
});

describe('ID tokens issued by the Auth emulator', () => {
  it('reach the rules when the web app signs in with Firebase Auth, and stop at sign-out', async () => {
    const namespace = `demo-signin-${randomBytes(5).toString('hex')}`;
    emulator.controls.setRules(namespace, RULES);
    const app = initializeApp(
      {
        apiKey: 'fake-api-key',
        projectId: inject('firebaseProjectId'),
        databaseURL: `https://${namespace}.firebaseio.com`,
      },
      `signin-${randomBytes(6).toString('hex')}`,
    );
    try {
      const auth = getAuth(app);
      connectAuthEmulator(auth, `http://${inject('authEmulatorHost')}`, { disableWarnings: true });
      const database = getDatabase(app);
      connectDatabaseEmulator(database, '127.0.0.1', emulator.port);
      const { user } = await signInAnonymously(auth);
      await set(ref(database, `users/${user.uid}/name`), 'Anonymous');
      expect((await get(ref(database, `users/${user.uid}/name`))).val()).toBe('Anonymous');
      await signOut(auth);
      await expect(set(ref(database, `users/${user.uid}/name`), 'x')).rejects.toThrow(
        /PERMISSION_DENIED/,
      );
    } finally {
      await deleteApp(app);
    }
  });

  it('identify the user to the rules', async () => {
    const namespace = `demo-tokens-${randomBytes(5).toString('hex')}`;
    emulator.controls.setRules(namespace, RULES);
    const clients = new WebClients(emulator, namespace);
    try {
      const user = await signUpUser();
      const database = clients.database(user.idToken);
      await set(ref(database, `users/${user.uid}/name`), 'Token user');
      expect((await get(ref(database, `users/${user.uid}`))).val()).toEqual({ name: 'Token user' });
      await expect(set(ref(database, 'users/someone-else/name'), 'x')).rejects.toThrow(
        /PERMISSION_DENIED/,
      );
    } finally {
      await clients.close();
    }
  });
});
