import { describe, expect, it } from 'vitest';
import { classifyUploadFailure } from '../../../controller/upload/upload-failure.js';

const httpError = (status: number) =>
  Object.assign(new Error(`status ${status}`), { response: { status } });
const codedError = (code: string) => Object.assign(new Error(code), { code });

describe('classifyUploadFailure', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
    expect(classifyUploadFailure(httpError(status))).toBe('retry');
  });

  it('retries a connection reset and the client losing its place in the stream', () => {
    expect(classifyUploadFailure(codedError('ECONNRESET'))).toBe('retry');
    expect(
      classifyUploadFailure(new RangeError('The offset is lower than the number of bytes written')),
    ).toBe('retry');
  });

  it('checks the stored object on 412, and starts a new session on 404, 410 and a checksum mismatch', () => {
    expect(classifyUploadFailure(httpError(412))).toBe('check_object');
    expect(classifyUploadFailure(httpError(404))).toBe('new_session');
    expect(classifyUploadFailure(httpError(410))).toBe('new_session');
    expect(classifyUploadFailure(codedError('FILE_NO_UPLOAD'))).toBe('new_session');
  });

  it('gives up on a bad request, a refusal and a missing local file', () => {
    expect(classifyUploadFailure(httpError(400))).toBe('fatal');
    expect(classifyUploadFailure(httpError(403))).toBe('fatal');
    expect(classifyUploadFailure(codedError('ENOENT'))).toBe('fatal');
  });
});
