/**
 * Starts a real ClassroomServer for an integration test: port 0, a fresh
 * temporary DATA_DIR (embedded PGlite unless a DATABASE_URL is given), one
 * mediasoup worker, silent logs. `close()` stops it and removes the data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '#server/config';
import { createLogger } from '#server/logger';
import { ClassroomServer } from '#server/ClassroomServer';
import { hashPassword } from '#server/auth/passwords';
import type { UserRole } from '#db/schema';
import type { RecorderBotLauncher } from '#recorder-bot/types';

export interface TestServer {
  server: ClassroomServer;
  url: string;
  dataDir: string;
  /** Creates a user directly in the database and returns a login token for it. */
  createUser(role: UserRole, name?: string): Promise<TestUser>;
  /**
   * Creates a room owned by `owner` in the database, with `members` (students
   * unless their role says instructor). Returns its id.
   */
  createRoom(
    owner: { id: string },
    options?: {
      roomId?: string;
      access?: 'members' | 'open';
      members?: Array<{ id: string; role?: UserRole }>;
    },
  ): Promise<string>;
  /** The room `roomId`, created owned by `owner` if it does not exist yet. */
  ensureRoom(owner: { id: string }, roomId: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  fullName: string;
  role: UserRole;
  token: string;
}

let userCounter = 0;
let roomCounter = 0;

export async function startTestServer(
  env: Record<string, string> = {},
  { botLauncher }: { botLauncher?: RecorderBotLauncher } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'classroom-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SEED_DEMO_USERS: 'false',
    MEDIASOUP_NUM_WORKERS: '1',
    // Tests that want warm browsers say so; the others keep their CPU (and count their browsers).
    RECORDER_WARM_BROWSERS: '0',
    // Fake bots cost nothing: admission by CPU or a per-machine count is tested on its own.
    RECORDER_MAX_PER_WORKER: '16',
    RECORDER_MIN_IDLE_CPU: '0',
    // HLS costs a transcode per recording: the delivery tests turn it on.
    HLS_ENABLED: 'false',
    // Test machines' temp disks can be small; the disk-space tests set their own.
    RECORDING_MIN_FREE_MB: '64',
    ...(process.env.MEDIASOUP_WORKER_BIN
      ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN }
      : {}),
    ...env,
  });
  const server = new ClassroomServer({
    config,
    logger: createLogger(config.logLevel, { pretty: false }),
    ...(botLauncher ? { botLauncher } : {}),
  });
  const url = await server.start();
  return {
    server,
    url,
    dataDir,
    async createUser(role, name) {
      userCounter += 1;
      const password = `password-${userCounter}-${Math.random().toString(36).slice(2)}`;
      const fullName = name ?? `${role} ${userCounter}`;
      const email = `${role}-${userCounter}-${Date.now()}@test.example`;
      const row = await server.context.users.create({
        email,
        fullName,
        role,
        passwordHash: await hashPassword(password),
      });
      return {
        id: row.id,
        email: row.email,
        password,
        fullName,
        role,
        token: server.context.tokens.issueUserToken(row),
      };
    },
    async createRoom(owner, { roomId, access = 'members', members = [] } = {}) {
      roomCounter += 1;
      const id = roomId ?? `room-${roomCounter}-${Date.now().toString(36)}`;
      await server.context.rooms.create({ id, title: `Room ${id}`, ownerId: owner.id, access });
      for (const member of members) {
        await server.context.rooms.upsertMember({
          roomId: id,
          userId: member.id,
          role: member.role === 'instructor' ? 'instructor' : 'student',
          addedBy: owner.id,
        });
      }
      return id;
    },
    async ensureRoom(owner, roomId) {
      await server.context.rooms.ensure({ id: roomId, title: `Room ${roomId}`, ownerId: owner.id });
      return roomId;
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
