/**
 * The finished files of recordings, wherever they are: the recording's
 * directory on this server's disk (sealed with AES-256-GCM when a key is
 * configured) or the S3 bucket once uploaded. Everything that reads,
 * serves, copies, verifies or deletes a finished file goes through here, so
 * encryption, integrity checks and the backend are decided in one place.
 * Paths inside a recording are relative to its directory (`recording.webm`,
 * `hls/360p/seg_00001.m4s`), and the same relative path is the object key's
 * tail: `{roomId}/{recordingId}/{file}`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RecordingRow } from '#db/schema';
import { NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { recordingDir } from '../recording/recordingFiles';
import {
  KeyRing,
  createDecryptStream,
  decryptFile,
  encryptFile,
  isEncryptedFile,
  readHeader,
} from './encryptedFile';
import { listFiles } from './listFiles';
import type { ObjectRange, ObjectStore } from './ObjectStore';

export interface StoredBody {
  stream: Readable;
  /** Bytes in `stream`. */
  length: number;
  /** The whole file's (plaintext) size. */
  size: number;
}

export interface RecordingStorageOptions {
  storageDir: string;
  /** Current key first; empty: files are stored as they are. */
  encryptionKeys: readonly Buffer[];
  /** Set with STORAGE=s3. */
  objects: ObjectStore | null;
  logger: Logger;
}

type RecordingRef = Pick<RecordingRow, 'id' | 'roomId' | 'storage'>;

export class RecordingStorage {
  readonly #storageDir: string;
  readonly #keys: KeyRing | null;
  readonly #objects: ObjectStore | null;
  readonly #log: Logger;

  constructor({ storageDir, encryptionKeys, objects, logger }: RecordingStorageOptions) {
    this.#storageDir = storageDir;
    const [current, ...previous] = encryptionKeys;
    this.#keys = current ? new KeyRing(current, previous) : null;
    this.#objects = objects;
    this.#log = logger.child({ module: 'recording-storage' });
  }

  /** Where new finished files go once processed: `s3` when a bucket is configured. */
  get backend(): 'local' | 's3' {
    return this.#objects ? 's3' : 'local';
  }

  get encrypted(): boolean {
    return this.#keys !== null;
  }

  get storageDir(): string {
    return this.#storageDir;
  }

  get objects(): ObjectStore | null {
    return this.#objects;
  }

  dirOf(row: Pick<RecordingRow, 'id' | 'roomId'>): string {
    return recordingDir(this.#storageDir, row.roomId, row.id);
  }

  keyOf(row: Pick<RecordingRow, 'id' | 'roomId'>, file: string): string {
    return `${row.roomId}/${row.id}/${file}`;
  }

  localPath(row: Pick<RecordingRow, 'id' | 'roomId'>, file: string): string {
    return join(this.dirOf(row), ...file.split('/'));
  }

  /** True when this server's disk holds the recording's directory. */
  async hasLocalDir(row: Pick<RecordingRow, 'id' | 'roomId'>): Promise<boolean> {
    return stat(this.dirOf(row)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** Free bytes on the disk that holds the recordings (its directory created if needed). */
  async freeBytes(): Promise<number> {
    await mkdir(this.#storageDir, { recursive: true });
    const fs = await statfs(this.#storageDir);
    return fs.bavail * fs.bsize;
  }

  /**
   * Encrypts a just-written local file in place when a key is configured
   * (no-op otherwise, or when it is sealed already). Resolves with its size.
   */
  async seal(path: string): Promise<number> {
    if (!this.#keys || (await isEncryptedFile(path))) return (await stat(path)).size;
    const { encryptedSize } = await encryptFile(path, path, this.#keys.current);
    return encryptedSize;
  }

  /** Plaintext size of a local file (sealed or not), or null when it is missing. */
  async localSize(path: string): Promise<number | null> {
    try {
      if (await isEncryptedFile(path)) return (await readHeader(path)).plaintextSize;
      return (await stat(path)).size;
    } catch {
      return null;
    }
  }

  /** Opens a local file's plaintext (a range of it), decrypting when it is sealed. */
  async openLocal(path: string, range?: ObjectRange): Promise<StoredBody> {
    const encrypted = await isEncryptedFile(path).catch(() => {
      throw new NotFoundError('recording file is missing');
    });
    if (encrypted) {
      if (!this.#keys)
        throw new Error(`${path} is encrypted and no RECORDING_ENCRYPTION_KEY is set`);
      return createDecryptStream(path, this.#keys, range);
    }
    const { size } = await stat(path);
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const stream = createReadStream(path, size === 0 ? {} : { start, end });
    return { stream, length: Math.max(0, end - start + 1), size };
  }

  /** Reads one file of a recording (a range of it) from wherever it is stored. */
  async open(row: RecordingRef, file: string, range?: ObjectRange): Promise<StoredBody> {
    if (row.storage === 's3') return this.#requireObjects().get(this.keyOf(row, file), range);
    return this.openLocal(this.localPath(row, file), range);
  }

  /** The whole plaintext size of a recording's file, or null when missing. */
  async sizeOf(row: RecordingRef, file: string): Promise<number | null> {
    if (row.storage === 's3') {
      return (await this.#requireObjects().head(this.keyOf(row, file)))?.size ?? null;
    }
    return this.localSize(this.localPath(row, file));
  }

  /** A small file (a playlist) as text. */
  async readText(row: RecordingRef, file: string): Promise<string> {
    const { stream } = await this.open(row, file);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** SHA-256 of a file's plaintext, read back from where it is stored (or a given local path). */
  async sha256Of(row: RecordingRef, file: string): Promise<string> {
    const { stream } = await this.open(row, file);
    return hashStream(stream);
  }

  async sha256OfLocal(path: string): Promise<string> {
    const { stream } = await this.openLocal(path);
    return hashStream(stream);
  }

  /** A presigned URL of an object (STORAGE=s3 recordings only). */
  presign(
    row: RecordingRef,
    file: string,
    options: { expiresInSeconds: number; contentType?: string; contentDisposition?: string },
  ): Promise<string> {
    return this.#requireObjects().presignGet(this.keyOf(row, file), options);
  }

  /** Every file of a recording's local directory, relative to it, with `/` separators. */
  listLocal(row: Pick<RecordingRow, 'id' | 'roomId'>): Promise<string[]> {
    return listFiles(this.dirOf(row));
  }

  /**
   * Uploads one local file to the bucket (decrypted: the store encrypts on
   * its side) and reads it back: resolves once size and SHA-256 match.
   * Rejects when they do not; the local file is never touched here.
   */
  async uploadVerified(
    row: Pick<RecordingRow, 'id' | 'roomId'>,
    file: string,
    contentType: string,
  ): Promise<{ size: number; sha256: string }> {
    const objects = this.#requireObjects();
    const path = this.localPath(row, file);
    let source = path;
    let plainCopy: string | null = null;
    if (this.#keys && (await isEncryptedFile(path))) {
      plainCopy = join(dirname(path), `.upload-${process.pid}-${file.replace(/\//g, '_')}`);
      await decryptFile(path, plainCopy, this.#keys);
      source = plainCopy;
    }
    try {
      const [sha256, { size }] = await Promise.all([
        hashStream(createReadStream(source)),
        stat(source),
      ]);
      const key = this.keyOf(row, file);
      await objects.upload(key, source, { contentType, sha256 });
      const facts = await objects.head(key);
      if (!facts || facts.size !== size) {
        throw new Error(`upload of ${key} is ${facts?.size ?? 'missing'} bytes, expected ${size}`);
      }
      const stored = await hashStream((await objects.get(key)).stream);
      if (stored !== sha256) throw new Error(`upload of ${key} does not match its SHA-256`);
      return { size, sha256 };
    } finally {
      if (plainCopy) await rm(plainCopy, { force: true });
    }
  }

  /** Removes a recording's local directory and (with a bucket) its objects; resolves with objects deleted. */
  async removeAll(row: Pick<RecordingRow, 'id' | 'roomId'>): Promise<number> {
    // A post-processing job may be writing into it right now (its HLS
    // transcode): rm then meets a file created behind it (ENOTEMPTY) and
    // tries again; the job itself finds the recording gone and cleans up.
    await rm(this.dirOf(row), { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    if (!this.#objects) return 0;
    const count = await this.#objects.deletePrefix(this.keyOf(row, ''));
    if (count > 0) this.#log.debug({ recordingId: row.id, count }, 'objects deleted');
    return count;
  }

  /** Bytes a recording's local files take on disk. */
  async localBytes(row: Pick<RecordingRow, 'id' | 'roomId'>): Promise<number> {
    let total = 0;
    for (const file of await this.listLocal(row)) {
      total += (await stat(this.localPath(row, file)).catch(() => ({ size: 0 }))).size;
    }
    return total;
  }

  #requireObjects(): ObjectStore {
    if (!this.#objects) {
      throw new Error('this recording is stored in S3, but STORAGE=s3 is not configured here');
    }
    return this.#objects;
  }

  close(): void {
    this.#objects?.close();
  }
}

async function hashStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(stream, hash);
  return hash.digest('hex');
}
