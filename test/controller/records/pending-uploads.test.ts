import { describe, expect, it } from 'vitest';
import { claimsMissingFile } from '../../../controller/records/pending-uploads.js';

const MINUTE = 60_000;

describe('claimsMissingFile', () => {
  it('claims an upload this controller was running when its file is gone', () => {
    expect(claimsMissingFile({ status: 'uploading', by: 'me', since: 0 }, 'me', 1, MINUTE)).toBe(
      true,
    );
  });

  it('leaves an upload another controller runs from its own disk, however old', () => {
    expect(
      claimsMissingFile({ status: 'uploading', by: 'other', since: 0 }, 'me', 10 * MINUTE, MINUTE),
    ).toBe(false);
  });

  it('gives a finished file time to be taken by the controller that holds it', () => {
    const entry = { status: 'processing' as const, by: 'me', since: 0 };
    expect(claimsMissingFile(entry, 'me', MINUTE - 1, MINUTE)).toBe(false);
    expect(claimsMissingFile(entry, 'other', MINUTE, MINUTE)).toBe(true);
  });
});
