import { describe, expect, it } from 'vitest';
import { signedUrlExpiry } from '../../../controller/upload/download-url.js';

describe('signedUrlExpiry', () => {
  it('reads when a V4 signed URL dies from its own date and lifetime', () => {
    const url =
      'https://storage.googleapis.com/b/recordings/r/x.mp4?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20261124T102017Z&X-Goog-Expires=604800&X-Goog-Signature=ab';
    expect(signedUrlExpiry(url)).toBe(Date.UTC(2026, 10, 24, 10, 20, 17) + 604_800_000);
  });

  it('finds no expiry in a token URL', () => {
    expect(
      signedUrlExpiry('https://firebasestorage.googleapis.com/v0/b/b/o/x?alt=media&token=t'),
    ).toBeUndefined();
  });
});
