/**
 * The whole server as one object: opens the database, starts the mediasoup
 * workers, the HTTP app and the Socket.IO signalling, and closes all of it
 * in reverse order. main.ts runs one; integration tests start their own on
 * port 0.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Logger } from './logger';
import type { AppContext } from './context';
import { openDatabase, type DatabaseHandle } from '#db/client';
import { UsersRepository } from '#db/repositories/UsersRepository';
import { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import { AuditRepository } from '#db/repositories/AuditRepository';
import { TokenService } from './auth/tokens';
import { resolveJwtSecret } from './auth/jwtSecret';
import { seedDemoUsers } from './auth/demoUsers';
import { createHttpApp } from './http/app';
import { webRoutes } from './http/routes/webRoutes';
import { MediasoupWorkerPool } from './media/MediasoupWorkerPool';

export interface ClassroomServerOptions {
  config: Config;
  logger: Logger;
}

export class ClassroomServer {
  readonly #config: Config;
  readonly #rootLogger: Logger;
  readonly #logger: Logger;
  #database?: DatabaseHandle;
  #workers?: MediasoupWorkerPool;
  #http?: HttpServer;
  #context?: AppContext;
  #url?: string;
  #closing?: Promise<void>;

  constructor({ config, logger }: ClassroomServerOptions) {
    this.#config = config;
    this.#rootLogger = logger;
    this.#logger = logger.child({ module: 'server' });
  }

  /** Base URL once started, e.g. http://127.0.0.1:3000. */
  get url(): string {
    if (!this.#url) throw new Error('server not started');
    return this.#url;
  }

  get context(): AppContext {
    if (!this.#context) throw new Error('server not started');
    return this.#context;
  }

  get workers(): MediasoupWorkerPool {
    if (!this.#workers) throw new Error('server not started');
    return this.#workers;
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
      if (config.database.seedDemoUsers) {
        const created = await seedDemoUsers(users);
        if (created > 0) log.info({ created }, 'demo users seeded (see README)');
      }
      this.#workers = await MediasoupWorkerPool.create({
        numWorkers: config.mediasoup.numWorkers,
        workerBin: config.mediasoup.workerBin,
        rtcMinPort: config.mediasoup.rtcMinPort,
        rtcMaxPort: config.mediasoup.rtcMaxPort,
        logLevel: config.mediasoup.logLevel,
        logger: this.#rootLogger,
      });
      const ctx: AppContext = {
        config,
        logger: this.#rootLogger,
        database: this.#database,
        users,
        recordings: new RecordingsRepository(this.#database.db),
        audit: new AuditRepository(this.#database.db),
        tokens: new TokenService({
          secret: secret.secret,
          userTtlSeconds: config.auth.jwtExpiresInSeconds,
        }),
      };
      this.#context = ctx;
      const database = this.#database;
      const workers = this.#workers;
      const app = createHttpApp(ctx, {
        health: async () => {
          await database.ping();
          const media = await workers.check();
          return { database: database.kind, mediasoupWorkers: media.workers };
        },
        rootRouters: [webRoutes()],
      });
      this.#http = createServer(app);
      await new Promise<void>((resolve, reject) => {
        this.#http!.once('error', reject);
        this.#http!.listen(config.http.port, config.http.host, () => resolve());
      });
      const { port } = this.#http.address() as AddressInfo;
      const host = ['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
      this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      log.info({ url: this.#url }, 'listening');
      return this.#url;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Idempotent graceful shutdown: stop accepting, finish in-flight requests, close media and db. */
  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    const http = this.#http;
    if (http) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // In-flight requests get a grace period, then their sockets are cut.
      const timer = setTimeout(() => http.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
    }
    this.#workers?.close();
    await this.#database?.close();
    this.#logger.info('closed');
  }
}
