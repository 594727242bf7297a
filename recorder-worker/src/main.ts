/**
 * `npm run worker`: a recorder worker process on this or another machine.
 * It takes recording bot jobs from the queue in PostgreSQL (DATABASE_URL,
 * the same database as the servers), runs the bots in this machine's
 * Chromium, and reaches each recording's server at the URL its job carries.
 * SIGTERM/SIGINT: stop taking jobs and close the bots (their servers
 * replace them on other workers), then exit.
 */
import 'dotenv/config';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '#server/config';
import { createLogger } from '#server/logger';
import { openDatabase } from '#db/client';
import { RecorderWorkersRepository } from '#db/repositories/RecorderWorkersRepository';
import { JobQueue } from '#server/jobs/JobQueue';
import { ChromiumBotLauncher } from '#recorder-bot/ChromiumBotLauncher';
import { RecorderWorker } from './RecorderWorker';

function configOrExit(): Config {
  try {
    const config = loadConfig();
    if (!config.database.url) {
      throw new ConfigError(
        'a recorder worker needs DATABASE_URL: the job queue it takes recordings from lives in PostgreSQL',
      );
    }
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config.logLevel);
  const workerId = config.recorders.workerId ?? `${hostname()}-${process.pid}`;
  // The servers migrate the schema; a worker only uses it.
  const database = await openDatabase({ databaseUrl: config.database.url, migrate: false });
  const queue = new JobQueue({ connection: database.queueConnection, logger });
  const launcher = new ChromiumBotLauncher({
    chromiumPath: config.tools.chromiumPath,
    logger,
    // Its own profile root: a starting worker kills only what its predecessor of the same id left.
    profileRoot: join(config.dataDir, 'bots', workerId),
    // Warmed for the server of its first job (it learns where recordings come from).
    warmBrowsers: config.recorders.warmBrowsers,
  });
  const worker = new RecorderWorker({
    identity: { workerId, host: hostname(), pid: process.pid },
    nodeId: null,
    queue,
    launcher,
    registry: new RecorderWorkersRepository(database.db),
    limits: {
      maxBots: config.recorders.maxPerWorker,
      minIdleCpu: config.recorders.minIdleCpu,
      minFreeMemoryMb: config.recorders.minFreeMemoryMb,
    },
    heartbeatMs: config.recorders.heartbeatMs,
    pollMs: config.recorders.pollMs,
    logger,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'worker shutting down');
    worker
      .close()
      .then(() => launcher.close())
      .then(() => queue.close())
      .then(() => database.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'worker shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    await queue.start();
    await worker.start();
    logger.info({ workerId }, 'recorder worker ready');
  } catch (error) {
    logger.fatal({ err: error }, 'worker start-up failed');
    process.exit(1);
  }
}

void main();
