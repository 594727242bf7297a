/**
 * The whole server as one object: opens the database, starts the mediasoup
 * workers, the HTTP app and the Socket.IO signalling, and closes all of it
 * in reverse order. main.ts runs one; integration tests start their own on
 * port 0.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Logger } from './logger';
import type { AppContext } from './context';
import { openDatabase, type DatabaseHandle } from '#db/client';
import { UsersRepository } from '#db/repositories/UsersRepository';
import { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import { AuditRepository } from '#db/repositories/AuditRepository';
import { RoomsRepository } from '#db/repositories/RoomsRepository';
import { SharesRepository } from '#db/repositories/SharesRepository';
import { RevokedTokensRepository } from '#db/repositories/RevokedTokensRepository';
import { Authenticator } from './auth/Authenticator';
import { RecordingAccess } from './access/RecordingAccess';
import { RoomAccessService } from './access/RoomAccessService';
import { RecordingAnnouncer } from './recording/RecordingAnnouncer';
import { roomRoutes } from './http/routes/roomRoutes';
import { auditRoutes } from './http/routes/auditRoutes';
import { userRoutes } from './http/routes/userRoutes';
import { TokenService } from './auth/tokens';
import { resolveJwtSecret } from './auth/jwtSecret';
import { seedDemoRoom, seedDemoUsers } from './auth/demoUsers';
import { createHttpApp } from './http/app';
import { webRoutes } from './http/routes/webRoutes';
import { apiDocsRoutes } from './http/routes/apiDocsRoutes';
import { persistedValue } from './utils/persistedValue';
import { webhookRoutes } from './http/routes/webhookRoutes';
import { WebhookDeliveriesRepository } from '#db/repositories/WebhookDeliveriesRepository';
import { JobQueue } from './jobs/JobQueue';
import { WebhookService } from './webhooks/WebhookService';
import { MediasoupWorkerPool } from './media/MediasoupWorkerPool';
import { RoomManager } from './media/RoomManager';
import { SignallingServer } from './signalling/SignallingServer';
import { openClusterAdapter, type ClusterAdapter } from './signalling/clusterAdapter';
import { RecordingService } from './recording/RecordingService';
import { roomDirectoryFrom } from './recording/roomManagerDirectory';
import { MaintenanceJobs } from './jobs/MaintenanceJobs';
import { IntegrityChecker } from './delivery/IntegrityChecker';
import { PostProcessor } from './delivery/PostProcessor';
import { StreamUrlSigner } from './delivery/StreamUrlSigner';
import { RecordingStorage } from './storage/RecordingStorage';
import { createObjectStore } from './storage/createObjectStore';
import { RecordingFinalizer } from './recording/RecordingFinalizer';
import { recordingDir } from './recording/recordingFiles';
import { recordingRoutes } from './http/routes/recordingRoutes';
import { adminRoutes } from './http/routes/adminRoutes';
import { adminRoomsRoutes } from './http/routes/adminRoomsRoutes';
import { SyntheticParticipants } from './media/SyntheticParticipants';
import { ChromiumBotLauncher } from '#recorder-bot/ChromiumBotLauncher';
import type { RecorderBotLauncher } from '#recorder-bot/types';
import { RecorderWorkersRepository } from '#db/repositories/RecorderWorkersRepository';
import { RecorderWorker } from '#recorder-worker/RecorderWorker';
import { RECORDER_CONTROL_NAMESPACE } from '#protocol/recorderControl';
import { RECORDER_PAGE_PATH } from '#protocol/recorderPage';
import { QueuedBotLauncher } from './recorders/QueuedBotLauncher';
import { RoomHosting } from './cluster/RoomHosting';
import { ClusterRepository } from '#db/repositories/ClusterRepository';
import { serveRecorderControl } from './recorders/RecorderControlServer';

/** How often a server tells the others it is alive (and how loaded); 3 missed: taken for gone. */
const NODE_HEARTBEAT_MS = 5_000;

/** The API's version as the OpenAPI document states it. */
const API_VERSION = '1.0.0';

export interface ClassroomServerOptions {
  config: Config;
  logger: Logger;
  /** What the embedded recorder worker launches bots with (default: Chromium; tests: a double). */
  botLauncher?: RecorderBotLauncher;
}

export class ClassroomServer {
  readonly #config: Config;
  readonly #rootLogger: Logger;
  readonly #logger: Logger;
  #database?: DatabaseHandle;
  #workers?: MediasoupWorkerPool;
  #rooms?: RoomManager;
  #http?: HttpServer;
  #signalling?: SignallingServer;
  /** The embedded worker's own launcher (Chromium, or the injected one). */
  #localLauncher?: RecorderBotLauncher;
  /** The recording service's launcher: every bot goes through the queue to some worker. */
  #launcher?: QueuedBotLauncher;
  #embeddedWorker?: RecorderWorker;
  readonly #injectedLauncher: RecorderBotLauncher | undefined;
  #recording?: RecordingService;
  #maintenance?: MaintenanceJobs;
  #postProcessor?: PostProcessor;
  #context?: AppContext;
  #url?: string;
  #closing?: Promise<void>;
  #revocationPurge?: NodeJS.Timeout;
  #jobs?: JobQueue;
  #clusterAdapter?: ClusterAdapter;
  #webhooks?: WebhookService;
  #hosting?: RoomHosting;

  constructor({ config, logger, botLauncher }: ClassroomServerOptions) {
    this.#injectedLauncher = botLauncher;
    this.#config = config;
    this.#rootLogger = logger;
    this.#logger = logger.child({ module: 'server' });
  }

  /** Base URL once started, e.g. http://127.0.0.1:3000. */
  get url(): string {
    if (!this.#url) throw new Error('server not started');
    return this.#url;
  }

  /** Scheduled maintenance (retention, integrity scrub), for an admin's or a test's pass now. */
  get maintenance(): MaintenanceJobs {
    if (!this.#maintenance) throw new Error('server not started');
    return this.#maintenance;
  }

  get context(): AppContext {
    if (!this.#context) throw new Error('server not started');
    return this.#context;
  }

  get workers(): MediasoupWorkerPool {
    if (!this.#workers) throw new Error('server not started');
    return this.#workers;
  }

  get rooms(): RoomManager {
    if (!this.#rooms) throw new Error('server not started');
    return this.#rooms;
  }

  get recording(): RecordingService {
    if (!this.#recording) throw new Error('server not started');
    return this.#recording;
  }

  /** How Socket.IO events reach the other servers: 'redis', 'postgres', or none (one server). */
  get clusterEvents(): 'redis' | 'postgres' | null {
    return this.#clusterAdapter?.kind ?? null;
  }

  /** The embedded worker's bot launcher (none with RECORDER_WORKERS=external). */
  get botLauncher(): RecorderBotLauncher | undefined {
    return this.#localLauncher;
  }

  get signalling(): SignallingServer {
    if (!this.#signalling) throw new Error('server not started');
    return this.#signalling;
  }

  /** Starts everything; on failure closes what was opened and rethrows. */
  async start(): Promise<string> {
    const config = this.#config;
    const log = this.#logger;
    try {
      const secret = resolveJwtSecret(config.auth.jwtSecret, config.dataDir);
      if (secret.source !== 'env' && config.database.url) {
        log.warn(
          'JWT_SECRET is not set: using a secret generated under DATA_DIR (set it when running several instances)',
        );
      }
      this.#database = await openDatabase({
        databaseUrl: config.database.url,
        pgliteDir: config.database.pgliteDir,
      });
      log.info({ database: this.#database.kind }, 'database ready');
      const users = new UsersRepository(this.#database.db);
      const roomRecords = new RoomsRepository(this.#database.db);
      if (config.database.seedDemoUsers) {
        const created = await seedDemoUsers(users);
        if (created > 0) log.info({ created }, 'demo users seeded (see README)');
        if (await seedDemoRoom(users, roomRecords))
          log.info('demo room "demo" seeded (see README)');
      }
      this.#workers = await MediasoupWorkerPool.create({
        numWorkers: config.mediasoup.numWorkers,
        workerBin: config.mediasoup.workerBin,
        rtcMinPort: config.mediasoup.rtcMinPort,
        rtcMaxPort: config.mediasoup.rtcMaxPort,
        logLevel: config.mediasoup.logLevel,
        logger: this.#rootLogger,
      });
      this.#rooms = new RoomManager({
        workers: this.#workers,
        transportSettings: {
          listenIp: config.mediasoup.listenIp,
          announcedIp: config.mediasoup.announcedIp,
        },
        logger: this.#rootLogger,
      });
      const tokens = new TokenService({
        secret: secret.secret,
        userTtlSeconds: config.auth.jwtExpiresInSeconds,
      });
      const recordings = new RecordingsRepository(this.#database.db);
      const shares = new SharesRepository(this.#database.db);
      const revokedTokens = new RevokedTokensRepository(this.#database.db);
      // A revocation is needed only until its token would have expired anyway.
      const purge = () =>
        void revokedTokens
          .purgeExpired()
          .catch((error: unknown) =>
            log.warn({ err: error }, 'could not purge expired revocations'),
          );
      purge();
      this.#revocationPurge = setInterval(purge, 3_600_000);
      this.#revocationPurge.unref();
      const ctx: AppContext = {
        config,
        logger: this.#rootLogger,
        database: this.#database,
        users,
        recordings,
        audit: new AuditRepository(this.#database.db),
        tokens,
        authenticator: new Authenticator({
          tokens,
          users,
          revokedTokens,
          cacheSeconds: config.auth.cacheSeconds,
        }),
        rooms: roomRecords,
        shares,
        recordingAccess: new RecordingAccess({ recordings, rooms: roomRecords, shares }),
        roomAccess: new RoomAccessService(roomRecords),
        storage: new RecordingStorage({
          storageDir: config.recording.storageDir,
          encryptionKeys: config.storage.encryptionKeys,
          objects:
            config.storage.backend === 's3' ? createObjectStore(config, this.#rootLogger) : null,
          logger: this.#rootLogger,
        }),
      };
      this.#context = ctx;
      const database = this.#database;
      const workers = this.#workers;
      const rooms = this.#rooms;
      const nodeId =
        config.nodeId ??
        persistedValue({
          dataDir: config.dataDir,
          name: 'node-id',
          generate: () => randomUUID(),
          isValid: (v) => /^[\w.-]{1,64}$/.test(v),
        }).value;
      // The durable queue: recorder bot jobs (to whichever worker has room) and webhook deliveries.
      this.#jobs = new JobQueue({
        connection: this.#database.queueConnection,
        logger: this.#rootLogger,
      });
      await this.#jobs.start();
      const recorders = config.recorders;
      const recorderWorkers = new RecorderWorkersRepository(this.#database.db);
      this.#launcher = new QueuedBotLauncher({
        queue: this.#jobs,
        serverUrl: () => config.http.publicUrl ?? this.url,
        heartbeatMs: recorders.heartbeatMs,
        lapseMs: recorders.lapseMs,
        claimTimeoutMs: recorders.claimTimeoutMs,
        maxDurationSeconds: config.recording.maxDurationSeconds,
        logger: this.#rootLogger,
      });
      await this.#launcher.start();
      if (recorders.workers === 'embedded') {
        this.#localLauncher =
          this.#injectedLauncher ??
          new ChromiumBotLauncher({
            chromiumPath: config.tools.chromiumPath,
            logger: this.#rootLogger,
            profileRoot: join(config.dataDir, 'bots'),
            warmBrowsers: recorders.warmBrowsers,
          });
        this.#embeddedWorker = new RecorderWorker({
          identity: {
            workerId: recorders.workerId ?? `embedded@${nodeId}`,
            host: hostname(),
            pid: process.pid,
          },
          nodeId,
          queue: this.#jobs,
          launcher: this.#localLauncher,
          registry: recorderWorkers,
          limits: {
            maxBots: recorders.maxPerWorker,
            minIdleCpu: recorders.minIdleCpu,
            minFreeMemoryMb: recorders.minFreeMemoryMb,
          },
          heartbeatMs: recorders.heartbeatMs,
          pollMs: recorders.pollMs,
          logger: this.#rootLogger,
        });
        // Before recover(): its launcher kills what a dead predecessor's browsers left running.
        await this.#embeddedWorker.start();
      }
      const deliveries = new WebhookDeliveriesRepository(this.#database.db);
      if (config.webhooks.urls.length > 0) {
        this.#webhooks = new WebhookService({
          urls: config.webhooks.urls,
          secret: config.webhooks.secret!,
          allowPrivate: config.webhooks.allowPrivate,
          retryDelaySeconds: config.webhooks.retryDelaySeconds,
          retryLimit: config.webhooks.retryLimit,
          queue: this.#jobs,
          recordings,
          rooms: roomRecords,
          deliveries,
          logger: this.#rootLogger,
        });
        await this.#webhooks.start();
        log.info({ receivers: config.webhooks.urls.length }, 'webhooks on');
      }
      const announcer = new RecordingAnnouncer({
        recordings,
        access: ctx.recordingAccess,
        signalling: () => this.#signalling,
        logger: this.#rootLogger,
      });
      const hosting = new RoomHosting({
        nodes: new ClusterRepository(this.#database.db),
        nodeId,
        publicUrl: () => config.http.publicUrl ?? this.url,
        load: () => {
          const stats = rooms.stats();
          return { rooms: stats.rooms, peers: stats.peers };
        },
        heartbeatMs: NODE_HEARTBEAT_MS,
        logger: this.#rootLogger,
      });
      this.#hosting = hosting;
      // An emptied room may be hosted anywhere next.
      rooms.on('roomClosed', (roomId) => hosting.release(roomId));
      const roomDirectory = roomDirectoryFrom(rooms);
      const integrity = new IntegrityChecker({
        ctx,
        announce: (id) => this.#recording?.announce(id),
      });
      this.#postProcessor = new PostProcessor({
        ctx,
        queue: this.#jobs,
        nodeId,
        integrity,
        announce: (id) => this.#recording?.announce(id),
        onProgress: (row, status, progress) =>
          this.#signalling?.emitToUsers(
            [row.startedBy],
            'recording-hls-progress',
            { recordingId: row.id, status, progress },
            { admins: true },
          ),
      });
      await this.#postProcessor.start();
      const postProcessor = this.#postProcessor;
      const finalizer = new RecordingFinalizer({
        ctx,
        queue: this.#jobs,
        nodeId,
        rooms: roomDirectory,
        recordingDir: (roomId, id) => recordingDir(config.recording.storageDir, roomId, id),
        announce: (id, event) => this.#recording?.announce(id, event),
        onReady: (row) => postProcessor.afterReady(row),
        retryLimit: config.recording.finalizeRetryLimit,
        retryDelaySeconds: config.recording.finalizeRetryDelaySeconds,
      });
      await finalizer.start();
      const recording = new RecordingService({
        ctx,
        finalizer,
        rooms: roomDirectory,
        launcher: this.#launcher,
        publicUrl: () => config.http.publicUrl ?? this.url,
        onChange: (recordingId) => announcer.announce(recordingId),
        onEvent: (type, recordingId) => this.#webhooks?.publish(type, recordingId),
        // Stable across restarts: a restarted server takes back its own recordings at once.
        nodeId,
      });
      this.#recording = recording;
      const app = createHttpApp(ctx, {
        apiRouters: [
          [
            '/users',
            userRoutes(ctx, {
              onAccountChanged: (userId) => this.#signalling?.disconnectUser(userId),
            }),
          ],
          [
            '/rooms',
            roomRoutes(ctx, {
              hosting,
              onMemberRemoved: (roomId, userId) => void this.#evict(roomId, userId),
            }),
          ],
          ['/audit', auditRoutes(ctx)],
          ['/admin', webhookRoutes(ctx, deliveries)],
          [
            '/recordings',
            recordingRoutes(ctx, recording, hosting, {
              integrity,
              postProcessor,
              signer: new StreamUrlSigner(secret.secret),
            }),
          ],
          [
            '/admin',
            adminRoutes(ctx, recording, {
              workers: recorderWorkers,
              liveWithinMs: recorders.lapseMs + recorders.heartbeatMs,
              nodeId,
            }),
          ],
          [
            '/admin',
            adminRoomsRoutes(ctx, new SyntheticParticipants({ rooms, logger: this.#rootLogger })),
          ],
        ],
        health: async () => {
          await database.ping();
          const media = await workers.check();
          return { database: database.kind, mediasoupWorkers: media.workers, ...rooms.stats() };
        },
        rootRouters: [apiDocsRoutes({ version: API_VERSION }), webRoutes()],
      });
      this.#http = createServer(app);
      // Servers sharing this database share their Socket.IO events (through Redis, or it).
      this.#clusterAdapter = await openClusterAdapter({
        redisUrl: config.redisUrl,
        databaseUrl: config.database.url,
        logger: this.#rootLogger,
      });
      // Attached before listening, so no upgrade request can arrive unanswered.
      this.#signalling = new SignallingServer({
        ...(this.#clusterAdapter ? { adapter: this.#clusterAdapter.factory } : {}),
        httpServer: this.#http,
        rooms,
        authenticator: ctx.authenticator,
        roomAccess: ctx.roomAccess,
        onRoomCreated: (roomId, userId) =>
          void ctx.audit
            .record({
              actorUserId: userId,
              action: 'room.create',
              details: { roomId, via: 'join' },
            })
            .catch((error: unknown) =>
              log.warn({ err: error, roomId }, 'could not audit a room creation'),
            ),
        logger: this.#rootLogger,
        recorderTokenValidator: (principal) => recording.isRecorderTokenValid(principal),
        activeRecordingFor: (roomId) => recording.activeRecordingFor(roomId),
        hostElsewhere: (roomId) => hosting.admit(roomId),
      });
      serveRecorderControl({
        namespace: this.#signalling.namespace(RECORDER_CONTROL_NAMESPACE),
        tokens,
        launcher: this.#launcher,
        logger: this.#rootLogger,
      });
      await new Promise<void>((resolve, reject) => {
        this.#http!.once('error', reject);
        this.#http!.listen(config.http.port, config.http.host, () => resolve());
      });
      const { port } = this.#http.address() as AddressInfo;
      const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
      this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      log.info({ url: this.#url }, 'listening');
      // In the cluster once it can be reached.
      await hosting.start();
      // The embedded worker's warm browsers load this server's recorder page.
      this.#localLauncher?.prewarm?.({
        pageUrl: `${config.http.publicUrl ?? this.#url}${RECORDER_PAGE_PATH}`,
        width: config.recording.width,
        height: config.recording.height,
      });
      await recording.recover({ includeOwn: true });
      recording.startLeases();
      // Once across every server sharing the queue (pg-boss schedules are cluster-wide).
      this.#maintenance = new MaintenanceJobs({
        queue: this.#jobs,
        logger: this.#rootLogger,
        retention: config.recording.autoDelete
          ? {
              cron: '7 * * * *',
              run: () => recording.expireOlderThan(config.recording.retentionDays),
            }
          : null,
        scrub: { cron: config.storage.scrubCron, run: () => integrity.scrub() },
      });
      await this.#maintenance.start();
      return this.#url;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Takes a user out of a live room they may no longer join (removed from
   * its members): their peers get `room-closed` and are closed.
   */
  async #evict(roomId: string, userId: string): Promise<void> {
    const room = this.#rooms?.getRoom(roomId);
    const ctx = this.#context;
    if (!room || !ctx) return;
    try {
      const account = await ctx.authenticator.currentAccount(userId);
      const still = account
        ? await ctx.roomAccess.describe({ userId, role: account.role }, roomId)
        : undefined;
      if (still?.permissions.join) return;
      for (const peer of [...room.peers.values()]) {
        if (peer.userId !== userId) continue;
        peer.notify('room-closed', { reason: 'removed-from-room' });
        peer.close();
      }
    } catch (error) {
      this.#logger.warn(
        { err: error, roomId, userId },
        'could not take a removed member out of the room',
      );
    }
  }

  /** Idempotent graceful shutdown: stop accepting, finish in-flight requests, close media and db. */
  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    clearInterval(this.#revocationPurge);
    this.#postProcessor?.close();
    // Out of the cluster first: nobody is sent here any more.
    await this.#hosting?.close();
    // Recordings first, while HTTP still accepts the bots' last slices.
    await this.#recording?.close();
    await this.#embeddedWorker?.close('server shutting down');
    await this.#launcher?.close();
    // Sockets first: open WebSockets would otherwise hold the HTTP server open.
    this.#signalling?.close();
    await this.#clusterAdapter?.close();
    const http = this.#http;
    if (http) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // In-flight requests get a grace period, then their sockets are cut.
      const timer = setTimeout(() => http.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
    }
    await this.#localLauncher?.close();
    // After the recordings: their last events are queued before the queue stops.
    await this.#webhooks?.flush();
    await this.#jobs?.close();
    this.#context?.storage.close();
    this.#rooms?.close();
    this.#workers?.close();
    await this.#database?.close();
    this.#logger.info('closed');
  }
}
