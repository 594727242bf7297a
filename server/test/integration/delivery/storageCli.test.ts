/**
 * Key rotation from the shell: `scripts/storage.ts rekey` (npm run storage --
 * rekey), as a real process, re-encrypts the sealed files written under the
 * previous key with the current one, leaves files that are not sealed alone,
 * and a second run has nothing left to do.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KeyRing,
  createDecryptStream,
  encryptFile,
  readHeader,
  keyIdOf,
} from '#server/storage/encryptedFile';

const run = promisify(execFile);
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

let dir: string;
const oldKey = randomBytes(32);
const newKey = randomBytes(32);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storage-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function plaintextOf(path: string, keys: KeyRing): Promise<Buffer> {
  const { stream } = await createDecryptStream(path, keys);
  return Buffer.concat((await stream.toArray()) as Buffer[]);
}

function rekey() {
  return run(process.execPath, ['--import', 'tsx', 'scripts/storage.ts', 'rekey'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      RECORDING_STORAGE_DIR: dir,
      DATA_DIR: join(dir, 'data'),
      RECORDING_ENCRYPTION_KEY: newKey.toString('base64'),
      RECORDING_ENCRYPTION_PREVIOUS_KEYS: oldKey.toString('base64'),
    },
  });
}

describe('npm run storage -- rekey', () => {
  it('moves every sealed file to the current key and leaves the rest alone', async () => {
    const recording = join(dir, 'room-a', 'rec-1');
    await mkdir(join(recording, 'hls', 'source'), { recursive: true });
    const files = {
      webm: { path: join(recording, 'recording.webm'), bytes: randomBytes(300_000) },
      segment: {
        path: join(recording, 'hls', 'source', 'seg_00000.m4s'),
        bytes: randomBytes(9000),
      },
    };
    for (const file of Object.values(files)) {
      await writeFile(`${file.path}.plain`, file.bytes);
      await encryptFile(`${file.path}.plain`, file.path, oldKey);
      await rm(`${file.path}.plain`);
    }
    // A raw slice file still being recorded: not sealed, never touched.
    const raw = join(dir, 'room-b', 'rec-2', 'recording.webm');
    await mkdir(dirname(raw), { recursive: true });
    await writeFile(raw, 'raw slices');

    const first = await rekey();
    expect(JSON.parse(first.stdout)).toEqual({ checked: 2, reencrypted: 2 });
    const onlyNew = new KeyRing(newKey);
    for (const file of Object.values(files)) {
      expect((await readHeader(file.path)).keyId.equals(keyIdOf(newKey))).toBe(true);
      expect((await plaintextOf(file.path, onlyNew)).equals(file.bytes)).toBe(true);
    }
    expect(await readFile(raw, 'utf8')).toBe('raw slices');

    const second = await rekey();
    expect(JSON.parse(second.stdout)).toEqual({ checked: 2, reencrypted: 0 });
  });
});
