/**
 * A server killed in the middle of an upload loses nothing: the store job
 * (a real job on the real queue, in a real server process on PostgreSQL) is
 * SIGKILLed while its multipart upload to the S3-compatible server (Swift) is
 * under way; the restarted server runs it again, the object in the bucket is
 * whole and matches the recording's SHA-256, and only then is the local copy
 * removed.
 */
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { openDatabase, type DatabaseHandle } from '#db/client';
import { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import { UsersRepository } from '#db/repositories/UsersRepository';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { JobQueue } from '#server/jobs/JobQueue';
import {
  s3ClientFor,
  s3StorageEnv,
  startS3Server,
  type S3Server,
} from '../../../../scripts/lib/s3Server';
import { startServerProcess, type ServerProcess } from '../../../../scripts/lib/serverProcess';

const NODE_ID = 'store-crash-node';
// Large enough that the kill lands between parts (8 MiB each).
const FILE_BYTES = 96 * 1024 * 1024;

let dir: string;
let postgres: TemporaryPostgresDatabase;
let s3: S3Server;
let client: S3Client;
let database: DatabaseHandle | undefined;
let queue: JobQueue | undefined;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-crash-'));
  postgres = await createPostgresDatabase();
  s3 = await startS3Server({ bucket: 'crash-recordings' });
  client = s3ClientFor(s3);
}, 60_000);

afterAll(async () => {
  for (const { child } of servers) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  await queue?.close();
  await database?.close();
  client?.destroy();
  await s3?.close();
  await postgres?.drop();
  await rm(dir, { recursive: true, force: true });
});

function start(): Promise<ServerProcess> {
  return startServerProcess({
    dataDir: join(dir, 'data'),
    env: {
      DATABASE_URL: postgres.url,
      NODE_ID,
      JWT_SECRET: 'a'.repeat(48),
      MEDIASOUP_NUM_WORKERS: '1',
      RECORDER_WARM_BROWSERS: '0',
      HLS_ENABLED: 'false',
      ...s3StorageEnv(s3),
      POSTPROCESS_RETRY_DELAY_SECONDS: '1',
      RECORDING_MIN_FREE_MB: '64',
    },
  }).then((server) => {
    servers.push(server);
    return server;
  });
}

describe('a store job killed mid-upload', () => {
  it('runs again after the restart and leaves a whole, verified object', async () => {
    const first = await start();
    database = await openDatabase({ databaseUrl: postgres.url, pgliteDir: join(dir, 'unused') });
    const users = new UsersRepository(database.db);
    const recordings = new RecordingsRepository(database.db);
    const owner = await users.create({
      email: 'owner@test.example',
      fullName: 'Owner',
      role: 'instructor',
      passwordHash: 'x',
    });
    // A finished recording, as finalization leaves it: the WebM on this server's disk.
    const roomId = 'crash-room';
    const row = await recordings.create({ roomId, title: 'big', startedBy: owner.id });
    const bytes = randomBytes(FILE_BYTES);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const localDir = join(dir, 'data', 'recordings', roomId, row.id);
    await mkdir(localDir, { recursive: true });
    await writeFile(join(localDir, 'recording.webm'), bytes, { mode: 0o600 });
    await recordings.transition(row.id, 'recording', { startedAt: new Date() });
    await recordings.transition(row.id, 'stopped', { stoppedAt: new Date() });
    await recordings.transition(row.id, 'processing');
    await recordings.transition(row.id, 'ready', {
      filePath: join(localDir, 'recording.webm'),
      fileSize: FILE_BYTES,
      sha256,
      completedAt: new Date(),
    });

    queue = new JobQueue({
      connection: { kind: 'postgres', url: postgres.url },
      logger: pino({ level: 'silent' }),
    });
    await queue.start();
    await queue.send(`store.${NODE_ID}`, { recordingId: row.id }, { singletonKey: row.id });

    // Killed while the multipart upload of the WebM is in flight.
    const key = `${roomId}/${row.id}/recording.webm`;
    await vi.waitFor(
      async () => {
        const uploads = await client.send(
          new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: key }),
        );
        expect(uploads.Uploads?.length ?? 0).toBeGreaterThan(0);
      },
      { timeout: 60_000, interval: 20 },
    );
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect((await recordings.findById(row.id))?.storage).toBe('local');
    await expect(stat(localDir)).resolves.toBeDefined();

    await start();
    await vi.waitFor(async () => expect((await recordings.findById(row.id))?.storage).toBe('s3'), {
      timeout: 120_000,
      interval: 200,
    });
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(stored.length).toBe(FILE_BYTES);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(sha256);
    await expect(stat(localDir)).rejects.toThrow();
  }, 240_000);
});
