import { randomUUID } from 'node:crypto';
import { deleteApp as deleteWebApp, initializeApp as initializeWebApp } from 'firebase/app';
import {
  connectStorageEmulator,
  getBytes,
  getDownloadURL as getWebDownloadURL,
  getStorage as getWebStorage,
  ref,
  uploadBytes,
} from 'firebase/storage';
import { cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getDownloadURL, getStorage } from 'firebase-admin/storage';
import { expect, inject, it } from 'vitest';
import { describeWithOurServers } from '../../support/local-servers.js';
import { generatedPrivateKey } from '../../support/stack-wiring.js';
import {
  randomContent,
  sha256,
  testBucketName,
  uniqueObjectName,
  useAdminBucket,
} from '../../support/storage-clients.js';

const bucket = useAdminBucket();

async function saveWithToken(content: Buffer, token: string) {
  const file = bucket().file(uniqueObjectName('download-url'));
  await file.save(content, {
    metadata: { contentType: 'video/mp4', metadata: { firebaseStorageDownloadTokens: token } },
  });
  return file;
}

const withToken = (url: string, token: string) => {
  const link = new URL(url);
  link.searchParams.set('token', token);
  return link.toString();
};

// The real Firebase emulator evaluates rules for admin's getDownloadURL and refuses it under
// deny-all rules (emulators/storage/README.md, "Download URLs"), so these run against our stand-in
// only.
describeWithOurServers('Firebase download URLs', () => {
  it('getDownloadURL gives a link that serves the same bytes, with no credentials', async () => {
    const content = randomContent(256 * 1024 + 3);
    const token = randomUUID();
    const file = await saveWithToken(content, token);
    const url = await getDownloadURL(file);
    expect(url).toContain(`/v0/b/${bucket().name}/o/${encodeURIComponent(file.name)}?alt=media`);
    expect(new URL(url).searchParams.get('token')).toBe(token);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(content));
  });

  it('serves a range of a download URL as 206, as a video player seeks', async () => {
    const content = randomContent(10_000);
    const file = await saveWithToken(content, randomUUID());
    const response = await fetch(await getDownloadURL(file), {
      headers: { range: 'bytes=100-199' },
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-199/${content.length}`);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(content.subarray(100, 200));
  });

  it('refuses a link with a wrong or missing token with 403', async () => {
    const file = await saveWithToken(randomContent(10), randomUUID());
    const url = await getDownloadURL(file);
    const wrong = await fetch(withToken(url, randomUUID()));
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.code).toBe(403);
    const link = new URL(url);
    link.searchParams.delete('token');
    expect((await fetch(link)).status).toBe(403);
  });

  it('stops serving the old link once the token is rotated', async () => {
    const file = await saveWithToken(randomContent(10), randomUUID());
    const oldUrl = await getDownloadURL(file);
    const newToken = randomUUID();
    await file.setMetadata({ metadata: { firebaseStorageDownloadTokens: newToken } });
    expect((await fetch(oldUrl)).status).toBe(403);
    expect((await fetch(withToken(oldUrl, newToken))).status).toBe(200);
  });

  it('answers a browser preflight with CORS headers', async () => {
    const file = await saveWithToken(randomContent(10), randomUUID());
    const url = await getDownloadURL(file);
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
  });
});

// Signing is local with a service-account key, a fresh one made at test time
// (emulators/storage/README.md, "Download URLs").
describeWithOurServers('V4 signed URLs', () => {
  it('serves the object on a signed URL made with a service-account key', async () => {
    const projectId = inject('firebaseProjectId');
    const app = initializeApp(
      {
        credential: cert({
          projectId,
          clientEmail: `signer@${projectId}.iam.gserviceaccount.com`,
          privateKey: generatedPrivateKey(),
        }),
        storageBucket: testBucketName(),
      },
      `signer-${randomUUID()}`,
    );
    try {
      const content = randomContent(5000);
      const file = getStorage(app).bucket().file(uniqueObjectName('signed'));
      await file.save(content);
      const [url] = await file.getSignedUrl({
        version: 'v4',
        action: 'read',
        expires: Date.now() + 60_000,
      });
      expect(new URL(url).searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha256(content));

      const expired = new URL(url);
      expired.searchParams.set('X-Goog-Date', '20200101T000000Z');
      expect((await fetch(expired)).status).toBe(400);
    } finally {
      await deleteApp(app);
    }
  });
});

// Clients read recordings through their download URL only, and never write (docs/architecture.md,
// "Rules").
describeWithOurServers('web clients (firebase/storage)', () => {
  async function webStorage() {
    const [host = '', port = ''] = (process.env.FIREBASE_STORAGE_EMULATOR_HOST ?? '').split(':');
    const app = initializeWebApp(
      {
        apiKey: 'fake-api-key',
        projectId: inject('firebaseProjectId'),
        storageBucket: bucket().name,
      },
      `web-${randomUUID()}`,
    );
    const storage = getWebStorage(app);
    connectStorageEmulator(storage, host, Number(port));
    return { storage, close: () => deleteWebApp(app) };
  }

  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'succeeded',
      (error: { code?: string }) => error.code,
    );

  it('may not read metadata, bytes or a download URL of an object', async () => {
    const file = await saveWithToken(randomContent(10), randomUUID());
    const web = await webStorage();
    try {
      const reference = ref(web.storage, file.name);
      expect(await codeOf(getWebDownloadURL(reference))).toBe('storage/unauthorized');
      expect(await codeOf(getBytes(reference))).toBe('storage/unauthorized');
    } finally {
      await web.close();
    }
  });

  it('may not upload', async () => {
    const web = await webStorage();
    try {
      const reference = ref(web.storage, uniqueObjectName('web-upload'));
      expect(await codeOf(uploadBytes(reference, new Uint8Array([1, 2, 3])))).toBe(
        'storage/unauthorized',
      );
    } finally {
      await web.close();
    }
  });
});
