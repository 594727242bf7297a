/**
 * The JWT secret: JWT_SECRET if set, otherwise one generated on first start
 * and kept (0600) under DATA_DIR, so tokens survive restarts of the embedded
 * setup without any configuration.
 */
import { randomBytes } from 'node:crypto';
import { persistedValue } from '../utils/persistedValue';

/** Returns the secret and where it came from. */
export function resolveJwtSecret(
  configured: string | undefined,
  dataDir: string,
): { secret: string; source: 'env' | 'generated' | 'file' } {
  if (configured) return { secret: configured, source: 'env' };
  const { value, generated } = persistedValue({
    dataDir,
    name: 'jwt-secret',
    generate: () => randomBytes(48).toString('base64url'),
    isValid: (v) => v.length >= 32,
  });
  return { secret: value, source: generated ? 'generated' : 'file' };
}
