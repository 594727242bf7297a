/**
 * Nothing outlives its owner: a recorder Chromium dies with the server that
 * launched it, however the server dies, and a restarted server kills what a
 * predecessor left under its profile root before recovering recordings.
 * Real processes: the server is a child process killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { browsersUnder, killOrphanBrowsers } from '#recorder-bot/orphanBrowsers';
import { sessionSchema } from '#protocol/rest/users';
import { recordingDetailSchema, startedRecordingSchema } from '#protocol/rest/recordings';
import { callApi } from '../../helpers/api';
import { startServerProcess, type ServerProcess } from '../../../../scripts/lib/serverProcess';
import { descendantsOf, isAlive } from '../../helpers/processes';

const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});

afterAll(async () => {
  for (const dir of dirs)
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** The server in a process of its own, to be SIGKILLed; a light recording profile. */
async function startServer(dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess({
    dataDir,
    env: {
      MEDIASOUP_NUM_WORKERS: '1',
      RECORDING_WIDTH: '320',
      RECORDING_HEIGHT: '240',
      RECORDING_FPS: '10',
    },
  });
  started.push(server.child);
  return server;
}

async function login(url: string, email: string, password: string): Promise<string> {
  const res = await callApi(url, '/auth/login', { method: 'POST', body: { email, password } });
  return sessionSchema.parse(res.body).token;
}

describe('orphan recorder browsers', () => {
  it('the start-up sweep kills processes under its profile root only, and clears the profiles', async () => {
    const root = await tempDir('bots-root-');
    const other = await tempDir('bots-other-');
    await mkdir(join(root, 'recorder-bot-stale'));
    const keepAlive = ['-e', 'setInterval(() => {}, 1000)'];
    const orphan = spawn(process.execPath, [
      ...keepAlive,
      '--',
      `--user-data-dir=${root}/recorder-bot-x`,
    ]);
    const bystander = spawn(process.execPath, [
      ...keepAlive,
      '--',
      `--user-data-dir=${other}/recorder-bot-y`,
    ]);
    started.push(orphan, bystander);
    await vi.waitFor(async () => expect(await browsersUnder(root)).toEqual([orphan.pid]), {
      timeout: 5_000,
      interval: 50,
    });
    const exited = once(orphan, 'exit');
    const result = await killOrphanBrowsers(root);
    expect(result).toEqual({ killed: [orphan.pid], profilesRemoved: 1 });
    await exited;
    expect(await readdir(root)).toEqual([]);
    expect(await isAlive(bystander.pid!)).toBe(true);
  });

  it('a SIGKILLed server leaves no Chromium behind, and its restart finalizes the recording', async () => {
    const dataDir = await tempDir('orphan-server-');
    const first = await startServer(dataDir);
    const token = await login(first.url, 'instructor@example.com', 'instructor-password');
    const start = await callApi(first.url, '/recordings/start', {
      method: 'POST',
      token,
      body: { roomId: 'demo', title: 'Killed mid-lecture' },
    });
    expect(start.status).toBe(201);
    const { recordingId } = startedRecordingSchema.parse(start.body);
    await vi.waitFor(
      async () => {
        const res = await callApi(first.url, `/recordings/${recordingId}`, { token });
        expect(recordingDetailSchema.parse(res.body).status).toBe('recording');
      },
      { timeout: 45_000, interval: 250 },
    );
    // The recording's browser and the warm one waiting for the next recording.
    const browsers = await browsersUnder(join(dataDir, 'bots'));
    expect(browsers.length).toBeGreaterThan(0);
    const family = await descendantsOf(first.child.pid!);
    expect(family).toEqual(expect.arrayContaining(browsers));

    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    // Every process the server started (Chromium and its children, the media worker) is gone within 5 s.
    await vi.waitFor(
      async () => {
        const alive = [];
        for (const pid of family) if (await isAlive(pid)) alive.push(pid);
        expect(alive).toEqual([]);
      },
      { timeout: 5_000, interval: 100 },
    );

    const second = await startServer(dataDir);
    const again = await login(second.url, 'instructor@example.com', 'instructor-password');
    await vi.waitFor(
      async () => {
        const res = await callApi(second.url, `/recordings/${recordingId}`, { token: again });
        const row = recordingDetailSchema.parse(res.body);
        expect(row.status).toBe('ready');
        expect(row.error).toMatch(/server restarted/);
      },
      { timeout: 30_000, interval: 250 },
    );
    // What runs under the profile root now is the second server's own (its warm browser).
    // Listed first, the family read after: a process Chromium starts in between is in both.
    const underRoot = await browsersUnder(join(dataDir, 'bots'));
    const mine = await descendantsOf(second.child.pid!);
    for (const pid of underRoot) if (await isAlive(pid)) expect(mine).toContain(pid);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  });
});
