import { EgressStatus } from '@livekit/protocol';
import { describe, expect, it } from 'vitest';
import type { EgressSnapshot } from '../../../controller/egress/egress-snapshot.js';
import {
  recordingOfEgress,
  recordingOfPath,
} from '../../../controller/egress/recording-of-egress.js';

const roomKey = 'aHR0cHM6Ly94LmlvL3I';
const recordingId = '-OabcdefghijklmnopqR';

const egress = (overrides: Partial<EgressSnapshot>): EgressSnapshot => ({
  egressId: 'EG_x',
  roomName: roomKey,
  status: EgressStatus.EGRESS_ACTIVE,
  requestedFilepath: `/recordings/${roomKey}/${recordingId}.mp4`,
  startedAtMs: undefined,
  endedAtMs: undefined,
  error: undefined,
  details: undefined,
  file: undefined,
  ...overrides,
});

describe('recordingOfPath', () => {
  it('maps <roomKey>/<recordingId>.mp4 under any directory back to its record', () => {
    for (const dir of ['/recordings', '/out', '', '/a/b/c']) {
      expect(recordingOfPath(`${dir}/${roomKey}/${recordingId}.mp4`)).toEqual({
        roomKey,
        recordingId,
      });
    }
  });

  it.each([
    ['another extension', `/recordings/${roomKey}/${recordingId}.webm`],
    ['no room directory', `${recordingId}.mp4`],
    ['an id that is not a push id', `/recordings/${roomKey}/short.mp4`],
    ['a path that climbs out', `/recordings/${roomKey}/../${recordingId}.mp4`],
  ])('refuses %s', (_name, path) => {
    expect(recordingOfPath(path)).toBeUndefined();
  });
});

describe('recordingOfEgress', () => {
  it('uses the path the egress was asked to write', () => {
    expect(recordingOfEgress(egress({}))).toEqual({ roomKey, recordingId });
  });

  it('ignores an egress whose room is not the one in its path', () => {
    expect(recordingOfEgress(egress({ roomName: 'other-room' }))).toBeUndefined();
  });

  it('falls back to the file result when the request is not known', () => {
    const file = {
      location: `/x/${roomKey}/${recordingId}.mp4`,
      filename: '',
      sizeBytes: 1,
      durationMs: 1,
    };
    expect(recordingOfEgress(egress({ requestedFilepath: undefined, file }))).toEqual({
      roomKey,
      recordingId,
    });
  });
});
