import { describe, expect, it } from 'vitest';
import type { RecordingRecord } from '../../../common/recording/recording-record.js';
import { decideFileAction } from '../../../controller/files/file-action.js';

const record = (fields: Partial<RecordingRecord>): RecordingRecord => ({
  roomUrl: 'https://app.example.com/room/a',
  requestedBy: 'alice',
  requestedAt: 1,
  status: 'processing',
  ...fields,
});

describe('decideFileAction', () => {
  it('reports a file without a record as unmatched, never uploads it', () => {
    expect(decideFileAction(undefined).kind).toBe('unmatched');
  });

  it('uploads for processing and uploading records', () => {
    expect(decideFileAction(record({ status: 'processing' })).kind).toBe('upload');
    expect(decideFileAction(record({ status: 'uploading' })).kind).toBe('upload');
  });

  it('finishes a recording whose egress_ended was lost, once the file is whole', () => {
    expect(decideFileAction(record({ status: 'stopping' })).kind).toBe('finish_then_upload');
    expect(decideFileAction(record({ status: 'recording' })).kind).toBe('finish_then_upload');
  });

  it('retries only an upload failure; leaves other failures, uploads and cancels alone', () => {
    const failed = (code: 'upload_failed' | 'file_incomplete') =>
      record({ status: 'failed', error: { code, message: '' } });
    expect(decideFileAction(failed('upload_failed')).kind).toBe('reopen_then_upload');
    expect(decideFileAction(failed('file_incomplete')).kind).toBe('leave');
    expect(decideFileAction(record({ status: 'uploaded' })).kind).toBe('leave');
    expect(decideFileAction(record({ status: 'canceled' })).kind).toBe('leave');
    expect(decideFileAction(record({ status: 'starting' })).kind).toBe('wait');
  });
});
