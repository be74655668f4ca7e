import { EncodedAudioPacketSource, EncodedPacket, type Output } from 'mediabunny';
import { GrowingMp4Recording } from './growing-mp4-recording.js';
import { loadSamplePackets, type SamplePackets } from './sample-packets.js';

/**
 * One second of a 440 Hz tone in AAC-LC (48 kHz mono), made once with ffmpeg (see README);
 * cycled to any length. AAC in MP4 is what egress writes for an audio-only recording to MP4.
 */
const SAMPLE_URL = new URL('./test-tone.m4a', import.meta.url);

type Sample = SamplePackets<AudioDecoderConfig>;

let samplePromise: Promise<Sample> | undefined;

/**
 * An audio-only recording in progress: an MP4 with one AAC track (moov at the end) that grows
 * with real time, as the egress SDK path writes it without Chrome.
 */
export class TestToneRecording extends GrowingMp4Recording {
  private constructor(
    output: Output,
    private readonly source: EncodedAudioPacketSource,
    private readonly sample: Sample,
    filePath: string,
  ) {
    super(output, filePath);
  }

  static async start(filePath: string): Promise<TestToneRecording> {
    samplePromise ??= loadSamplePackets(SAMPLE_URL, 'audio');
    const sample = await samplePromise;
    const output = GrowingMp4Recording.newOutput(filePath);
    const source = new EncodedAudioPacketSource('aac');
    output.addAudioTrack(source);
    await output.start();
    return new TestToneRecording(output, source, sample, filePath);
  }

  protected async appendFrames(elapsedMs: number): Promise<void> {
    const { packets, decoderConfig } = this.sample;
    // One AAC frame is 1024 samples.
    const frameSeconds = 1024 / decoderConfig.sampleRate;
    // At least one frame, so that even an instant recording is a valid file.
    const target = Math.max(1, Math.floor(elapsedMs / 1000 / frameSeconds));
    while (this.framesWritten < target) {
      const index = this.framesWritten;
      const packet = packets[index % packets.length];
      if (packet === undefined) throw new Error('test tone has no frames');
      await this.source.add(
        new EncodedPacket(packet.data, 'key', index * frameSeconds, frameSeconds),
        index === 0 ? { decoderConfig } : undefined,
      );
      this.framesWritten++;
    }
  }
}
