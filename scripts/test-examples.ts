/**
 * Runs the example Playwright suite (examples/playwright) the way another
 * team would: against a real server in its own process, here started on a
 * fresh embedded database (whose demo admin creates the suite's users),
 * then checks that every test's report holds a playable `video/mp4` or `video/webm`
 * attachment (ffprobe: a video stream, a duration). Usage: npm run test:examples
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassroomApi } from '../playwright/ClassroomApi';
import { startServerProcess } from './lib/serverProcess';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function log(message: string): void {
  process.stderr.write(`[examples] ${message}\n`);
}

interface JsonReport {
  suites: Suite[];
}
interface Suite {
  suites?: Suite[];
  specs?: Array<{
    title: string;
    tests: Array<{
      results: Array<{
        status: string;
        attachments: Array<{ name: string; contentType: string; path?: string; body?: string }>;
      }>;
    }>;
  }>;
}

function specsOf(suite: Suite): NonNullable<Suite['specs']> {
  return [...(suite.specs ?? []), ...(suite.suites ?? []).flatMap(specsOf)];
}

function probe(path: string): { video: boolean; durationSeconds: number } {
  const out = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', path],
    {
      encoding: 'utf8',
    },
  );
  if (out.status !== 0) throw new Error(`ffprobe failed on ${path}: ${out.stderr}`);
  const facts = JSON.parse(out.stdout) as {
    format: { duration?: string };
    streams: Array<{ codec_type: string }>;
  };
  return {
    video: facts.streams.some((s) => s.codec_type === 'video'),
    durationSeconds: Number(facts.format.duration ?? 0),
  };
}

async function main(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'classroom-examples-'));
  const reportFile = join(dataDir, 'report.json');
  let server: ChildProcess | undefined;
  try {
    const started = await startServerProcess({
      dataDir: join(dataDir, 'data'),
      // Two participant browsers and the bot share the machine: a light recording profile.
      env: { RECORDING_WIDTH: '640', RECORDING_HEIGHT: '360', RECORDING_FPS: '15' },
      onErrorLine: (line) => log(`server: ${line}`),
    });
    server = started.child;
    log(`server at ${started.url}`);
    const suite = spawn(
      'npx',
      [
        'playwright',
        'test',
        '-c',
        'examples/playwright/playwright.config.ts',
        '--reporter=list,json',
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          CLASSROOM_URL: started.url,
          // The embedded database's demo admin (see README): only ever on a throwaway server.
          CLASSROOM_ADMIN_EMAIL: 'admin@example.com',
          CLASSROOM_ADMIN_PASSWORD: 'admin-password',
          PLAYWRIGHT_JSON_OUTPUT_NAME: reportFile,
        },
      },
    );
    const [code] = (await once(suite, 'exit')) as [number | null];
    if (code !== 0) {
      log(`the example suite failed (exit ${code})`);
      return 1;
    }
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as JsonReport;
    const specs = report.suites.flatMap(specsOf);
    let problems = 0;
    for (const spec of specs) {
      const videos = spec.tests
        .flatMap((t) => t.results.flatMap((r) => r.attachments))
        .filter((a) => ['video/mp4', 'video/webm'].includes(a.contentType) && a.path);
      if (videos.length === 0) {
        const all = spec.tests.flatMap((t) => t.results.flatMap((r) => r.attachments));
        log(
          `"${spec.title}": no video/mp4 or video/webm attachment in the report (has: ${all.map((a) => `${a.name} ${a.contentType}`).join(', ') || 'none'})`,
        );
        problems += 1;
        continue;
      }
      for (const [index, video] of videos.entries()) {
        // The JSON report inlines attachments given as bodies (base64); those with a path are files.
        let path = video.path;
        if (!path) {
          path = join(dataDir, `attachment-${index}.video`);
          await writeFile(path, Buffer.from(video.body!, 'base64'));
        }
        const facts = probe(path);
        const ok = facts.video && facts.durationSeconds > 1;
        log(
          `"${spec.title}": ${video.name} ${ok ? 'plays' : 'is not playable'} (${facts.durationSeconds.toFixed(1)} s)`,
        );
        if (!ok) problems += 1;
      }
    }
    // The fixture stopped every recording it started, the failing test's included.
    const api = new ClassroomApi(started.url);
    const { token } = await api.login('admin@example.com', 'admin-password');
    const running = await api.recorderBots(token);
    if (running.length > 0) {
      log(`${running.length} recorder bot(s) still running after the suite`);
      problems += 1;
    }
    log(`${specs.length - problems} passed, ${problems} failed`);
    return problems === 0 && specs.length > 0 ? 0 : 1;
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
