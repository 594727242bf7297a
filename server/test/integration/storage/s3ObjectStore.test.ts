/**
 * S3ObjectStore against a real S3 implementation: OpenStack Swift with its
 * s3api middleware, started for this file (scripts/lib/s3Server.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3Server, type S3Server } from '../../../../scripts/lib/s3Server';
import { NotFoundError } from '../../../src/errors';
import {
  PART_SIZE,
  S3ObjectStore,
  type S3ObjectStoreOptions,
} from '../../../src/storage/S3ObjectStore';

// Small, so that listing and deletePrefix go through several pages.
const LISTING_PAGE_SIZE = 4;

let server: S3Server;
let store: S3ObjectStore;
let dir: string;
const small = { path: '', bytes: randomBytes(1000), sha256: '' };
// Three parts: two full ones and a short last one.
const large = { path: '', bytes: randomBytes(2 * PART_SIZE + 123_457), sha256: '' };

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  return Buffer.concat((await stream.toArray()) as Buffer[]);
}

function storeOptions(extra: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions {
  return {
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    ...extra,
  };
}

beforeAll(async () => {
  server = await startS3Server({ listingPageSize: LISTING_PAGE_SIZE });
  store = new S3ObjectStore(storeOptions());
  dir = await mkdtemp(join(tmpdir(), 's3-store-test-'));
  for (const [name, file] of [
    ['small.bin', small],
    ['large.bin', large],
  ] as const) {
    file.path = join(dir, name);
    file.sha256 = sha256(file.bytes);
    await writeFile(file.path, file.bytes);
  }
});

afterAll(async () => {
  store?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('upload, head, get', () => {
  it.each([
    ['a small file in one PUT', 'room-a/rec-1/small.bin', small],
    ['a file above the part size, in parts', 'room-a/rec-1/large.bin', large],
  ])('stores %s with its size and SHA-256', async (_what, key, file) => {
    await store.upload(key, file.path, { contentType: 'video/webm', sha256: file.sha256 });

    expect(await store.head(key)).toEqual({
      size: file.bytes.length,
      sha256: file.sha256,
      contentType: 'video/webm',
    });
    const body = await store.get(key);
    expect(body.length).toBe(file.bytes.length);
    expect(body.size).toBe(file.bytes.length);
    const bytes = await readAll(body.stream);
    expect(bytes.length).toBe(file.bytes.length);
    expect(bytes.equals(file.bytes)).toBe(true);
  });

  it('reads byte ranges: the first byte, a middle span across a part boundary, the last byte', async () => {
    const key = 'room-a/rec-2/large.bin';
    await store.upload(key, large.path, { contentType: 'video/webm', sha256: large.sha256 });
    const size = large.bytes.length;

    for (const range of [
      { start: 0, end: 0 },
      { start: PART_SIZE - 50, end: PART_SIZE + 49 },
      { start: size - 1, end: size - 1 },
    ]) {
      const body = await store.get(key, range);
      const bytes = await readAll(body.stream);
      const expected = large.bytes.subarray(range.start, range.end + 1);
      expect({ length: body.length, size: body.size }).toEqual({
        length: expected.length,
        size,
      });
      expect(bytes.equals(expected)).toBe(true);
    }
  });

  it('answers a missing key with NotFoundError on get and null on head', async () => {
    await expect(store.get('room-a/none/missing.bin')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('room-a/none/missing.bin', { start: 0, end: 9 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await store.head('room-a/none/missing.bin')).toBeNull();
  });

  it('completes an upload on a rerun after the first was stopped midway', async () => {
    const key = 'room-a/rec-3/large.bin';
    const controller = new AbortController();
    // Stop it once the store has the first part: a job killed mid-upload.
    const send = Reflect.get(S3Client.prototype, 'send') as (
      this: S3Client,
      command: unknown,
    ) => Promise<unknown>;
    const spy = vi.spyOn(S3Client.prototype, 'send').mockImplementation(function (
      this: S3Client,
      command: unknown,
    ) {
      const sent = send.call(this, command);
      if (command instanceof UploadPartCommand) {
        sent.then(
          () => controller.abort(),
          () => undefined,
        );
      }
      return sent;
    } as S3Client['send']);
    try {
      await expect(
        store.upload(key, large.path, {
          contentType: 'video/webm',
          sha256: large.sha256,
          signal: controller.signal,
        }),
      ).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      spy.mockRestore();
    }
    expect(await store.head(key)).toBeNull();

    await store.upload(key, large.path, { contentType: 'video/webm', sha256: large.sha256 });

    expect(await store.head(key)).toMatchObject({ size: large.bytes.length, sha256: large.sha256 });
    expect((await readAll((await store.get(key)).stream)).equals(large.bytes)).toBe(true);
  });
});

describe('presigned GET URLs', () => {
  const key = 'room-b/rec-1/small.bin';
  const disposition = 'attachment; filename="lesson.webm"';

  beforeAll(async () => {
    await store.upload(key, small.path, { contentType: 'video/webm', sha256: small.sha256 });
  });

  it('serves the object, with the disposition and type asked for, without credentials', async () => {
    const url = await store.presignGet(key, {
      expiresInSeconds: 60,
      contentDisposition: disposition,
      contentType: 'application/octet-stream',
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(small.bytes)).toBe(true);
  });

  it('refuses a URL whose signature or key was changed (403)', async () => {
    const url = new URL(await store.presignGet(key, { expiresInSeconds: 60 }));
    const signature = url.searchParams.get('X-Amz-Signature') ?? '';
    expect(signature).toMatch(/^[0-9a-f]{64}$/);

    const badSignature = new URL(url);
    const last = signature.at(-1) === '0' ? '1' : '0';
    badSignature.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + last);
    const otherKey = new URL(url);
    otherKey.pathname = otherKey.pathname.replace('small.bin', 'other.bin');

    for (const tampered of [badSignature, otherKey]) {
      const response = await fetch(tampered);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('SignatureDoesNotMatch');
    }
  });

  it('refuses a URL once it has expired (403)', async () => {
    // X-Amz-Date has whole seconds, so a URL signed late in a second has
    // less than its second of life left; signing early in one leaves time
    // for the first fetch, which shows that the URL worked.
    while (Date.now() % 1000 > 200) await sleep(1000 - (Date.now() % 1000));
    const url = new URL(await store.presignGet(key, { expiresInSeconds: 1 }));
    expect((await fetch(url)).status).toBe(200);

    // Expiry is a matter of time, so the test has to wait it out: until the
    // clock (Swift's is this machine's) is past X-Amz-Date + X-Amz-Expires.
    const signedAt = Date.parse(
      (url.searchParams.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    const expiresAt = signedAt + Number(url.searchParams.get('X-Amz-Expires')) * 1000;
    expect(expiresAt - signedAt).toBe(1000);
    const pastExpiry = expiresAt + 100;
    while (Date.now() < pastExpiry) await sleep(pastExpiry - Date.now());

    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Request has expired');
  });
});

describe('list and deletePrefix', () => {
  it('deletes exactly the objects under a prefix, through several listing pages', async () => {
    const doomed = Array.from({ length: 9 }, (_, i) => `room-c/rec-1/segment-${i}.webm`);
    const kept = ['room-c/rec-10/segment-0.webm', 'room-c/rec-2/segment-0.webm', 'room-d/rec-1/x'];
    for (const key of [...doomed, ...kept]) {
      await store.upload(key, small.path, { contentType: 'video/webm', sha256: small.sha256 });
    }
    expect((await store.list('room-c/rec-1/')).sort()).toEqual([...doomed].sort());

    expect(await store.deletePrefix('room-c/rec-1/')).toBe(doomed.length);

    expect(await store.list('room-c/rec-1/')).toEqual([]);
    expect((await store.list('room-c/')).sort()).toEqual(kept.slice(0, 2).sort());
    expect(await store.list('room-d/')).toEqual(['room-d/rec-1/x']);
    expect(await store.head(doomed[0] ?? '')).toBeNull();
    expect(await store.deletePrefix('room-c/rec-1/')).toBe(0);
  });

  it('refuses an empty prefix rather than emptying the bucket', async () => {
    await expect(store.deletePrefix('')).rejects.toThrow(/every object/);
    expect(await store.list('room-d/')).toEqual(['room-d/rec-1/x']);
  });
});

describe('server-side encryption', () => {
  it('uploads with SSE AES256 (accepted: Swift encrypts every object at rest here) and reads the bytes back', async () => {
    const encrypted = new S3ObjectStore(storeOptions({ sse: 'AES256' }));
    try {
      for (const [key, file] of [
        ['room-e/rec-1/small.bin', small],
        ['room-e/rec-1/large.bin', large],
      ] as const) {
        await encrypted.upload(key, file.path, { contentType: 'video/webm', sha256: file.sha256 });
        expect(await encrypted.head(key)).toMatchObject({
          size: file.bytes.length,
          sha256: file.sha256,
        });
        expect((await readAll((await encrypted.get(key)).stream)).equals(file.bytes)).toBe(true);
      }
    } finally {
      encrypted.close();
    }
  });

  it('sends aws:kms with its key id, which Swift refuses as not implemented (501)', async () => {
    const kms = new S3ObjectStore(storeOptions({ sse: 'aws:kms', kmsKeyId: 'alias/recordings' }));
    const spy = vi.spyOn(S3Client.prototype, 'send');
    try {
      await expect(
        kms.upload('room-e/rec-2/small.bin', small.path, {
          contentType: 'video/webm',
          sha256: small.sha256,
        }),
      ).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
      const put = spy.mock.calls
        .map(([command]) => command)
        .find((c) => c instanceof PutObjectCommand);
      expect(put?.input).toMatchObject({
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'alias/recordings',
      });
    } finally {
      spy.mockRestore();
      kms.close();
    }
    expect(await store.head('room-e/rec-2/small.bin')).toBeNull();
  });
});

describe('close', () => {
  it('is idempotent', () => {
    const other = new S3ObjectStore(storeOptions());
    other.close();
    expect(() => other.close()).not.toThrow();
  });
});
