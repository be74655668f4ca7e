import { describe, expect, it } from 'vitest';
import { recordingRecordSchema } from '../../../common/recording/recording-record.js';

const record = {
  roomUrl: 'https://app.example.com/room/a',
  requestedBy: 'alice',
  requestedAt: 1,
  status: 'recording',
};

describe('the recording record schema', () => {
  it('keeps the consent receipts participants wrote', () => {
    const parsed = recordingRecordSchema.parse({ ...record, consents: { bob: 2, carol: 3 } });
    expect(parsed.consents).toEqual({ bob: 2, carol: 3 });
  });
});
