import { EncodedPacket, EncodedVideoPacketSource, type Output } from 'mediabunny';
import { GrowingMp4Recording } from './growing-mp4-recording.js';
import { loadSamplePackets, type SamplePackets } from './sample-packets.js';

/** One GOP of H.264 test pattern, made once with ffmpeg (see README); cycled to any length. */
const SAMPLE_URL = new URL('./test-pattern.mp4', import.meta.url);
const FRAME_RATE = 15;

type Sample = SamplePackets<VideoDecoderConfig>;

let samplePromise: Promise<Sample> | undefined;

/**
 * A recording in progress: an MP4 (moov at the end, as egress writes it) whose video grows
 * with real time, so its duration is the time it was recording.
 */
export class TestPatternRecording extends GrowingMp4Recording {
  private constructor(
    output: Output,
    private readonly source: EncodedVideoPacketSource,
    private readonly sample: Sample,
    filePath: string,
    private readonly filler: Uint8Array | undefined,
  ) {
    super(output, filePath);
  }

  static async start(
    filePath: string,
    options: { readonly fillerBytesPerSecond?: number } = {},
  ): Promise<TestPatternRecording> {
    samplePromise ??= loadSamplePackets(SAMPLE_URL, 'video');
    const sample = await samplePromise;
    const output = GrowingMp4Recording.newOutput(filePath);
    const source = new EncodedVideoPacketSource('avc');
    output.addVideoTrack(source, { frameRate: FRAME_RATE });
    await output.start();
    const fillerBytes = Math.floor((options.fillerBytesPerSecond ?? 0) / FRAME_RATE);
    return new TestPatternRecording(
      output,
      source,
      sample,
      filePath,
      fillerBytes > 0 ? fillerNalUnit(fillerBytes) : undefined,
    );
  }

  protected async appendFrames(elapsedMs: number): Promise<void> {
    // At least one frame, so that even an instant recording is a valid file.
    const target = Math.max(1, Math.floor((elapsedMs * FRAME_RATE) / 1000));
    const { packets, decoderConfig } = this.sample;
    while (this.framesWritten < target) {
      const index = this.framesWritten;
      const packet = packets[index % packets.length];
      if (packet === undefined) throw new Error('test pattern has no frames');
      const data =
        this.filler === undefined ? packet.data : Buffer.concat([packet.data, this.filler]);
      await this.source.add(
        new EncodedPacket(data, packet.type, index / FRAME_RATE, 1 / FRAME_RATE),
        index === 0 ? { decoderConfig } : undefined,
      );
      this.framesWritten++;
    }
  }
}

/**
 * One length-prefixed (AVCC, as MP4 stores H.264) filler-data NAL unit of `size` bytes in all:
 * type 12, 0xFF payload, then the RBSP stop bit. Decoders skip it; it only adds bitrate.
 */
function fillerNalUnit(size: number): Uint8Array {
  const nal = Buffer.alloc(Math.max(size, 6), 0xff);
  nal.writeUInt32BE(nal.length - 4, 0);
  nal[4] = 0x0c;
  nal[nal.length - 1] = 0x80;
  return nal;
}
