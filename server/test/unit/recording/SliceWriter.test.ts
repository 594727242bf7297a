import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SliceWriter } from '#server/recording/SliceWriter';

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
