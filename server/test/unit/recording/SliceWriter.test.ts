import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SliceWriter, type SliceFile, type SliceFileOpener } from '#server/recording/SliceWriter';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slices-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (...values: number[]) => new Uint8Array(values);

describe('SliceWriter', () => {
  it('appends slices in sequence into a 0600 file in a 0700 directory', async () => {
    const writer = new SliceWriter(join(dir, 'room', 'rec', 'recording.webm'));
    await writer.open();
    expect(await writer.write(0, bytes(1, 2))).toEqual({ outcome: 'appended', seq: 0, bytes: 2 });
    expect(await writer.write(1, bytes(3))).toEqual({ outcome: 'appended', seq: 1, bytes: 1 });
    expect(await writer.write(2, bytes())).toEqual({ outcome: 'appended', seq: 2, bytes: 0 });
    await writer.finish();
    expect([...(await readFile(writer.path))]).toEqual([1, 2, 3]);
    expect((await stat(writer.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'room', 'rec'))).mode & 0o777).toBe(0o700);
    expect(writer.nextSeq).toBe(3);
    expect(writer.bytesWritten).toBe(3);
  });

  it('acknowledges an identical retry and refuses a different body for a stored number', async () => {
    const writer = new SliceWriter(join(dir, 'a.webm'));
    await writer.open();
    await writer.write(0, bytes(9, 9));
    expect(await writer.write(0, bytes(9, 9))).toEqual({ outcome: 'duplicate', seq: 0 });
    expect((await writer.write(0, bytes(8))).outcome).toBe('conflict');
    await writer.finish();
    expect([...(await readFile(writer.path))]).toEqual([9, 9]);
  });

  it('refuses a gap without writing and tells the expected number', async () => {
    const writer = new SliceWriter(join(dir, 'a.webm'));
    await writer.open();
    expect(await writer.write(1, bytes(1))).toEqual({ outcome: 'gap', seq: 1, expected: 0 });
    await writer.finish();
    expect((await readFile(writer.path)).length).toBe(0);
  });

  it('serializes concurrent writes so the file stays in order', async () => {
    const writer = new SliceWriter(join(dir, 'a.webm'));
    await writer.open();
    const results = await Promise.all([0, 1, 2, 3].map((seq) => writer.write(seq, bytes(seq))));
    expect(results.map((r) => r.outcome)).toEqual(['appended', 'appended', 'appended', 'appended']);
    await writer.finish();
    expect([...(await readFile(writer.path))]).toEqual([0, 1, 2, 3]);
  });

  it('refuses writes after finish, and finish is idempotent', async () => {
    const writer = new SliceWriter(join(dir, 'a.webm'));
    await writer.open();
    await writer.finish();
    await writer.finish();
    expect(await writer.write(0, bytes(1))).toEqual({ outcome: 'closed', seq: 0 });
  });

  it('never overwrites an existing file', async () => {
    const path = join(dir, 'a.webm');
    await writeFile(path, 'old');
    await expect(new SliceWriter(path).open()).rejects.toThrow(/EEXIST/);
    expect(await readFile(path, 'utf8')).toBe('old');
  });
});

/**
 * A real file whose `write` can be armed to fail like a full disk:
 * - `torn`: the failing call writes part of what it was given, then throws;
 * - `short`: the call writes part and reports a short count, the next throws
 *   having written nothing (what write(2) does when the disk fills up);
 * - `nothing`: the call throws before writing anything.
 */
interface Fault {
  mode: 'torn' | 'short' | 'nothing' | null;
  /** Bytes the failing call still writes. */
  partial: number;
  writes: number;
  /** The file position of every write call. */
  positions: number[];
  truncates: number[];
  failTruncate: boolean;
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

function faultyOpener(fault: Fault): SliceFileOpener {
  return async (path) => {
    const handle = await open(path, 'wx', 0o600);
    let shortWritten = false;
    const write = async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      fault.writes += 1;
      fault.positions.push(position);
      if (fault.mode === 'torn') {
        await handle.write(buffer, offset, Math.min(fault.partial, length), position);
        throw enospc();
      }
      if (fault.mode === 'short') {
        if (shortWritten) throw enospc();
        shortWritten = true;
        return handle.write(buffer, offset, Math.min(fault.partial, length), position);
      }
      if (fault.mode === 'nothing') throw enospc();
      return handle.write(buffer, offset, length, position);
    };
    const file: SliceFile = {
      write: write as SliceFile['write'],
      truncate: async (len?: number) => {
        fault.truncates.push(len ?? 0);
        if (fault.failTruncate) throw new Error('EIO: truncate failed');
        return handle.truncate(len);
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
    return file;
  };
}

const slice = (seq: number, length: number) =>
  new Uint8Array(Array.from({ length }, (_, i) => (seq * 31 + i) % 256));
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe('SliceWriter with a disk that fills up', () => {
  let fault: Fault;
  beforeEach(() => {
    fault = {
      mode: null,
      partial: 40,
      writes: 0,
      positions: [],
      truncates: [],
      failTruncate: false,
    };
  });

  async function writerWithTwoSlices() {
    const writer = new SliceWriter(join(dir, 'rec', 'recording.webm'), {
      open: faultyOpener(fault),
    });
    await writer.open();
    expect(await writer.write(0, slice(0, 100))).toEqual({
      outcome: 'appended',
      seq: 0,
      bytes: 100,
    });
    expect(await writer.write(1, slice(1, 50))).toEqual({ outcome: 'appended', seq: 1, bytes: 50 });
    return writer;
  }

  it('uses the injected opener for the file', async () => {
    const writer = await writerWithTwoSlices();
    expect(fault.writes).toBe(2);
    await writer.finish();
    expect(await readFile(writer.path)).toEqual(concat(slice(0, 100), slice(1, 50)));
  });

  it.each(['torn', 'short'] as const)(
    'a write failing half-way (%s) rejects with ENOSPC and truncates to the whole slices',
    async (mode) => {
      const writer = await writerWithTwoSlices();
      fault.mode = mode;
      await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
      expect((await stat(writer.path)).size).toBe(150);
      expect(await readFile(writer.path)).toEqual(concat(slice(0, 100), slice(1, 50)));
      expect(writer.nextSeq).toBe(2);
      expect(writer.bytesWritten).toBe(150);
      await writer.finish();
    },
  );

  it('a write failing before any byte rejects and leaves the file as it was', async () => {
    const writer = await writerWithTwoSlices();
    fault.mode = 'nothing';
    await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readFile(writer.path)).toEqual(concat(slice(0, 100), slice(1, 50)));
    expect(writer.nextSeq).toBe(2);
    await writer.finish();
  });

  it.each(['torn', 'short', 'nothing'] as const)(
    'after a %s failure the retry of the same seq appends cleanly, no torn copy',
    async (mode) => {
      const writer = await writerWithTwoSlices();
      fault.mode = mode;
      await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
      fault.mode = null;
      expect(await writer.write(2, slice(2, 120))).toEqual({
        outcome: 'appended',
        seq: 2,
        bytes: 120,
      });
      expect(await writer.write(3, slice(3, 7))).toEqual({ outcome: 'appended', seq: 3, bytes: 7 });
      await writer.finish();
      expect(await readFile(writer.path)).toEqual(
        concat(slice(0, 100), slice(1, 50), slice(2, 120), slice(3, 7)),
      );
      expect(writer.bytesWritten).toBe(277);
      expect(writer.nextSeq).toBe(4);
    },
  );

  it.each(['torn', 'short'] as const)(
    'after a %s failure a shorter body for the failed seq leaves no stale bytes behind it',
    async (mode) => {
      const writer = await writerWithTwoSlices();
      fault.mode = mode;
      await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
      fault.mode = null;
      // The failed slice was never stored, so another body for its number is not a conflict.
      expect(await writer.write(2, slice(9, 10))).toEqual({
        outcome: 'appended',
        seq: 2,
        bytes: 10,
      });
      await writer.finish();
      expect(await readFile(writer.path)).toEqual(
        concat(slice(0, 100), slice(1, 50), slice(9, 10)),
      );
    },
  );

  it('duplicate, conflict and gap outcomes still hold after a failed write', async () => {
    const writer = await writerWithTwoSlices();
    fault.mode = 'short';
    await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
    fault.mode = null;
    const writesBefore = fault.writes;
    expect(await writer.write(1, slice(1, 50))).toEqual({ outcome: 'duplicate', seq: 1 });
    expect(await writer.write(0, slice(0, 100))).toEqual({ outcome: 'duplicate', seq: 0 });
    expect(await writer.write(1, slice(1, 49))).toMatchObject({ outcome: 'conflict', seq: 1 });
    expect(await writer.write(3, slice(3, 5))).toEqual({ outcome: 'gap', seq: 3, expected: 2 });
    // None of these touched the file.
    expect(fault.writes).toBe(writesBefore);
    expect(await readFile(writer.path)).toEqual(concat(slice(0, 100), slice(1, 50)));
    await writer.finish();
  });

  it('a failed write does not break the queue: the writes queued behind it still run', async () => {
    const writer = await writerWithTwoSlices();
    fault.mode = 'short';
    const failing = writer.write(2, slice(2, 120));
    const behind = writer.write(3, slice(3, 5));
    await expect(failing).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await behind).toEqual({ outcome: 'gap', seq: 3, expected: 2 });
    fault.mode = null;
    const [a, b] = await Promise.all([
      writer.write(2, slice(2, 120)),
      writer.write(3, slice(3, 5)),
    ]);
    expect([a.outcome, b.outcome]).toEqual(['appended', 'appended']);
    await writer.finish();
    expect(await readFile(writer.path)).toEqual(
      concat(slice(0, 100), slice(1, 50), slice(2, 120), slice(3, 5)),
    );
  });

  it('a failing rollback still rethrows the write error (not the truncate error)', async () => {
    const writer = await writerWithTwoSlices();
    fault.mode = 'short';
    fault.failTruncate = true;
    await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fault.truncates).toEqual([150]);
    expect(writer.nextSeq).toBe(2);
    await writer.finish();
  });

  it('writes at explicit offsets: a short write continues after it, a retry restarts at the slice', async () => {
    const writer = await writerWithTwoSlices();
    fault.mode = 'short';
    await expect(writer.write(2, slice(2, 120))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(fault.truncates).toEqual([150]);
    fault.mode = null;
    await writer.write(2, slice(2, 120));
    await writer.write(3, slice(3, 5));
    // 0 and 100: slices 0 and 1; 150 (40 written) then 190 (fails); retry at 150; slice 3 at 270.
    expect(fault.positions).toEqual([0, 100, 150, 190, 150, 270]);
    await writer.finish();
  });
});
