/** Process entry point: config from env, one ClassroomServer, graceful shutdown on signals. */
import 'dotenv/config';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { ClassroomServer } from './ClassroomServer';
import { WorkerBinaryMissingError } from './media/workerBinary';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const server = new ClassroomServer({ config, logger });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    await server.start();
  } catch (error) {
    if (error instanceof WorkerBinaryMissingError) {
      // One clear line, no stack: the fix is a command.
      process.stderr.write(`${error.message}\n`);
    } else {
      logger.fatal({ err: error }, 'start-up failed');
    }
    process.exit(1);
  }
}

void main();
