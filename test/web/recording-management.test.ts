import { describe, expect, it } from 'vitest';
import { RECORDING_STATUSES } from '../../common/recording/recording-status.js';
import {
  DEFAULT_CHOICE,
  deleteFailureSentence,
  mayDeleteRecording,
  recordingOptionsOf,
} from '../../web/src/recording/recording-management.js';

describe('who is offered Delete', () => {
  const final = ['uploaded', 'failed', 'canceled'];

  it('offers it to the requester of a final recording only', () => {
    for (const status of RECORDING_STATUSES) {
      expect(mayDeleteRecording({ status, requestedBy: 'alice' }, 'alice', false)).toBe(
        final.includes(status),
      );
    }
  });

  it('offers it to a recording administrator for recordings others requested', () => {
    expect(mayDeleteRecording({ status: 'uploaded', requestedBy: 'alice' }, 'bob', true)).toBe(
      true,
    );
    expect(mayDeleteRecording({ status: 'recording', requestedBy: 'alice' }, 'bob', true)).toBe(
      false,
    );
  });

  it('never offers it for a status this build does not know: the rules take only final ones', () => {
    expect(mayDeleteRecording({ status: 'unknown', requestedBy: 'alice' }, 'alice', true)).toBe(
      false,
    );
  });

  it('never offers it to another participant', () => {
    for (const status of final) {
      expect(
        mayDeleteRecording({ status: status as 'uploaded', requestedBy: 'alice' }, 'bob', false),
      ).toBe(false);
    }
  });
});

describe('a refused delete, in words', () => {
  it('says who may delete when the rules refuse the command', () => {
    expect(deleteFailureSentence(new Error('PERMISSION_DENIED: Permission denied'))).toBe(
      'You cannot delete this recording: only the person who started it (or a recording administrator) can, once it has finished.',
    );
  });

  it('passes any other failure on with its message', () => {
    expect(deleteFailureSentence(new Error('Client is offline.'))).toBe(
      'Could not delete the recording: Client is offline.',
    );
  });
});

describe('the start command options from the controls beside Record', () => {
  it('sends nothing when every control is at its default', () => {
    expect(recordingOptionsOf(DEFAULT_CHOICE)).toEqual({});
  });

  it('sends the layout and preset chosen', () => {
    expect(
      recordingOptionsOf({ audioOnly: false, layout: 'speaker', preset: 'H264_1080P_30' }),
    ).toEqual({
      layout: 'speaker',
      preset: 'H264_1080P_30',
    });
  });

  it('sends audio only alone, dropping a layout or preset the controller would refuse with it', () => {
    expect(recordingOptionsOf({ audioOnly: true, layout: 'grid', preset: 'H264_720P_30' })).toEqual(
      {
        audioOnly: true,
      },
    );
  });
});
