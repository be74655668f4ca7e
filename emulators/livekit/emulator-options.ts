import { z } from 'zod';

const milliseconds = z.number().int().nonnegative();

/** Options of `startLivekitEmulator`; every timing has the real server's default. */
export const livekitEmulatorOptionsSchema = z.object({
  /** 0 or absent: the OS picks a free port. */
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().default('127.0.0.1'),
  /** API key -> secret, as livekit.yaml `keys`. */
  keys: z
    .record(z.string().min(1), z.string().min(1))
    .refine((keys) => Object.keys(keys).length > 0, 'at least one API key is required'),
  /** Where webhooks go (livekit.yaml `webhook.urls`); none: no webhooks. */
  webhookUrl: z.url().optional(),
  /** The key whose secret signs webhooks (livekit.yaml `webhook.api_key`); default: the first key. */
  webhookApiKey: z.string().optional(),
  /** The directory mounted into the egress container at the same path: files land here. */
  outputDir: z.string().min(1),
  /** livekit.yaml `room.auto_create`. */
  autoCreateRooms: z.boolean().default(true),
  roomEmptyTimeoutS: z.number().positive().default(300),
  roomDepartureTimeoutS: z.number().positive().default(20),
  egressActivationDelayMs: milliseconds.default(500),
  egressStartTimeoutMs: milliseconds.default(30_000),
  /** 0: no session limit. */
  egressMaxDurationMs: milliseconds.default(0),
  egressWriteIntervalMs: z.number().int().positive().default(1_000),
  /**
   * Bytes a second of recording adds beyond the test pattern's ~53 KB/s, as H.264 filler data:
   * a real encoder's bitrate, so a recording of a given size takes seconds, not hours.
   */
  egressFillerBytesPerSecond: z.number().int().nonnegative().default(0),
  /** go-retryablehttp's schedule; tests scale it down. */
  webhookRetryDelaysMs: z.array(milliseconds).default([1_000, 2_000, 4_000, 8_000]),
  webhookMaxQueuedMs: milliseconds.default(30_000),
});

export type LivekitEmulatorOptions = z.input<typeof livekitEmulatorOptionsSchema>;
export type ResolvedLivekitEmulatorOptions = z.output<typeof livekitEmulatorOptionsSchema>;
