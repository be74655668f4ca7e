import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { tokenRoutes } from '../../controller/http/token-routes.js';
import { type LivekitEmulator, startLivekitEmulator } from '../../emulators/livekit/index.js';
import { signUpUser } from '../support/firebase-users.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let livekit: LivekitEmulator;
let outputDir: string;

beforeAll(async () => {
  server = await startTestServer();
  await server.app.register(tokenRoutes, {
    livekit: server.config.livekit,
    tokens: server.config.tokens,
    membership: server.membership,
  });
  outputDir = await mkdtemp(join(tmpdir(), 'recordings-'));
  livekit = await startLivekitEmulator({
    keys: { [server.config.livekit.apiKey]: server.config.livekit.apiSecret },
    outputDir,
  });
});

afterAll(async () => {
  await server?.close();
  await livekit?.stop();
  await rm(outputDir, { recursive: true, force: true });
});

/** Opens LiveKit's signal socket as livekit-client does, asking for `room` as well. */
function joinRoom(token: string, room: string): Promise<WebSocket> {
  const query = new URLSearchParams({ access_token: token, room });
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${livekit.url.replace(/^http/, 'ws')}/rtc?${query}`);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`join refused with ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
}

describe('a token from POST /token', () => {
  it('joins its own room on the LiveKit server, and no other room', async () => {
    const user = await signUpUser();
    const roomUrl = 'https://app.example.com/room/joined';
    const otherRoom = roomKeyFromUrl('https://app.example.com/room/elsewhere');
    const response = await server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.idToken}` },
      payload: { roomUrl },
    });
    const { token, room } = response.json();
    const rooms = new RoomServiceClient(
      livekit.url,
      server.config.livekit.apiKey,
      server.config.livekit.apiSecret,
    );

    // Asking for another room changes nothing: the token's room wins, as on the real server.
    const socket = await joinRoom(token, otherRoom);
    try {
      expect(
        (await rooms.listParticipants(room)).map((participant) => participant.identity),
      ).toEqual([user.uid]);
      expect(await rooms.listParticipants(otherRoom)).toEqual([]);
    } finally {
      socket.close();
    }
  });
});
