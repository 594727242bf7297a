/**
 * The JWT secret: JWT_SECRET if set, otherwise one generated on first start
 * and kept (0600) under DATA_DIR, so tokens survive restarts of the embedded
 * setup without any configuration.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Returns the secret and where it came from. */
export function resolveJwtSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; source: 'env' | 'generated' | 'file' } {
  if (configured) return { secret: configured, source: 'env' };
  const file = join(dataDir, 'jwt-secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return { secret: existing, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  // 'wx': never overwrite a secret another process wrote in the meantime.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return { secret: readFileSync(file, 'utf8').trim(), source: 'file' };
    }
    throw error;
  }
  return { secret, source: 'generated' };
}
