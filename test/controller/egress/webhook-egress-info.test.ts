import {
  EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodingOptions,
  FileInfo,
  RoomCompositeEgressRequest,
  StreamInfo,
  StreamOutput,
} from '@livekit/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { egressSnapshot } from '../../../controller/egress/egress-snapshot.js';
import { egressInfoFromWebhook } from '../../../controller/egress/webhook-egress-info.js';

const NS_PER_MS = 1_000_000n;

/** An egress as LiveKit reports it, with the fields the controller ignores filled in too. */
const anEgress = fc
  .record({
    egressId: fc.string({ maxLength: 20 }),
    roomName: fc.string({ maxLength: 20 }),
    status: fc.constantFrom(...Object.values(EgressStatus).filter((v) => typeof v === 'number')),
    startedAtMs: fc.nat(),
    endedAtMs: fc.nat(),
    error: fc.string({ maxLength: 10 }),
    details: fc.string({ maxLength: 10 }),
    filepath: fc.string({ maxLength: 30 }),
    legacyFileOutput: fc.boolean(),
    results: fc.array(
      fc.record({
        filename: fc.string({ maxLength: 20 }),
        location: fc.string({ maxLength: 20 }),
        size: fc.bigInt({ min: 0n, max: 1n << 40n }),
        durationMs: fc.nat(),
      }),
      { maxLength: 2 },
    ),
  })
  .map((e) => {
    const output = new EncodedFileOutput({ filepath: e.filepath, disableManifest: true });
    const request = new RoomCompositeEgressRequest({
      roomName: e.roomName,
      layout: 'grid',
      audioOnly: false,
      customBaseUrl: 'https://layout.example.com',
      options: { case: 'advanced', value: new EncodingOptions({ width: 1280, height: 720 }) },
      streamOutputs: [new StreamOutput({ urls: ['rtmp://example.com/live'] })],
      ...(e.legacyFileOutput
        ? { output: { case: 'file' as const, value: output } }
        : { fileOutputs: [output] }),
    });
    const fileResults = e.results.map(
      (r) =>
        new FileInfo({
          filename: r.filename,
          location: r.location,
          size: r.size,
          duration: BigInt(r.durationMs) * NS_PER_MS,
        }),
    );
    return new EgressInfo({
      egressId: e.egressId,
      roomId: 'RM_any',
      roomName: e.roomName,
      status: e.status,
      startedAt: BigInt(e.startedAtMs) * NS_PER_MS,
      endedAt: BigInt(e.endedAtMs) * NS_PER_MS,
      updatedAt: 5n,
      error: e.error,
      details: e.details,
      request: { case: 'roomComposite', value: request },
      fileResults,
      streamResults: [new StreamInfo({ url: 'rtmp://example.com/live' })],
      ...(fileResults[0] === undefined ? {} : { result: { case: 'file', value: fileResults[0] } }),
    });
  });

describe('the egress a webhook carries', () => {
  it('decodes to the same snapshot as the whole EgressInfo, under either protojson field name', () => {
    fc.assert(
      fc.property(anEgress, fc.boolean(), (info, useProtoFieldName) => {
        const json = JSON.parse(JSON.stringify(info.toJson({ useProtoFieldName })));
        expect(egressSnapshot(egressInfoFromWebhook(json))).toEqual(egressSnapshot(info));
      }),
    );
  });

  it('refuses what is not an egress, and a field it reads that is malformed', () => {
    expect(() => egressInfoFromWebhook([])).toThrow();
    expect(() => egressInfoFromWebhook('EG_1')).toThrow();
    expect(() => egressInfoFromWebhook(null)).toThrow();
    expect(() => egressInfoFromWebhook({ egressId: 7 })).toThrow();
    expect(() => egressInfoFromWebhook({ roomComposite: { fileOutputs: 'x' } })).toThrow();
    expect(() => egressInfoFromWebhook({ roomComposite: [] })).toThrow();
  });
});
