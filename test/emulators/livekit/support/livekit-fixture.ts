import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressClient, RoomServiceClient, WebhookReceiver } from 'livekit-server-sdk';
import {
  type LivekitEmulator,
  type LivekitEmulatorOptions,
  startLivekitEmulator,
} from '../../../../emulators/livekit/index.js';
import { WebhookInbox } from './webhook-inbox.js';

export interface LivekitFixture {
  readonly emulator: LivekitEmulator;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly outputDir: string;
  readonly inbox: WebhookInbox;
  readonly rooms: RoomServiceClient;
  readonly egress: EgressClient;
  readonly receiver: WebhookReceiver;
  /** A room name no other test uses. */
  roomName(prefix?: string): string;
  /** A new room where `alice` publishes a camera, as when someone presses Record. */
  roomWithPublisher(): Promise<string>;
  close(): Promise<void>;
}

/** Timings scaled down so that lifecycles finish within a test, never by sleeping in the test. */
export const FAST_TIMINGS = {
  egressActivationDelayMs: 50,
  egressWriteIntervalMs: 100,
  webhookRetryDelaysMs: [20, 40, 80, 160],
} as const satisfies Partial<LivekitEmulatorOptions>;

/** An emulator with a fresh key pair and output directory, a webhook inbox, and the real SDK clients. */
export async function startLivekitFixture(
  overrides: Partial<LivekitEmulatorOptions> = {},
): Promise<LivekitFixture> {
  const apiKey = `API${randomBytes(6).toString('hex')}`;
  const apiSecret = randomBytes(24).toString('base64url');
  const outputDir = await mkdtemp(join(tmpdir(), 'livekit-recordings-'));
  const inbox = await WebhookInbox.start();
  const emulator = await startLivekitEmulator({
    keys: { [apiKey]: apiSecret },
    webhookUrl: inbox.url,
    outputDir,
    ...FAST_TIMINGS,
    ...overrides,
  });
  const rooms = new RoomServiceClient(emulator.url, apiKey, apiSecret);
  const roomName = (prefix = 'room') => `${prefix}-${randomBytes(4).toString('hex')}`;
  return {
    emulator,
    apiKey,
    apiSecret,
    outputDir,
    inbox,
    rooms,
    egress: new EgressClient(emulator.url, apiKey, apiSecret),
    receiver: new WebhookReceiver(apiKey, apiSecret),
    roomName,
    async roomWithPublisher() {
      const room = roomName();
      await rooms.createRoom({ name: room });
      emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
      emulator.controls.rooms.setPublishing(room, 'alice', true);
      return room;
    },
    async close() {
      await emulator.stop();
      await inbox.close();
      await rm(outputDir, { recursive: true, force: true });
    },
  };
}
