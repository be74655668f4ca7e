import { AccessToken } from 'livekit-server-sdk';
import { type LivekitEmulator, startLivekitEmulator } from '../../emulators/livekit/index.js';
import { type RealLivekit, startRealLivekit } from '../../emulators/livekit-server/index.js';
import { installNodeWebrtc, sendingCamera } from './node-webrtc.js';

/** A participant as LiveKit sees them: in the room, publishing a camera or not. */
export interface RoomMember {
  readonly identity: string;
  setPublishing(publishing: boolean): Promise<void>;
  leave(): Promise<void>;
}

/**
 * The LiveKit a suite records on: our emulator, or the real livekit-server with Redis and the
 * egress worker. What a recording suite needs of either, so one suite runs on both.
 */
export interface LivekitUnderTest {
  readonly kind: 'emulator' | 'real';
  /** What LIVEKIT_URL takes. */
  readonly url: string;
  /** Where LiveKit's webhooks go from now on (a controller listening on a port it picked). */
  sendWebhooksTo(url: string | undefined): void;
  /** `identity` joins `room` and publishes a camera. */
  joinAndPublish(room: string, identity: string): Promise<RoomMember>;
  stop(): Promise<void>;
}

export interface LivekitKeys {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export class EmulatedLivekit implements LivekitUnderTest {
  readonly kind = 'emulator';
  constructor(readonly emulator: LivekitEmulator) {}

  static async start(
    keys: LivekitKeys,
    outputDir: string,
    options: Partial<Parameters<typeof startLivekitEmulator>[0]> = {},
  ): Promise<EmulatedLivekit> {
    return new EmulatedLivekit(
      await startLivekitEmulator({
        keys: { [keys.apiKey]: keys.apiSecret },
        outputDir,
        egressActivationDelayMs: 100,
        egressWriteIntervalMs: 200,
        webhookRetryDelaysMs: [50, 100, 200, 400],
        ...options,
      }),
    );
  }

  get url(): string {
    return this.emulator.url;
  }

  sendWebhooksTo(url: string | undefined): void {
    this.emulator.controls.webhooks.setUrl(url);
  }

  async joinAndPublish(room: string, identity: string): Promise<RoomMember> {
    const rooms = this.emulator.controls.rooms;
    rooms.addParticipant(room, { identity });
    rooms.setPublishing(room, identity, true);
    return {
      identity,
      setPublishing: async (publishing) => rooms.setPublishing(room, identity, publishing),
      leave: async () => {
        rooms.removeParticipant(room, identity);
      },
    };
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }
}

/** livekit-client in this process, with WebRTC from @roamhq/wrtc (installed on first use). */
async function nodeLivekitClient(): Promise<typeof import('livekit-client')> {
  installNodeWebrtc();
  const client = await import('livekit-client');
  client.setLogLevel(client.LogLevel.warn);
  return client;
}

export class RealLivekitUnderTest implements LivekitUnderTest {
  readonly kind = 'real';
  constructor(
    readonly real: RealLivekit,
    private readonly keys: LivekitKeys,
  ) {}

  /** Its egress workers write the absolute paths the controller asks for (rooted at `/`). */
  static async start(
    keys: LivekitKeys,
    options: Partial<Parameters<typeof startRealLivekit>[0]> = {},
  ): Promise<RealLivekitUnderTest> {
    return new RealLivekitUnderTest(await startRealLivekit({ ...keys, ...options }), keys);
  }

  get url(): string {
    return this.real.url;
  }

  sendWebhooksTo(url: string | undefined): void {
    this.real.webhooks.setTarget(url);
  }

  /** A real client joins through the SFU and sends frames, so the server sees a published track. */
  async joinAndPublish(room: string, identity: string): Promise<RoomMember> {
    const { Room, Track } = await nodeLivekitClient();
    const token = new AccessToken(this.keys.apiKey, this.keys.apiSecret, { identity });
    token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
    const client = new Room();
    await client.connect(this.real.url, await token.toJwt());
    let camera: ReturnType<typeof sendingCamera> | undefined;
    const setPublishing = async (publishing: boolean) => {
      if (publishing && camera === undefined) {
        camera = sendingCamera();
        await client.localParticipant.publishTrack(camera.track, {
          source: Track.Source.Camera,
          simulcast: false,
        });
      } else if (!publishing && camera !== undefined) {
        await client.localParticipant.unpublishTrack(camera.track);
        camera.stop();
        camera = undefined;
      }
    };
    await setPublishing(true);
    return {
      identity,
      setPublishing,
      async leave() {
        await client.disconnect();
        camera?.stop();
      },
    };
  }

  stop(): Promise<void> {
    return this.real.stop();
  }
}

/** Starts the LiveKit of `kind` with `keys`, its recordings (if any) written to `outputDir`. */
export function startLivekitUnderTest(
  kind: 'emulator' | 'real',
  keys: LivekitKeys,
  outputDir: string,
  realOptions: Partial<Parameters<typeof startRealLivekit>[0]> = {},
): Promise<LivekitUnderTest> {
  return kind === 'real'
    ? RealLivekitUnderTest.start(keys, realOptions)
    : EmulatedLivekit.start(keys, outputDir);
}
