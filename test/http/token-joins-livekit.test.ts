import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { tokenRoutes } from '../../controller/http/token-routes.js';
import { describeOnEachLivekit } from '../support/each-livekit.js';
import { signUpUser } from '../support/firebase-users.js';
import { type LivekitUnderTest, startLivekitUnderTest } from '../support/livekit-under-test.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describeOnEachLivekit('a token from POST /token', (kind) => {
  let server: TestServer;
  let livekit: LivekitUnderTest;
  let outputDir: string;

  beforeAll(async () => {
    server = await startTestServer();
    await server.app.register(tokenRoutes, {
      livekit: server.config.livekit,
      tokens: server.config.tokens,
      membership: server.membership,
    });
    outputDir = await mkdtemp(join(tmpdir(), 'recordings-'));
    // No recording here, so no egress worker.
    livekit = await startLivekitUnderTest(kind, server.config.livekit, outputDir, { workers: 0 });
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

  async function issuedToken(): Promise<{ uid: string; token: string; room: string }> {
    const user = await signUpUser();
    const response = await server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.idToken}` },
      payload: { roomUrl: `https://app.example.com/room/${user.uid}` },
    });
    const { token, room } = response.json();
    return { uid: user.uid, token, room };
  }

  it('joins its own room on the LiveKit server, and no other room', async () => {
    const { uid, token, room } = await issuedToken();
    const otherRoom = roomKeyFromUrl('https://app.example.com/room/elsewhere');
    const rooms = new RoomServiceClient(
      livekit.url,
      server.config.livekit.apiKey,
      server.config.livekit.apiSecret,
    );

    // Asking for another room changes nothing: the token's room wins.
    const socket = await joinRoom(token, otherRoom);
    try {
      await expect
        .poll(async () => (await rooms.listParticipants(room)).map((p) => p.identity))
        .toEqual([uid]);
      expect(await rooms.listParticipants(otherRoom)).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('grants nothing beyond joining: the server refuses it for room administration and egress', async () => {
    const { token, room } = await issuedToken();
    const call = (service: string, method: string, body: object) =>
      fetch(`${livekit.url}/twirp/livekit.${service}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    for (const response of [
      await call('RoomService', 'ListRooms', {}),
      await call('RoomService', 'ListParticipants', { room }),
      await call('RoomService', 'DeleteRoom', { room }),
      await call('Egress', 'StartRoomCompositeEgress', { room_name: room }),
    ]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'unauthenticated' });
    }
  });
});
