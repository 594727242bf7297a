/**
 * Appends a recording's slices to its file strictly in sequence order.
 * Each slice is written (and its digest remembered) before the next is
 * accepted, so the file on disk is always a prefix of the recording:
 * - seq == next: appended;
 * - seq <  next: a retry; identical bytes are acknowledged, different bytes
 *   are a conflict and nothing is written;
 * - seq >  next: a gap; refused, nothing is written, the caller learns `next`.
 * Files are created 0600. `finish()` fsyncs and closes.
 *
 * A write that fails half-way (the disk filled up) is rolled back: the file
 * is truncated to the last whole slice and the error rethrown, so that the
 * bot's retry of the same slice appends it cleanly instead of after a torn
 * copy. Slices are written at explicit offsets for the same reason.
 */
import { createHash } from 'node:crypto';
import { mkdir, open as openFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export type SliceResult =
  | { outcome: 'appended'; seq: number; bytes: number }
  | { outcome: 'duplicate'; seq: number }
  | { outcome: 'conflict'; seq: number; reason: string }
  | { outcome: 'gap'; seq: number; expected: number }
  | { outcome: 'closed'; seq: number };

/** What the writer needs of a file (a FileHandle; tests inject faults through it). */
export type SliceFile = Pick<FileHandle, 'write' | 'truncate' | 'sync' | 'close'>;
export type SliceFileOpener = (path: string) => Promise<SliceFile>;

const openExclusive: SliceFileOpener = (path) => openFile(path, 'wx', 0o600);

export class SliceWriter {
  readonly path: string;
  readonly #open: SliceFileOpener;
  #file?: SliceFile | undefined;
  #next = 0;
  #bytes = 0;
  #digests: string[] = [];
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, { open = openExclusive }: { open?: SliceFileOpener } = {}) {
    this.path = path;
    this.#open = open;
  }

  /** Creates the directory (0700) and the file (0600, must not exist). */
  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    this.#file = await this.#open(this.path);
  }

  /** Sequence number the writer expects next. */
  get nextSeq(): number {
    return this.#next;
  }

  get bytesWritten(): number {
    return this.#bytes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes one slice; calls are serialized so concurrent requests cannot interleave. */
  write(seq: number, data: Uint8Array): Promise<SliceResult> {
    const result = this.#queue.then(() => this.#write(seq, data));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #write(seq: number, data: Uint8Array): Promise<SliceResult> {
    if (this.#closed || !this.#file) return { outcome: 'closed', seq };
    const digest = createHash('sha256').update(data).digest('hex');
    if (seq < this.#next) {
      return this.#digests[seq] === digest
        ? { outcome: 'duplicate', seq }
        : { outcome: 'conflict', seq, reason: 'a different slice with this number was stored' };
    }
    if (seq > this.#next) return { outcome: 'gap', seq, expected: this.#next };
    let offset = 0;
    try {
      while (offset < data.byteLength) {
        const { bytesWritten } = await this.#file.write(
          data,
          offset,
          data.byteLength - offset,
          this.#bytes + offset,
        );
        offset += bytesWritten;
      }
    } catch (error) {
      // Back to the last whole slice: a retry must not land after a torn copy.
      // Always: a call may have written some bytes before it threw.
      await this.#file.truncate(this.#bytes).catch(() => undefined);
      throw error;
    }
    this.#digests[seq] = digest;
    this.#next += 1;
    this.#bytes += data.byteLength;
    return { outcome: 'appended', seq, bytes: data.byteLength };
  }

  /** Waits for pending writes, fsyncs and closes. Idempotent. */
  async finish(): Promise<void> {
    await this.#queue;
    if (this.#closed) return;
    this.#closed = true;
    const file = this.#file;
    this.#file = undefined;
    if (!file) return;
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }
}
