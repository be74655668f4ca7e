import { EncodedFileType } from '@livekit/protocol';
import { describe, expect, it } from 'vitest';
import {
  destinationInOutputDir,
  resolveEgressFilepath,
} from '../../../emulators/livekit/egress/egress-filepath.js';

const context = {
  roomName: 'standup',
  roomId: 'RM_abc',
  fileType: EncodedFileType.MP4,
  now: new Date('2026-11-24T10:15:00.042Z'),
};

describe('egress filepath templates', () => {
  it('replaces {room_name}, {room_id}, {time} and {utc}', () => {
    expect(resolveEgressFilepath('/rec/{room_name}/{room_id}-{time}-{utc}.mp4', context)).toBe(
      '/rec/standup/RM_abc-2026-11-24T101500-20261124101500042.mp4',
    );
  });

  it('generates <room>-<time>.mp4 for an empty path or a directory', () => {
    expect(resolveEgressFilepath('', context)).toBe('standup-2026-11-24T101500.mp4');
    expect(resolveEgressFilepath('/rec/', context)).toBe('/rec/standup-2026-11-24T101500.mp4');
  });

  it('replaces a known wrong extension and adds a missing one', () => {
    expect(resolveEgressFilepath('/rec/a.ogg', context)).toBe('/rec/a.mp4');
    expect(resolveEgressFilepath('/rec/a', context)).toBe('/rec/a.mp4');
    expect(resolveEgressFilepath('/rec/a.v2', context)).toBe('/rec/a.v2.mp4');
    expect(resolveEgressFilepath('/rec/a', { ...context, fileType: EncodedFileType.OGG })).toBe(
      '/rec/a.ogg',
    );
  });

  it('cleans the path as Go does, dropping leading ../ and resolving inner ones', () => {
    expect(resolveEgressFilepath('../../a.mp4', context)).toBe('a.mp4');
    expect(resolveEgressFilepath('/rec/../a.mp4', context)).toBe('/a.mp4');
    expect(resolveEgressFilepath('/rec//x/./a.mp4', context)).toBe('/rec/x/a.mp4');
    expect(resolveEgressFilepath('..', context)).toBe('standup-2026-11-24T101500.mp4');
    expect(resolveEgressFilepath('/rec/sub/../', context)).toBe(
      '/rec/standup-2026-11-24T101500.mp4',
    );
  });
});

describe('where a finished file lands', () => {
  it('accepts only absolute paths inside the output directory', () => {
    expect(destinationInOutputDir('/recordings/r/a.mp4', '/recordings')).toBe(
      '/recordings/r/a.mp4',
    );
    expect(destinationInOutputDir('/recordings-other/a.mp4', '/recordings')).toBeUndefined();
    expect(destinationInOutputDir('r/a.mp4', '/recordings')).toBeUndefined();
    expect(destinationInOutputDir('/recordings', '/recordings')).toBeUndefined();
  });
});
