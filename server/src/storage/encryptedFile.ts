/**
 * Encryption at rest for finished recording files. Files are sealed in
 * independently authenticated chunks so that an HTTP Range request decrypts
 * only the chunks it touches, and nothing unauthenticated is ever served.
 *
 * Layout (all integers big-endian):
 *
 *   header, 58 bytes
 *     0   5  magic "CRENC"
 *     5   1  version (1)
 *     6   8  key id: SHA-256(master key)[0..8], so a reader picks the right
 *            key from the ring while keys rotate
 *     14  4  chunk size: plaintext bytes per chunk (default 64 KiB)
 *     18  8  plaintext size, so the decrypted size and the place of any byte
 *            are known without scanning
 *     26 32  salt, random per file
 *   chunks, max(1, ceil(plaintext size / chunk size)) of them
 *     ciphertext (chunk size bytes, the last one shorter) || 16-byte GCM tag
 *
 * Chunk i starts at 58 + i * (chunk size + 16). An empty file still has one
 * (empty) chunk, so that its header is authenticated too.
 *
 * Crypto: file key = HKDF-SHA256(master key, salt, info "CRENC v1 file key"),
 * AES-256-GCM with nonce = i as a 96-bit big-endian integer and
 * AAD = header || i (u64) || last-chunk flag (u8).
 * Why a per-file key and a counter nonce rather than random nonces under the
 * master key: each file key seals one file only, so counter nonces can never
 * repeat (two files would need the same 256-bit salt), and the master key is
 * not subject to GCM's random-nonce budget of 2^32 chunks in total (only
 * 256 TiB at 64 KiB chunks, across all files and all time). The AAD ties
 * every chunk to this file's header (sizes, key id, salt), to its position
 * and to whether it ends the file, so chunks cannot be edited, reordered,
 * dropped, moved between files, and the file cannot be cut short, without
 * the chunk's tag failing. The header itself is only trusted once a chunk
 * that binds it has been authenticated, and readers check the file's length
 * against it before decrypting anything.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';

const MAGIC = Buffer.from('CRENC', 'ascii');
const VERSION = 1;
const HEADER_SIZE = 58;
const KEY_SIZE = 32;
const KEY_ID_SIZE = 8;
const SALT_SIZE = 32;
const TAG_SIZE = 16;
const HKDF_INFO = Buffer.from('CRENC v1 file key', 'ascii');
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** A reader allocates a chunk from the header's word; this caps what a forged header can ask for. */
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** Bytes per read or write syscall: big enough to amortise, small enough to stay streaming. */
const IO_BATCH = 1024 * 1024;

/** A file failed authentication: tampered, truncated, or not written by this module. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

export interface EncryptedFileHeader {
  version: number;
  keyId: Buffer;
  chunkSize: number;
  plaintextSize: number;
  salt: Buffer;
  chunkCount: number;
  /** The size the file must have on disk for this header. */
  encryptedSize: number;
}

export function keyIdOf(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, KEY_ID_SIZE);
}

/** Decodes `RECORDING_ENCRYPTION_KEY`-style base64; never echoes the value, it is a secret. */
export function parseKey(base64: string): Buffer {
  const text = base64.trim();
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new Error(
      'encryption key must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`); the value is not valid base64',
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_SIZE) {
    throw new Error(
      `encryption key must be base64 of 32 random bytes (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes`,
    );
  }
  return key;
}

/** The current key (new files) and older ones (files written before a rotation). */
export class KeyRing {
  #current: Buffer;
  #byId = new Map<string, Buffer>();

  constructor(current: Buffer, previous: Buffer[] = []) {
    // Copies, so a caller reusing or zeroing its buffer cannot change the ring.
    this.#current = Buffer.from(assertKey(current));
    for (const key of [...previous].reverse()) this.#add(Buffer.from(assertKey(key)));
    this.#add(this.#current);
  }

  get current(): Buffer {
    return this.#current;
  }

  keyFor(keyId: Buffer): Buffer {
    const key = this.#byId.get(keyId.toString('hex'));
    if (!key) {
      throw new Error(
        `no encryption key with id ${keyId.toString('hex')} in the key ring (known: ${[...this.#byId.keys()].join(', ')}); the file was written with a key that is no longer configured`,
      );
    }
    return key;
  }

  #add(key: Buffer): void {
    this.#byId.set(keyIdOf(key).toString('hex'), key);
  }
}

function assertKey(key: Buffer): Buffer {
  if (key.length !== KEY_SIZE)
    throw new Error(`encryption key must be 32 bytes, got ${key.length}`);
  return key;
}

export async function encryptFile(
  src: string,
  dst: string,
  key: Buffer,
  options: { chunkSize?: number } = {},
): Promise<{ size: number; encryptedSize: number }> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer in 1..${MAX_CHUNK_SIZE}, got ${chunkSize}`);
  }
  const input = await open(src, 'r');
  try {
    // The size goes into the header, which every chunk's AAD binds, so it
    // must be known up front; a source that changes meanwhile is refused.
    const size = (await input.stat()).size;
    const encryptedSize = await writeEncrypted(
      dst,
      assertKey(key),
      chunkSize,
      size,
      readBlocks(input, chunkSize),
    );
    return { size, encryptedSize };
  } finally {
    await input.close();
  }
}

export async function isEncryptedFile(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const magic = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await file.read(magic, 0, magic.length, 0);
    return bytesRead === MAGIC.length && magic.equals(MAGIC);
  } finally {
    await file.close();
  }
}

/** The header as written; it is only authenticated once a chunk decrypts. */
export async function readHeader(path: string): Promise<EncryptedFileHeader> {
  const file = await open(path, 'r');
  try {
    return (await readParsedHeader(file, path)).header;
  } finally {
    await file.close();
  }
}

/**
 * Streams the plaintext of `range` (inclusive, as in HTTP), or of the whole
 * file. Resolves once the first chunk it needs has been authenticated, so a
 * caller can still answer with an error status; a later chunk that fails
 * destroys the stream with an IntegrityError before any of its bytes are
 * emitted. The file stays open until the stream ends or is destroyed.
 */
export async function createDecryptStream(
  path: string,
  keys: KeyRing,
  range?: { start: number; end: number },
): Promise<{ stream: Readable; size: number; length: number }> {
  const file = await open(path, 'r');
  try {
    const parsed = await readParsedHeader(file, path);
    await checkLength(file, path, parsed.header);
    const { header } = parsed;
    const size = header.plaintextSize;
    let start = 0;
    let endExclusive = size;
    if (range) {
      const { start: first, end: last } = range;
      if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) {
        throw new RangeError('range bounds must be integers');
      }
      if (first < 0 || first > last || last >= size) {
        throw new RangeError(`range ${first}-${last} is outside 0-${size - 1}`);
      }
      start = first;
      endExclusive = last + 1;
    }
    const reader = new ChunkReader(file, path, parsed, keys.keyFor(header.keyId));
    const firstChunk = Math.floor(start / header.chunkSize);
    const lastChunk = size === 0 ? 0 : Math.floor((endExclusive - 1) / header.chunkSize);
    let next = firstChunk;

    const decryptNext = async (): Promise<Buffer[]> => {
      const count = Math.min(reader.batchChunks, lastChunk - next + 1);
      const plain = await reader.read(next, count);
      const parts: Buffer[] = [];
      plain.forEach((chunk, offset) => {
        const chunkStart = (next + offset) * header.chunkSize;
        const from = Math.max(start - chunkStart, 0);
        const to = Math.min(endExclusive - chunkStart, chunk.length);
        if (to > from) parts.push(chunk.subarray(from, to));
      });
      next += count;
      return parts;
    };

    let pending: Buffer[] | undefined = await decryptNext();
    const stream = new Readable({
      read() {
        const fill = async (): Promise<void> => {
          while (true) {
            const parts: Buffer[] = pending ?? (next <= lastChunk ? await decryptNext() : []);
            pending = undefined;
            for (const part of parts) this.push(part);
            if (next > lastChunk) {
              this.push(null);
              return;
            }
            // A batch may be empty (an empty file's chunk); pushing nothing
            // would never call read() again, so keep going.
            if (parts.length > 0) return;
          }
        };
        fill().catch((error: unknown) => this.destroy(error as Error));
      },
      destroy(error, callback) {
        file.close().then(
          () => callback(error),
          (closeError: unknown) => callback(error ?? (closeError as Error)),
        );
      },
    });
    return { stream, size, length: endExclusive - start };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Writes the plaintext to `dst` (0600, via a temp file) for tools that need it, like ffmpeg. */
export async function decryptFile(src: string, dst: string, keys: KeyRing): Promise<void> {
  const { stream } = await createDecryptStream(src, keys);
  await writeAtomically(dst, async (out) => {
    let position = 0;
    for await (const part of stream as AsyncIterable<Buffer>) {
      await writeFully(out, [part], position);
      position += part.length;
    }
  }).finally(() => stream.destroy());
}

/** Key rotation: re-seals a file written under an older key with the current one. */
export async function reencryptFile(path: string, keys: KeyRing): Promise<boolean> {
  const header = await readHeader(path);
  if (header.keyId.equals(keyIdOf(keys.current))) return false;
  const { stream, size } = await createDecryptStream(path, keys);
  try {
    await writeEncrypted(
      path,
      keys.current,
      header.chunkSize,
      size,
      stream as AsyncIterable<Buffer>,
    );
  } finally {
    stream.destroy();
  }
  return true;
}

interface ParsedHeader {
  header: EncryptedFileHeader;
  bytes: Buffer;
}

async function readParsedHeader(file: FileHandle, path: string): Promise<ParsedHeader> {
  const bytes = Buffer.alloc(HEADER_SIZE);
  const { bytesRead } = await file.read(bytes, 0, HEADER_SIZE, 0);
  if (bytesRead < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new IntegrityError(`${path}: not an encrypted recording file (no CRENC magic)`);
  }
  if (bytesRead < HEADER_SIZE) throw new IntegrityError(`${path}: header is truncated`);
  const version = bytes.readUInt8(5);
  if (version !== VERSION) {
    throw new IntegrityError(`${path}: unsupported encrypted file version ${version}`);
  }
  const chunkSize = bytes.readUInt32BE(14);
  const plaintextSize = Number(bytes.readBigUInt64BE(18));
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new IntegrityError(`${path}: header has an invalid chunk size ${chunkSize}`);
  }
  if (!Number.isSafeInteger(plaintextSize)) {
    throw new IntegrityError(`${path}: header has an invalid plaintext size`);
  }
  const chunkCount = chunkCountFor(plaintextSize, chunkSize);
  const header: EncryptedFileHeader = {
    version,
    keyId: Buffer.from(bytes.subarray(6, 6 + KEY_ID_SIZE)),
    chunkSize,
    plaintextSize,
    salt: Buffer.from(bytes.subarray(26, 26 + SALT_SIZE)),
    chunkCount,
    encryptedSize: HEADER_SIZE + chunkCount * TAG_SIZE + plaintextSize,
  };
  return { header, bytes };
}

/** Catches a dropped or appended tail even when a range never reads it. */
async function checkLength(file: FileHandle, path: string, header: EncryptedFileHeader) {
  const actual = (await file.stat()).size;
  if (actual !== header.encryptedSize) {
    throw new IntegrityError(
      `${path}: file is ${actual} bytes but its header describes ${header.encryptedSize} (truncated or extended)`,
    );
  }
}

function chunkCountFor(plaintextSize: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(plaintextSize / chunkSize));
}

function fileKey(masterKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, salt, HKDF_INFO, KEY_SIZE));
}

/** Nonce and AAD of chunk `index`, written into buffers reused across chunks. */
class ChunkContext {
  readonly nonce = Buffer.alloc(12);
  readonly aad: Buffer;
  readonly #chunkCount: number;

  constructor(header: Buffer, chunkCount: number) {
    this.aad = Buffer.alloc(HEADER_SIZE + 9);
    header.copy(this.aad, 0, 0, HEADER_SIZE);
    this.#chunkCount = chunkCount;
  }

  set(index: number): void {
    // 64-bit index without BigInt: high and low 32-bit halves.
    const high = Math.floor(index / 2 ** 32);
    const low = index >>> 0;
    this.nonce.writeUInt32BE(high, 4);
    this.nonce.writeUInt32BE(low, 8);
    this.aad.writeUInt32BE(high, HEADER_SIZE);
    this.aad.writeUInt32BE(low, HEADER_SIZE + 4);
    this.aad.writeUInt8(index === this.#chunkCount - 1 ? 1 : 0, HEADER_SIZE + 8);
  }
}

/** Positioned, batched reads and authenticated decryption of whole chunks. */
class ChunkReader {
  readonly batchChunks: number;
  #file: FileHandle;
  #path: string;
  #header: EncryptedFileHeader;
  #key: Buffer;
  #context: ChunkContext;
  #buffer: Buffer;

  constructor(file: FileHandle, path: string, parsed: ParsedHeader, masterKey: Buffer) {
    const { header } = parsed;
    this.#file = file;
    this.#path = path;
    this.#header = header;
    this.#key = fileKey(masterKey, header.salt);
    this.#context = new ChunkContext(parsed.bytes, header.chunkCount);
    const stride = header.chunkSize + TAG_SIZE;
    this.batchChunks = Math.max(1, Math.floor(IO_BATCH / stride));
    // Sized for the file, not the batch: a small file never needs a 1 MiB buffer.
    this.#buffer = Buffer.allocUnsafe(Math.min(this.batchChunks, header.chunkCount) * stride);
  }

  /** Chunks `first`..`first + count - 1`, each authenticated before it is returned. */
  async read(first: number, count: number): Promise<Buffer[]> {
    const { chunkSize, chunkCount, plaintextSize } = this.#header;
    const stride = chunkSize + TAG_SIZE;
    const lengths: number[] = [];
    for (let i = first; i < first + count; i++) {
      lengths.push(i < chunkCount - 1 ? chunkSize : plaintextSize - (chunkCount - 1) * chunkSize);
    }
    const total = lengths.reduce((sum, n) => sum + n + TAG_SIZE, 0);
    let filled = 0;
    while (filled < total) {
      const { bytesRead } = await this.#file.read(
        this.#buffer,
        filled,
        total - filled,
        HEADER_SIZE + first * stride + filled,
      );
      if (bytesRead === 0) throw new IntegrityError(`${this.#path}: file ends inside chunk data`);
      filled += bytesRead;
    }
    const plain: Buffer[] = [];
    let offset = 0;
    lengths.forEach((length, i) => {
      const index = first + i;
      const sealed = this.#buffer.subarray(offset, offset + length);
      const tag = this.#buffer.subarray(offset + length, offset + length + TAG_SIZE);
      offset += length + TAG_SIZE;
      this.#context.set(index);
      const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#context.nonce, {
        authTagLength: TAG_SIZE,
      });
      decipher.setAAD(this.#context.aad);
      decipher.setAuthTag(tag);
      // update() yields plaintext before the tag is checked; it is only
      // returned once final() has accepted the tag.
      const data = decipher.update(sealed);
      try {
        decipher.final();
      } catch {
        throw new IntegrityError(
          `${this.#path}: chunk ${index} of ${chunkCount} failed authentication (tampered, reordered, or from another file)`,
        );
      }
      plain.push(data);
    });
    return plain;
  }
}

/** Reads the file in blocks of whole chunks; the buffer is reused, consumers copy or encrypt at once. */
async function* readBlocks(file: FileHandle, chunkSize: number): AsyncGenerator<Buffer> {
  const block = Buffer.allocUnsafe(chunkSize * Math.max(1, Math.floor(IO_BATCH / chunkSize)));
  let position = 0;
  while (true) {
    let filled = 0;
    while (filled < block.length) {
      const { bytesRead } = await file.read(block, filled, block.length - filled, position);
      if (bytesRead === 0) break;
      filled += bytesRead;
      position += bytesRead;
    }
    if (filled === 0) return;
    yield block.subarray(0, filled);
    if (filled < block.length) return;
  }
}

/**
 * Seals `source` (which must yield exactly `size` bytes) into `dst` under a
 * fresh salt; returns the encrypted size. Source buffers are used before the
 * next is requested, so a reused buffer is fine.
 */
async function writeEncrypted(
  dst: string,
  masterKey: Buffer,
  chunkSize: number,
  size: number,
  source: AsyncIterable<Buffer>,
): Promise<number> {
  const chunkCount = chunkCountFor(size, chunkSize);
  const salt = randomBytes(SALT_SIZE);
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, 5);
  keyIdOf(masterKey).copy(header, 6);
  header.writeUInt32BE(chunkSize, 14);
  header.writeBigUInt64BE(BigInt(size), 18);
  salt.copy(header, 26);
  const key = fileKey(masterKey, salt);
  const context = new ChunkContext(header, chunkCount);

  await writeAtomically(dst, async (out) => {
    let position = 0;
    let queued: Buffer[] = [header];
    let queuedBytes = header.length;
    const flush = async () => {
      await writeFully(out, queued, position);
      position += queuedBytes;
      queued = [];
      queuedBytes = 0;
    };

    let index = 0;
    let consumed = 0;
    const seal = (plain: Buffer) => {
      if (index >= chunkCount) throw new Error('source grew while it was being encrypted');
      context.set(index);
      const cipher = createCipheriv('aes-256-gcm', key, context.nonce, {
        authTagLength: TAG_SIZE,
      });
      cipher.setAAD(context.aad);
      const sealed = cipher.update(plain);
      cipher.final();
      queued.push(sealed, cipher.getAuthTag());
      queuedBytes += sealed.length + TAG_SIZE;
      index += 1;
    };

    const pending = Buffer.allocUnsafe(chunkSize);
    let pendingLength = 0;
    for await (const data of source) {
      consumed += data.length;
      if (consumed > size) throw new Error('source grew while it was being encrypted');
      let offset = 0;
      if (pendingLength > 0) {
        const take = Math.min(chunkSize - pendingLength, data.length);
        data.copy(pending, pendingLength, 0, take);
        pendingLength += take;
        offset = take;
        if (pendingLength === chunkSize) {
          seal(pending);
          pendingLength = 0;
        }
      }
      while (data.length - offset >= chunkSize) {
        seal(data.subarray(offset, offset + chunkSize));
        offset += chunkSize;
      }
      if (offset < data.length) {
        data.copy(pending, 0, offset);
        pendingLength = data.length - offset;
      }
      if (queuedBytes >= IO_BATCH) await flush();
    }
    if (pendingLength > 0 || index < chunkCount) seal(pending.subarray(0, pendingLength));
    if (consumed !== size || index !== chunkCount) {
      throw new Error('source shrank while it was being encrypted');
    }
    await flush();
  });
  return HEADER_SIZE + chunkCount * TAG_SIZE + size;
}

/** Writes through a 0600 temp file beside `dst`, fsyncs, then renames over it; no partial `dst` ever. */
async function writeAtomically(dst: string, write: (out: FileHandle) => Promise<void>) {
  const temp = join(dirname(dst), `.${basename(dst)}.${randomBytes(6).toString('hex')}.tmp`);
  const out = await open(temp, 'wx', 0o600);
  try {
    await write(out);
    await out.sync();
  } catch (error) {
    await out.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  try {
    await out.close();
    await rename(temp, dst);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

async function writeFully(out: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  if (total === 0) return;
  const { bytesWritten } = await out.writev(buffers, position);
  if (bytesWritten === total) return;
  // A short vectored write is rare on regular files; finish the rest plainly.
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  let offset = 0;
  while (offset < rest.length) {
    const result = await out.write(
      rest,
      offset,
      rest.length - offset,
      position + bytesWritten + offset,
    );
    offset += result.bytesWritten;
  }
}
