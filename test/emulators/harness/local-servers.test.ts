import { RoomServiceClient } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import {
  LOCAL_SERVER_STARTERS,
  type LocalServerStarter,
  startLocalServers,
} from '../../../emulators/harness/local-servers.js';

const storageOnly = LOCAL_SERVER_STARTERS.filter((starter) => starter.name === 'storage');
const firebaseStarters = LOCAL_SERVER_STARTERS.filter((starter) => starter.name !== 'livekit');

describe('startLocalServers', () => {
  it('starts a storage server and returns the variables the SDKs honour', async () => {
    const servers = await startLocalServers({
      projectId: 'demo-harness',
      env: {},
      starters: storageOnly,
    });
    try {
      const host = servers.env.FIREBASE_STORAGE_EMULATOR_HOST;
      expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(servers.env.STORAGE_EMULATOR_HOST).toBe(`http://${host}`);
      expect(servers.started).toEqual(['storage']);
      expect((await fetch(`http://${host}/b/demo-harness.appspot.com`)).status).toBe(200);
    } finally {
      await servers.stop();
    }
  });

  it('uses servers whose variables are already set (firebase emulators:exec) and starts none of those', async () => {
    const servers = await startLocalServers({
      starters: firebaseStarters,
      projectId: 'demo-harness',
      env: {
        FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
        FIREBASE_DATABASE_EMULATOR_HOST: '127.0.0.1:9000',
        FIREBASE_STORAGE_EMULATOR_HOST: '127.0.0.1:9199',
      },
    });
    expect(servers.started).toEqual([]);
    expect(servers.found).toEqual(['auth', 'rtdb', 'storage']);
    expect(servers.env).toEqual({
      FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099',
      FIREBASE_DATABASE_EMULATOR_HOST: '127.0.0.1:9000',
      FIREBASE_STORAGE_EMULATOR_HOST: '127.0.0.1:9199',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:9199',
    });
    await servers.stop();
  });

  it('always starts LiveKit, which Firebase has no emulator for, with a key pair the SDK accepts', async () => {
    const servers = await startLocalServers({
      projectId: 'demo-harness',
      env: { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099' },
      starters: LOCAL_SERVER_STARTERS.filter((starter) => starter.name === 'livekit'),
    });
    try {
      expect(servers.started).toEqual(['livekit']);
      const { LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET } = servers.env;
      const rooms = new RoomServiceClient(LIVEKIT_URL ?? '', LIVEKIT_API_KEY, LIVEKIT_API_SECRET);
      await rooms.createRoom({ name: 'harness-room' });
      expect((await rooms.listRooms()).map((room) => room.name)).toEqual(['harness-room']);
    } finally {
      await servers.stop();
    }
  });

  it('stops what it started when a later server fails to start', async () => {
    const stopped: string[] = [];
    const healthy: LocalServerStarter = {
      name: 'healthy',
      presentWhen: 'HEALTHY_HOST',
      start: async () => ({
        env: { HEALTHY_HOST: 'x' },
        stop: async () => void stopped.push('healthy'),
      }),
    };
    const broken: LocalServerStarter = {
      name: 'broken',
      presentWhen: 'BROKEN_HOST',
      start: async () => {
        throw new Error('no port for you');
      },
    };
    await expect(
      startLocalServers({ projectId: 'demo-harness', env: {}, starters: [healthy, broken] }),
    ).rejects.toThrow('no port for you');
    expect(stopped).toEqual(['healthy']);
  });
});
