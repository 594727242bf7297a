/**
 * Storage maintenance from the shell:
 *
 *   npm run -s storage -- rekey
 *
 * Key rotation: re-encrypts every sealed file under RECORDING_STORAGE_DIR that
 * was written with one of RECORDING_ENCRYPTION_PREVIOUS_KEYS under the current
 * RECORDING_ENCRYPTION_KEY (each file through a temporary file and a rename,
 * so a server reading it meanwhile sees the old or the new one, never half).
 * Files that are not sealed (slices still being recorded) are left alone.
 * Prints `{checked, reencrypted}` as JSON; exit code 1 on any failure.
 */
import 'dotenv/config';
import { join } from 'node:path';
import { loadConfig } from '#server/config';
import { KeyRing, isEncryptedFile, reencryptFile } from '#server/storage/encryptedFile';
import { listFiles } from '#server/storage/listFiles';

async function rekey(): Promise<void> {
  const config = loadConfig();
  const [current, ...previous] = config.storage.encryptionKeys;
  if (!current) throw new Error('RECORDING_ENCRYPTION_KEY is not set: there is nothing to rekey');
  const keys = new KeyRing(current, previous);
  let checked = 0;
  let reencrypted = 0;
  const root = config.recording.storageDir;
  for (const file of await listFiles(root)) {
    // Files being written (slices, temporary copies) are not sealed; dot-files are work in progress.
    if (file.split('/').some((part) => part.startsWith('.'))) continue;
    const path = join(root, ...file.split('/'));
    if (!(await isEncryptedFile(path))) continue;
    checked += 1;
    if (await reencryptFile(path, keys)) reencrypted += 1;
  }
  process.stdout.write(`${JSON.stringify({ checked, reencrypted })}\n`);
}

const [command] = process.argv.slice(2);
if (command !== 'rekey') {
  process.stderr.write('usage: npm run -s storage -- rekey\n');
  process.exit(2);
}
rekey().catch((error: unknown) => {
  process.stderr.write(`storage: ${(error as Error).message}\n`);
  process.exit(1);
});
