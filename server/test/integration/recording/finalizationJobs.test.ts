/**
 * Finalization is a durable job with retries: an ffmpeg that fails once
 * (a real process that exits 1) is retried and the recording ends ready; one
 * that always fails is retried RECORDING_FINALIZE_RETRY_LIMIT times, then the
 * recording fails with the reason, on the embedded database and PostgreSQL.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { recordingDetailSchema } from '#protocol/rest/recordings';
import { startTestServer, type TestServer } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { recordAndStop, statusBecomes } from '../../helpers/recordings';

let dir: string;
let clip: string;
let postgres: TemporaryPostgresDatabase;
let server: TestServer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'finalize-jobs-'));
  clip = join(dir, 'clip.webm');
  await makeTestWebm(clip, 2);
  postgres = await createPostgresDatabase();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

afterAll(async () => {
  await postgres?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** An ffmpeg that exits 1 for its first `failures` runs (counted in a file), then is ffmpeg. */
async function flakyFfmpeg(
  name: string,
  failures: number,
): Promise<{ path: string; runs: () => Promise<number> }> {
  const counter = join(dir, `${name}.runs`);
  const path = join(dir, `${name}.sh`);
  await writeFile(counter, '');
  await writeFile(
    path,
    `#!/bin/sh\necho run >> '${counter}'\nif [ "$(wc -l < '${counter}')" -le ${failures} ]; then echo 'simulated ffmpeg failure' >&2; exit 1; fi\nexec ffmpeg "$@"\n`,
  );
  await chmod(path, 0o755);
  return {
    path,
    runs: async () => (await readFile(counter, 'utf8')).split('\n').filter(Boolean).length,
  };
}

/** A recording of the clip in a class of its own, stopped: finalization is under way. */
async function stoppedRecording(t: TestServer, launcher: FakeRecorderBotLauncher): Promise<string> {
  const owner = await t.createUser('instructor');
  const roomId = await t.createRoom(owner);
  return recordAndStop(t, launcher, owner, { roomId, title: 'finalization' });
}

describe.each([
  { database: 'embedded PGlite', url: () => undefined },
  { database: 'PostgreSQL', url: () => postgres.url },
])('finalization jobs on $database', ({ database, url }) => {
  it('an ffmpeg failure is retried and the recording ends ready', async () => {
    const ffmpeg = await flakyFfmpeg(`once-${database.length}`, 1);
    const launcher = new FakeRecorderBotLauncher(clip);
    server = await startTestServer(
      {
        ...(url() ? { DATABASE_URL: url()! } : {}),
        FFMPEG_PATH: ffmpeg.path,
        RECORDING_FINALIZE_RETRY_LIMIT: '2',
        RECORDING_FINALIZE_RETRY_DELAY_SECONDS: '1',
      },
      { botLauncher: launcher },
    );
    const id = await stoppedRecording(server, launcher);
    await statusBecomes(server, id, 'ready');
    const row = (await server.server.context.recordings.findById(id))!;
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.error).toBeNull();
    // The failed attempt, then the remux and the thumbnail of the one that worked.
    expect(await ffmpeg.runs()).toBeGreaterThanOrEqual(3);
  });

  it('an ffmpeg that keeps failing is retried the configured times, then the recording fails saying why', async () => {
    const ffmpeg = await flakyFfmpeg(`always-${database.length}`, 1000);
    const launcher = new FakeRecorderBotLauncher(clip);
    server = await startTestServer(
      {
        ...(url() ? { DATABASE_URL: url()! } : {}),
        FFMPEG_PATH: ffmpeg.path,
        RECORDING_FINALIZE_RETRY_LIMIT: '1',
        RECORDING_FINALIZE_RETRY_DELAY_SECONDS: '1',
      },
      { botLauncher: launcher },
    );
    const id = await stoppedRecording(server, launcher);
    await statusBecomes(server, id, 'failed');
    const failed = (await server.server.context.recordings.findById(id))!;
    expect(failed.error).toMatch(/^finalization failed: .*simulated ffmpeg failure/s);
    // The first attempt and one retry: each ran ffmpeg once before failing.
    expect(await ffmpeg.runs()).toBe(2);
    const res = await callApi(server.url, `/recordings/${id}`, {
      token: (await server.createUser('admin')).token,
    });
    expect(recordingDetailSchema.parse(res.body).status).toBe('failed');
  });
});
