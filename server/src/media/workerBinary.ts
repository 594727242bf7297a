/**
 * Finds the mediasoup-worker binary. mediasoup reads MEDIASOUP_WORKER_BIN
 * once, when its module is first loaded, so this runs before mediasoup is
 * imported. The default location is the cache that
 * scripts/mediasoup-worker/build.sh fills, keyed the same way: mediasoup's
 * version plus a hash of the build recipe.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const recipeFiles = [
  'scripts/mediasoup-worker/build.sh',
  'scripts/mediasoup-worker/patch-meson.mjs',
];

/** Where build.sh puts the worker for the installed mediasoup version and this recipe. */
export function cachedWorkerBinPath(env: NodeJS.ProcessEnv = process.env): string {
  const require = createRequire(import.meta.url);
  const { version } = require('mediasoup/package.json') as { version: string };
  const hash = createHash('sha256');
  for (const file of recipeFiles) hash.update(readFileSync(join(projectRoot, file)));
  const key = hash.digest('hex').slice(0, 12);
  const cacheRoot =
    env.CLASSROOM_RECORDER_CACHE ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'classroom-recorder');
  return join(cacheRoot, 'mediasoup-worker', `${version}-${key}`, 'mediasoup-worker');
}

/** Thrown when no worker binary can be found; its message says how to build one. */
export class WorkerBinaryMissingError extends Error {
  constructor(path: string) {
    super(
      `mediasoup worker binary not found at ${path}: run \`npm run setup\` to build it (or set MEDIASOUP_WORKER_BIN)`,
    );
    this.name = 'WorkerBinaryMissingError';
  }
}

/**
 * Resolves the binary (configured path, else the cache), checks that it is
 * executable, and exports it as MEDIASOUP_WORKER_BIN for mediasoup to read.
 */
export function ensureWorkerBinary(configured: string | undefined): string {
  const path = configured ?? cachedWorkerBinPath();
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new WorkerBinaryMissingError(path);
  }
  process.env.MEDIASOUP_WORKER_BIN = path;
  return path;
}
