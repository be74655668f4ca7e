import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../common/recording/command-schema.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { checkRecordingOptions } from '../../controller/commands/recording-options.js';
import { retentionVerdict } from '../../controller/manage/retention-sweep.js';

const defaults = {
  layout: 'grid',
  preset: 'H264_720P_30',
  allowedPresets: ['H264_720P_30', 'H264_1080P_30'],
  video: true,
} as const;

describe('checkRecordingOptions', () => {
  it('applies the configured layout and preset when none is chosen', () => {
    expect(checkRecordingOptions({}, defaults)).toEqual({
      ok: true,
      choice: { audioOnly: false, layout: 'grid', preset: 'H264_720P_30' },
    });
  });

  it('asks for audio only with no layout and no preset: the egress path without Chrome', () => {
    expect(checkRecordingOptions({ audioOnly: true }, defaults)).toEqual({
      ok: true,
      choice: { audioOnly: true },
    });
  });

  it('records audio only on a machine without video (RECORDING_VIDEO=false), and refuses any video choice at once', () => {
    const audioOnlyMachine = { ...defaults, video: false };
    expect(checkRecordingOptions({}, audioOnlyMachine)).toEqual({
      ok: true,
      choice: { audioOnly: true },
    });
    expect(checkRecordingOptions({ audioOnly: true }, audioOnlyMachine)).toEqual({
      ok: true,
      choice: { audioOnly: true },
    });
    for (const raw of [{ audioOnly: false }, { layout: 'speaker' }, { preset: 'H264_720P_30' }]) {
      expect(checkRecordingOptions(raw, audioOnlyMachine), JSON.stringify(raw)).toMatchObject({
        ok: false,
        code: 'video_not_supported',
      });
    }
  });

  it.each([
    [{ preset: 'H264_1080P_60' }, 'preset_not_allowed'],
    [{ audioOnly: true, preset: 'H264_720P_30' }, 'audio_only_conflict'],
    [{ audioOnly: true, layout: 'speaker' }, 'audio_only_conflict'],
    [{ layout: 'mosaic' }, 'invalid_options'],
    [{ audioOnly: 1 }, 'invalid_options'],
  ])('refuses %o with %s', (raw, code) => {
    expect(checkRecordingOptions(raw, defaults)).toMatchObject({ ok: false, code });
  });
});

describe('retentionVerdict', () => {
  const record = { roomUrl: 'u', requestedBy: 'a', requestedAt: 1_000, status: 'uploaded' };

  it('expires a finished record requested before the cutoff, and only that', () => {
    expect(retentionVerdict(record, 1_001)).toBe('expired');
    expect(retentionVerdict(record, 1_000)).toBe('kept');
    expect(retentionVerdict({ ...record, status: 'canceled' }, 2_000)).toBe('expired');
  });

  it('keeps an old recording that is still active, and a malformed record', () => {
    expect(retentionVerdict({ ...record, status: 'uploading' }, 2_000)).toBe('active');
    expect(retentionVerdict({ status: 'uploaded' }, 2_000)).toBe('malformed');
  });
});

describe('checkCommand for delete', () => {
  const roomUrl = 'https://app.example.com/room/standup';
  const roomKey = roomKeyFromUrl(roomUrl);
  const recordingId = '-OabcdefghijklmnopqR';
  const remove = { action: 'delete', roomKey, recordingId, by: 'carol', at: 1_700_000_000_000 };
  const record = { roomUrl, requestedBy: 'alice', requestedAt: 1, status: 'uploaded' };

  it('accepts a delete by someone other than the requester: who may is the deleter’s call', () => {
    expect(checkCommand(`${recordingId}_delete`, remove, record)).toEqual({
      kind: 'valid',
      command: remove,
    });
  });

  it('keeps the action of an invalid delete, so its recording is never failed for it', () => {
    const result = checkCommand(`${recordingId}_delete`, { ...remove, at: 'now' }, record);
    expect(result).toMatchObject({
      kind: 'invalid',
      locator: { roomKey, recordingId, action: 'delete' },
    });
  });
});
