/**
 * A value generated once and kept (0600) in a file under DATA_DIR, so it
 * survives restarts without configuration: the JWT secret, the node id.
 * Never overwrites a value another process wrote in the meantime.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function persistedValue({
  dataDir,
  name,
  generate,
  isValid,
}: {
  dataDir: string;
  name: string;
  generate: () => string;
  isValid: (value: string) => boolean;
}): { value: string; generated: boolean } {
  const file = join(dataDir, name);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (isValid(existing)) return { value: existing, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  try {
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return { value: readFileSync(file, 'utf8').trim(), generated: false };
    }
    throw error;
  }
  return { value, generated: true };
}
