import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_CHUNK_SIZE,
  IntegrityError,
  KeyRing,
  createDecryptStream,
  decryptFile,
  encryptFile,
  isEncryptedFile,
  keyIdOf,
  parseKey,
  readHeader,
  reencryptFile,
} from '#server/storage/encryptedFile';

const HEADER = 58;
const TAG = 16;
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ringA = new KeyRing(keyA);

let dir: string;
let counter = 0;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'encrypted-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `plain` and its encryption; returns the encrypted file's path. */
async function sealed(plain: Buffer, chunkSize?: number, key = keyA): Promise<string> {
  counter += 1;
  const src = join(dir, `plain-${counter}`);
  const dst = join(dir, `sealed-${counter}`);
  await writeFile(src, plain);
  await encryptFile(src, dst, key, chunkSize === undefined ? {} : { chunkSize });
  return dst;
}

async function readAll(
  path: string,
  keys: KeyRing = ringA,
  range?: { start: number; end: number },
): Promise<Buffer> {
  const { stream } = await createDecryptStream(path, keys, range);
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

async function patch(path: string, edit: (bytes: Buffer) => Buffer | void): Promise<void> {
  const bytes = await readFile(path);
  await writeFile(path, edit(bytes) ?? bytes);
}

/** Offset of chunk `index` in a file with `chunkSize`-byte chunks. */
const chunkAt = (index: number, chunkSize: number) => HEADER + index * (chunkSize + TAG);

describe('encryptFile / createDecryptStream round trip', () => {
  const chunkSize = 16;
  for (const size of [0, 1, chunkSize - 1, chunkSize, chunkSize + 1, chunkSize * 5 + 7]) {
    it(`round-trips ${size} bytes with ${chunkSize}-byte chunks`, async () => {
      const plain = randomBytes(size);
      const src = join(dir, 'plain');
      const dst = join(dir, 'sealed');
      await writeFile(src, plain);
      const chunks = Math.max(1, Math.ceil(size / chunkSize));
      const result = await encryptFile(src, dst, keyA, { chunkSize });
      expect(result).toEqual({ size, encryptedSize: HEADER + chunks * TAG + size });
      const facts = await stat(dst);
      expect(facts.size).toBe(result.encryptedSize);
      expect(facts.mode & 0o777).toBe(0o600);
      expect(await readdir(dir)).toEqual(['plain', 'sealed']);

      const header = await readHeader(dst);
      expect(header).toMatchObject({
        version: 1,
        chunkSize,
        plaintextSize: size,
        chunkCount: chunks,
        encryptedSize: result.encryptedSize,
      });
      expect(header.keyId.equals(keyIdOf(keyA))).toBe(true);
      expect(header.salt.length).toBe(32);

      const { stream, size: total, length } = await createDecryptStream(dst, ringA);
      expect([total, length]).toEqual([size, size]);
      const parts: Buffer[] = [];
      for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
      expect(Buffer.concat(parts).equals(plain)).toBe(true);

      await decryptFile(dst, join(dir, 'out'), ringA);
      expect((await readFile(join(dir, 'out'))).equals(plain)).toBe(true);
      expect((await stat(join(dir, 'out'))).mode & 0o777).toBe(0o600);
    });
  }

  it('round-trips ~1 MB of random data with the default chunk size', async () => {
    const plain = randomBytes(1_000_003);
    const path = await sealed(plain);
    const header = await readHeader(path);
    expect(header.chunkSize).toBe(DEFAULT_CHUNK_SIZE);
    expect(header.chunkCount).toBe(Math.ceil(plain.length / DEFAULT_CHUNK_SIZE));
    expect((await readAll(path)).equals(plain)).toBe(true);
    const start = DEFAULT_CHUNK_SIZE * 3 - 5;
    const end = DEFAULT_CHUNK_SIZE * 7 + 2;
    expect(
      (await readAll(path, ringA, { start, end })).equals(plain.subarray(start, end + 1)),
    ).toBe(true);
  });

  it('encrypts the same plaintext differently each time (fresh salt)', async () => {
    const plain = randomBytes(100);
    const [one, two] = [await sealed(plain, 16), await sealed(plain, 16)];
    const [a, b] = [await readFile(one), await readFile(two)];
    expect(a.subarray(HEADER).equals(b.subarray(HEADER))).toBe(false);
    expect(a.includes(plain.subarray(0, 16))).toBe(false);
  });

  it('replaces an existing destination and encrypts in place', async () => {
    const plain = randomBytes(50);
    const path = join(dir, 'file');
    await writeFile(path, plain);
    await encryptFile(path, path, keyA, { chunkSize: 16 });
    expect(await isEncryptedFile(path)).toBe(true);
    expect((await readAll(path)).equals(plain)).toBe(true);
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('refuses a chunk size out of range and a key that is not 32 bytes', async () => {
    const src = join(dir, 'plain');
    await writeFile(src, 'x');
    await expect(encryptFile(src, join(dir, 'o'), keyA, { chunkSize: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(encryptFile(src, join(dir, 'o'), keyA, { chunkSize: 1.5 })).rejects.toThrow(
      RangeError,
    );
    await expect(encryptFile(src, join(dir, 'o'), randomBytes(16))).rejects.toThrow(/32 bytes/);
    expect(await readdir(dir)).toEqual(['plain']);
  });
});

describe('ranged reads', () => {
  it('returns exactly the slice for every (start, end) pair across several chunks', async () => {
    const chunkSize = 16;
    const plain = randomBytes(chunkSize * 4 + 5);
    const path = await sealed(plain, chunkSize);
    for (let start = 0; start < plain.length; start++) {
      for (let end = start; end < plain.length; end++) {
        const { stream, size, length } = await createDecryptStream(path, ringA, { start, end });
        const parts: Buffer[] = [];
        for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
        const got = Buffer.concat(parts);
        expect(size).toBe(plain.length);
        expect(length).toBe(end - start + 1);
        if (!got.equals(plain.subarray(start, end + 1))) {
          throw new Error(`range ${start}-${end} differs`);
        }
      }
    }
  });

  it('handles every start with ends around each boundary for 64-byte chunks', async () => {
    const chunkSize = 64;
    const plain = randomBytes(chunkSize * 6);
    const path = await sealed(plain, chunkSize);
    const ends = new Set<number>();
    for (let b = 0; b <= plain.length; b += chunkSize) {
      for (const e of [b - 2, b - 1, b, b + 1]) if (e >= 0 && e < plain.length) ends.add(e);
    }
    for (let start = 0; start < plain.length; start++) {
      for (const end of ends) {
        if (end < start) continue;
        const got = await readAll(path, ringA, { start, end });
        if (!got.equals(plain.subarray(start, end + 1))) {
          throw new Error(`range ${start}-${end} differs`);
        }
      }
    }
  });

  it('rejects ranges outside the plaintext', async () => {
    const path = await sealed(randomBytes(40), 16);
    for (const range of [
      { start: -1, end: 3 },
      { start: 5, end: 4 },
      { start: 0, end: 40 },
      { start: 0.5, end: 3 },
    ]) {
      await expect(createDecryptStream(path, ringA, range)).rejects.toThrow(RangeError);
    }
    const empty = await sealed(Buffer.alloc(0), 16);
    await expect(createDecryptStream(empty, ringA, { start: 0, end: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('tampering', () => {
  const chunkSize = 16;
  const plain = randomBytes(chunkSize * 5 + 7);
  const wholeChunk = (i: number) => ({ start: i * chunkSize, end: (i + 1) * chunkSize - 1 });

  it('detects a flipped ciphertext byte, in whole and ranged reads that touch it', async () => {
    const path = await sealed(plain, chunkSize);
    await patch(path, (b) => void (b[chunkAt(2, chunkSize) + 3]! ^= 0x01));
    await expect(readAll(path)).rejects.toThrow(IntegrityError);
    await expect(readAll(path)).rejects.toThrow(/chunk 2 .*failed authentication/);
    await expect(readAll(path, ringA, wholeChunk(2))).rejects.toThrow(IntegrityError);
    await expect(readAll(path, ringA, { start: 5, end: 2 * chunkSize })).rejects.toThrow(
      IntegrityError,
    );
    // Chunks are independent: a range that avoids the damaged one still reads.
    const { start, end } = { start: 3 * chunkSize + 1, end: plain.length - 1 };
    expect(
      (await readAll(path, ringA, { start, end })).equals(plain.subarray(start, end + 1)),
    ).toBe(true);
  });

  it('detects a flipped tag byte', async () => {
    const path = await sealed(plain, chunkSize);
    await patch(path, (b) => void (b[chunkAt(1, chunkSize) + chunkSize + 15]! ^= 0x80));
    await expect(readAll(path)).rejects.toThrow(IntegrityError);
    await expect(readAll(path, ringA, wholeChunk(1))).rejects.toThrow(IntegrityError);
  });

  it('detects a flipped byte anywhere in the header, also for a range in a later chunk', async () => {
    const path = await sealed(plain, chunkSize);
    const original = await readFile(path);
    for (let offset = 0; offset < HEADER; offset++) {
      const bytes = Buffer.from(original);
      bytes[offset]! ^= 0x04;
      await writeFile(path, bytes);
      // The key id names the key to use; damaging it makes the key unknown.
      const expected = offset >= 6 && offset < 14 ? /no encryption key with id/ : IntegrityError;
      await expect(readAll(path), `header byte ${offset}`).rejects.toThrow(expected);
      await expect(readAll(path, ringA, wholeChunk(3)), `header byte ${offset}`).rejects.toThrow(
        expected,
      );
    }
  });

  it('authenticates the header of an empty file', async () => {
    const path = await sealed(Buffer.alloc(0), chunkSize);
    expect((await readAll(path)).length).toBe(0);
    await patch(path, (b) => void (b[40]! ^= 0x01)); // a salt byte
    await expect(readAll(path)).rejects.toThrow(IntegrityError);
  });

  it('detects a dropped last chunk, a cut tail and an appended byte, even when a range never reads there', async () => {
    const path = await sealed(plain, chunkSize);
    const original = await readFile(path);
    for (const bytes of [
      original.subarray(0, chunkAt(5, chunkSize)),
      original.subarray(0, original.length - 1),
      Buffer.concat([original, Buffer.from([0])]),
    ]) {
      await writeFile(path, bytes);
      await expect(readAll(path)).rejects.toThrow(IntegrityError);
      await expect(readAll(path, ringA, wholeChunk(0))).rejects.toThrow(/truncated or extended/);
    }
  });

  it('detects a dropped last chunk even with the header resized to match', async () => {
    const path = await sealed(plain, chunkSize);
    await patch(path, (b) => {
      const cut = Buffer.from(b.subarray(0, chunkAt(5, chunkSize)));
      cut.writeBigUInt64BE(BigInt(5 * chunkSize), 18);
      return cut;
    });
    await expect(readAll(path, ringA, wholeChunk(0))).rejects.toThrow(IntegrityError);
  });

  it('detects two swapped chunks', async () => {
    const path = await sealed(plain, chunkSize);
    await patch(path, (b) => {
      const stride = chunkSize + TAG;
      const one = Buffer.from(b.subarray(chunkAt(1, chunkSize), chunkAt(1, chunkSize) + stride));
      b.copy(b, chunkAt(1, chunkSize), chunkAt(2, chunkSize), chunkAt(2, chunkSize) + stride);
      one.copy(b, chunkAt(2, chunkSize));
    });
    await expect(readAll(path)).rejects.toThrow(IntegrityError);
    await expect(readAll(path, ringA, wholeChunk(1))).rejects.toThrow(IntegrityError);
    await expect(readAll(path, ringA, wholeChunk(2))).rejects.toThrow(IntegrityError);
  });

  it('detects a chunk moved from another file under the same key', async () => {
    const path = await sealed(plain, chunkSize);
    const other = await readFile(await sealed(plain, chunkSize));
    await patch(
      path,
      (b) =>
        void other.copy(b, chunkAt(2, chunkSize), chunkAt(2, chunkSize), chunkAt(3, chunkSize)),
    );
    await expect(readAll(path, ringA, wholeChunk(2))).rejects.toThrow(IntegrityError);
  });

  it('errors mid-stream after emitting only authenticated chunks', async () => {
    const big = randomBytes(DEFAULT_CHUNK_SIZE * 40);
    const path = await sealed(big);
    await patch(path, (b) => void (b[chunkAt(30, DEFAULT_CHUNK_SIZE) + 100]! ^= 0x01));
    const { stream } = await createDecryptStream(path, ringA);
    const parts: Buffer[] = [];
    let failure: unknown;
    try {
      for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(IntegrityError);
    expect((failure as Error).name).toBe('IntegrityError');
    const emitted = Buffer.concat(parts);
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.length).toBeLessThanOrEqual(30 * DEFAULT_CHUNK_SIZE);
    expect(emitted.equals(big.subarray(0, emitted.length))).toBe(true);
  });

  it('leaves no plaintext behind when decryptFile meets a damaged chunk', async () => {
    const path = await sealed(plain, chunkSize);
    await patch(path, (b) => void (b[chunkAt(4, chunkSize)]! ^= 0x01));
    const before = (await readdir(dir)).sort();
    await expect(decryptFile(path, join(dir, 'out'), ringA)).rejects.toThrow(IntegrityError);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('says which key is missing when the ring lacks it', async () => {
    const path = await sealed(plain, chunkSize);
    const id = keyIdOf(keyA).toString('hex');
    const error = await readAll(path, new KeyRing(keyB)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toContain(id);
  });

  it('tells plaintext files apart and refuses to read them as encrypted', async () => {
    const path = await sealed(plain, chunkSize);
    expect(await isEncryptedFile(path)).toBe(true);
    await writeFile(join(dir, 'webm'), Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0]));
    await writeFile(join(dir, 'short'), 'CRE');
    expect(await isEncryptedFile(join(dir, 'webm'))).toBe(false);
    expect(await isEncryptedFile(join(dir, 'short'))).toBe(false);
    await expect(readHeader(join(dir, 'webm'))).rejects.toThrow(/not an encrypted/);
    await expect(readHeader(join(dir, 'short'))).rejects.toThrow(IntegrityError);
  });
});

describe('key rotation', () => {
  it('reads old files through the ring and re-encrypts them under the current key', async () => {
    const plain = randomBytes(16 * 3 + 9);
    const path = await sealed(plain, 16, keyA);
    const rotated = new KeyRing(keyB, [keyA]);
    expect((await readAll(path, rotated)).equals(plain)).toBe(true);
    await expect(readAll(path, new KeyRing(keyB))).rejects.toThrow(/no encryption key/);

    expect(await reencryptFile(path, rotated)).toBe(true);
    const header = await readHeader(path);
    expect(header.keyId.equals(keyIdOf(keyB))).toBe(true);
    expect(header.chunkSize).toBe(16);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readAll(path, new KeyRing(keyB))).equals(plain)).toBe(true);
    expect(await reencryptFile(path, rotated)).toBe(false);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to re-encrypt a damaged file and leaves it as it was', async () => {
    const path = await sealed(randomBytes(100), 16, keyA);
    await patch(path, (b) => void (b[chunkAt(3, 16)]! ^= 0x01));
    const damaged = await readFile(path);
    await expect(reencryptFile(path, new KeyRing(keyB, [keyA]))).rejects.toThrow(IntegrityError);
    expect((await readFile(path)).equals(damaged)).toBe(true);
  });
});

describe('KeyRing', () => {
  it('finds keys by id, current included, and copies what it was given', () => {
    const a = Buffer.from(keyA);
    const ring = new KeyRing(keyB, [a]);
    expect(ring.current.equals(keyB)).toBe(true);
    expect(ring.keyFor(keyIdOf(keyA)).equals(keyA)).toBe(true);
    expect(ring.keyFor(keyIdOf(keyB)).equals(keyB)).toBe(true);
    a.fill(0);
    expect(ring.keyFor(keyIdOf(keyA)).equals(keyA)).toBe(true);
    expect(() => ring.keyFor(Buffer.alloc(8, 0xab))).toThrow(/abababababababab/);
    expect(() => new KeyRing(randomBytes(31))).toThrow(/32 bytes/);
    expect(() => new KeyRing(keyA, [randomBytes(33)])).toThrow(/32 bytes/);
  });

  it('derives an 8-byte key id from SHA-256', () => {
    expect(keyIdOf(keyA).length).toBe(8);
    expect(keyIdOf(keyA).equals(keyIdOf(Buffer.from(keyA)))).toBe(true);
    expect(keyIdOf(keyA).equals(keyIdOf(keyB))).toBe(false);
  });
});

describe('parseKey', () => {
  it('accepts base64 of exactly 32 bytes', () => {
    const key = randomBytes(32);
    expect(parseKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseKey(`${key.toString('base64')}\n`).equals(key)).toBe(true);
  });

  it('rejects other lengths and non-base64 without echoing the value', () => {
    for (const n of [16, 31, 33]) {
      expect(() => parseKey(randomBytes(n).toString('base64'))).toThrow(
        new RegExp(`decodes to ${n} bytes`),
      );
    }
    const secret = 'not base64 at all!!';
    expect(() => parseKey(secret)).toThrow(/not valid base64/);
    expect(() => parseKey('')).toThrow(/not valid base64/);
    expect(() => parseKey(`${randomBytes(32).toString('base64url')}`)).toThrow(/base64/);
    try {
      parseKey(secret);
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
