import { randomBytes } from 'node:crypto';
import { onValue, ref } from 'firebase/database';
import { type App, deleteApp, initializeApp } from 'firebase-admin/app';
import { type Database, getDatabase } from 'firebase-admin/database';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RtdbEmulator, startRtdbEmulator } from '../../../emulators/rtdb/index.js';
import { randomNamespace, valueSatisfying, WebClients } from './database-clients.js';

const LOCKED_RULES = JSON.stringify({
  rules: {
    private: { '.read': false, '.write': false },
    perUser: { $uid: { '.read': 'auth.uid == $uid', '.write': 'auth.uid == $uid' } },
  },
});

let emulator: RtdbEmulator;
const apps: App[] = [];
const harnessDatabaseHost = process.env.FIREBASE_DATABASE_EMULATOR_HOST;

// This file drives its own emulator (its start rules, its controls); the Admin SDK lets the
// variable win over any database URL, so it must name this emulator while the file runs.
beforeAll(async () => {
  emulator = await startRtdbEmulator({ rules: LOCKED_RULES });
  process.env.FIREBASE_DATABASE_EMULATOR_HOST = emulator.host;
});
afterAll(async () => {
  if (harnessDatabaseHost === undefined) delete process.env.FIREBASE_DATABASE_EMULATOR_HOST;
  else process.env.FIREBASE_DATABASE_EMULATOR_HOST = harnessDatabaseHost;
  await emulator.stop();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => deleteApp(app)));
});

/** The Admin SDK on a plain-http database URL, which it treats as an emulator (owner token). */
function adminDatabase(namespace: string, authOverride?: object | null): Database {
  const app = initializeApp(
    {
      projectId: 'demo-rtdb',
      databaseURL: `http://${emulator.host}?ns=${namespace}`,
      ...(authOverride === undefined ? {} : { databaseAuthVariableOverride: authOverride }),
    },
    `admin-${randomBytes(6).toString('hex')}`,
  );
  apps.push(app);
  return getDatabase(app);
}

describe('firebase-admin against the RTDB emulator', () => {
  it('writes past the rules as owner, and a web client listening sees the write', async () => {
    const namespace = randomNamespace();
    const clients = new WebClients(emulator, namespace);
    try {
      const web = clients.database({ uid: 'amy' });
      const seen = valueSatisfying(ref(web, 'perUser/amy/inbox'), (value) => value !== null);
      await adminDatabase(namespace).ref('perUser/amy/inbox').set({ command: 'start' });
      await adminDatabase(namespace).ref('private/secret').set('kept');
      await expect(seen).resolves.toEqual({ command: 'start' });
      expect(emulator.controls.getTree(namespace, '/private')).toEqual({ secret: 'kept' });
    } finally {
      await clients.close();
    }
  });

  it('reads with once() and get(), and runs transactions', async () => {
    const admin = adminDatabase(randomNamespace());
    await admin.ref('jobs').set({ a: { n: 1 }, b: { n: 2 } });
    expect((await admin.ref('jobs').once('value')).val()).toEqual({ a: { n: 1 }, b: { n: 2 } });
    const first = await admin.ref('jobs').orderByChild('n').limitToFirst(1).get();
    expect(first.val()).toEqual({ a: { n: 1 } });
    const result = await admin.ref('jobs/a/n').transaction((n: number | null) => (n ?? 0) + 10);
    expect(result.committed).toBe(true);
    expect(result.snapshot.val()).toBe(11);
  });

  it('runs the rules with databaseAuthVariableOverride as auth', async () => {
    const namespace = randomNamespace();
    const asAmy = adminDatabase(namespace, { uid: 'amy' });
    await asAmy.ref('perUser/amy/x').set(1);
    await expect(asAmy.ref('perUser/bob/x').set(1)).rejects.toThrow(/PERMISSION_DENIED/);
    const asNobody = adminDatabase(namespace, null);
    await expect(asNobody.ref('perUser/amy').get()).rejects.toThrow(/permission/i);
  });

  it('connects through FIREBASE_DATABASE_EMULATOR_HOST with a production database URL', async () => {
    const namespace = randomNamespace();
    const previous = process.env.FIREBASE_DATABASE_EMULATOR_HOST;
    process.env.FIREBASE_DATABASE_EMULATOR_HOST = emulator.host;
    try {
      const app = initializeApp(
        { projectId: 'demo-rtdb', databaseURL: `https://${namespace}.firebaseio.com` },
        `admin-env-${randomBytes(6).toString('hex')}`,
      );
      apps.push(app);
      await getDatabase(app).ref('private/viaEnv').set(true);
      expect(emulator.controls.getTree(namespace, 'private/viaEnv')).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.FIREBASE_DATABASE_EMULATOR_HOST;
      else process.env.FIREBASE_DATABASE_EMULATOR_HOST = previous;
    }
  });

  it('sets and reads rules with setRules/getRules (as owner)', async () => {
    const namespace = randomNamespace();
    const app = initializeApp(
      {
        projectId: 'demo-rtdb',
        databaseURL: `http://${emulator.host}?ns=${namespace}`,
        // The rules API sends the credential's access token; "owner" is the emulator's admin.
        credential: {
          getAccessToken: async () => ({ access_token: 'owner', expires_in: 3600 }),
        },
      },
      `admin-rules-${randomBytes(6).toString('hex')}`,
    );
    apps.push(app);
    const rules = '{\n  // commented\n  "rules": { ".read": false, ".write": false }\n}';
    await getDatabase(app).setRules(rules);
    expect(await getDatabase(app).getRules()).toBe(rules);
    expect(await getDatabase(app).getRulesJSON()).toEqual({
      rules: { '.read': false, '.write': false },
    });
    const asNobody = adminDatabase(namespace, null);
    await expect(asNobody.ref('x').set(1)).rejects.toThrow(/PERMISSION_DENIED/);
  });

  it('keeps namespaces apart, including <project> and <project>-default-rtdb', async () => {
    const project = randomNamespace();
    await adminDatabase(project).ref('where').set('project');
    await adminDatabase(`${project}-default-rtdb`).ref('where').set('default');
    expect(emulator.controls.getTree(project, 'where')).toBe('project');
    expect(emulator.controls.getTree(`${project}-default-rtdb`, 'where')).toBe('default');
  });
});

describe('listeners across SDKs', () => {
  it('delivers admin updates to 3 web listeners as single events', async () => {
    const namespace = randomNamespace();
    const clients = new WebClients(emulator, namespace);
    try {
      const admin = adminDatabase(namespace);
      await admin.ref('perUser/amy').set({ a: 0, b: 0 });
      const seen = [0, 1, 2].map(() => {
        const values: unknown[] = [];
        const stop = onValue(ref(clients.database({ uid: 'amy' }), 'perUser/amy'), (snapshot) => {
          values.push(snapshot.val());
        });
        return { values, stop };
      });
      await admin.ref('perUser/amy').update({ a: 1, b: 1 });
      for (const listener of seen) {
        await expect
          .poll(() => listener.values.at(-1), { timeout: 10_000 })
          .toEqual({ a: 1, b: 1 });
        listener.stop();
        expect(listener.values).not.toContainEqual({ a: 1, b: 0 });
      }
    } finally {
      await clients.close();
    }
  });
});
