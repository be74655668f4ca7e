import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALL_FORMATS,
  BufferSource,
  type EncodedPacket,
  EncodedPacketSink,
  Input,
} from 'mediabunny';

/** A short encoded sample, read once and cycled by a recording to any length. */
export interface SamplePackets<DecoderConfig> {
  readonly packets: readonly EncodedPacket[];
  readonly decoderConfig: DecoderConfig;
}

/** Reads every encoded packet of the sample file's primary track of `kind`, without decoding. */
export function loadSamplePackets(
  url: URL,
  kind: 'audio',
): Promise<SamplePackets<AudioDecoderConfig>>;
export function loadSamplePackets(
  url: URL,
  kind: 'video',
): Promise<SamplePackets<VideoDecoderConfig>>;
export async function loadSamplePackets(
  url: URL,
  kind: 'audio' | 'video',
): Promise<SamplePackets<AudioDecoderConfig | VideoDecoderConfig>> {
  const input = new Input({
    source: new BufferSource(await readFile(url)),
    formats: ALL_FORMATS,
  });
  const track =
    kind === 'audio' ? await input.getPrimaryAudioTrack() : await input.getPrimaryVideoTrack();
  const decoderConfig = await track?.getDecoderConfig();
  if (
    track === null ||
    track === undefined ||
    decoderConfig === null ||
    decoderConfig === undefined
  ) {
    throw new Error(`${basename(fileURLToPath(url))} has no decodable ${kind} track`);
  }
  const packets: EncodedPacket[] = [];
  for await (const packet of new EncodedPacketSink(track).packets()) packets.push(packet);
  input.dispose();
  return { packets, decoderConfig };
}
