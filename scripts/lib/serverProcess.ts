/**
 * Runs the server as `npm start` does, or a recorder worker as `npm run
 * worker` does, in a child process of its own (for tests that kill it, and
 * for suites that drive it from outside): JSON logs, a given DATA_DIR.
 * Resolves once it says it is ready (the server with its URL: port 0 on
 * 127.0.0.1); one that exits first rejects with its last log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LINES_KEPT = 20;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
}

export type WorkerProcess = ServerProcess;

interface ProcessOptions {
  dataDir: string;
  /** Extra variables (e.g. a light RECORDING_* profile). */
  env?: Record<string, string>;
  /** Called with each log line at level error or above. */
  onErrorLine?: (line: string) => void;
}

interface LogEntry {
  msg?: string;
  url?: string;
  level?: number;
}

async function startLogged(
  entry: string,
  what: string,
  isReady: (log: LogEntry) => string | undefined,
  { dataDir, env = {}, onErrorLine }: ProcessOptions,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolveReady, reject) => {
    const tail: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      tail.push(line);
      if (tail.length > LINES_KEPT) tail.shift();
      try {
        const log = JSON.parse(line) as LogEntry;
        const ready = isReady(log);
        if (ready !== undefined) resolveReady(ready);
        else if ((log.level ?? 0) >= 50) onErrorLine?.(line);
      } catch {
        // Not a log line.
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the ${what} exited (${code}) before it was ready: ${tail.join('\n')}`)),
    );
  });
  return { child, url };
}

/** The server; resolves with its URL once it listens. */
export function startServerProcess(options: ProcessOptions): Promise<ServerProcess> {
  return startLogged(
    'server/src/main.ts',
    'server',
    (log) => (log.msg === 'listening' && log.url ? log.url : undefined),
    options,
  );
}

/** A recorder worker (needs DATABASE_URL in `env`); `url` is empty. */
export function startWorkerProcess(options: ProcessOptions): Promise<WorkerProcess> {
  return startLogged(
    'recorder-worker/src/main.ts',
    'recorder worker',
    (log) => (log.msg === 'recorder worker ready' ? '' : undefined),
    options,
  );
}
