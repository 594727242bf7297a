/**
 * Runs the server as `npm start` does, in a child process of its own (for
 * tests that kill it, and for suites that drive it from outside): port 0 on
 * 127.0.0.1, a given DATA_DIR, JSON logs. Resolves with its URL once it
 * listens; a server that exits first rejects with its last log lines.
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

export async function startServerProcess({
  dataDir,
  env = {},
  onErrorLine,
}: {
  dataDir: string;
  /** Extra variables (e.g. a light RECORDING_* profile). */
  env?: Record<string, string>;
  /** Called with each log line at level error or above. */
  onErrorLine?: (line: string) => void;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
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
  const url = await new Promise<string>((resolveUrl, reject) => {
    const tail: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      tail.push(line);
      if (tail.length > LINES_KEPT) tail.shift();
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; level?: number };
        if (entry.msg === 'listening' && entry.url) resolveUrl(entry.url);
        else if ((entry.level ?? 0) >= 50) onErrorLine?.(line);
      } catch {
        // Not a log line.
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the server exited (${code}) before listening: ${tail.join('\n')}`)),
    );
  });
  return { child, url };
}
