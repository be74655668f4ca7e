import type { RecordingRecord } from '../../common/recording/recording-record.js';

/** Why the pipeline is looking at a file: egress said so, the watcher saw it settle, or a scan. */
export type FileSignal = 'egress_ended' | 'settled' | 'scan';

/** What to do with a recording's file, given its record (pure; the pipeline carries it out). */
export type FileAction =
  | { readonly kind: 'unmatched'; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'leave'; readonly reason: string }
  /** The file is finished but the record never heard: move it to processing first. */
  | { readonly kind: 'finish_then_upload' }
  | { readonly kind: 'reopen_then_upload' }
  | { readonly kind: 'upload' };

export function decideFileAction(record: RecordingRecord | undefined): FileAction {
  if (record === undefined) return { kind: 'unmatched', reason: 'no recording record' };
  switch (record.status) {
    case 'requested':
    case 'starting':
      return { kind: 'wait', reason: 'egress has not started' };
    case 'recording':
    case 'stopping':
      // Only a file with its index written is finished; the pipeline checks that first.
      return { kind: 'finish_then_upload' };
    case 'processing':
    case 'uploading':
      return { kind: 'upload' };
    case 'failed':
      if (record.error?.code === 'upload_failed') return { kind: 'reopen_then_upload' };
      // LiveKit had lost its egress, yet the file is here: finished, it is uploaded after all.
      if (record.error?.code === 'egress_lost') return { kind: 'finish_then_upload' };
      return { kind: 'leave', reason: `recording failed: ${record.error?.code ?? 'unknown'}` };
    case 'uploaded':
      return { kind: 'leave', reason: 'already uploaded' };
    case 'canceled':
      return { kind: 'leave', reason: 'recording canceled' };
  }
}
