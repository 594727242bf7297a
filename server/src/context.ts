/**
 * What request handlers and socket middlewares need, built once at start-up
 * by ClassroomServer and passed down (no module-level singletons).
 */
import type { Config } from './config';
import type { Logger } from './logger';
import type { DatabaseHandle } from '#db/client';
import type { UsersRepository } from '#db/repositories/UsersRepository';
import type { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import type { AuditRepository } from '#db/repositories/AuditRepository';
import type { TokenService } from './auth/tokens';

export interface AppContext {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  users: UsersRepository;
  recordings: RecordingsRepository;
  audit: AuditRepository;
  tokens: TokenService;
}
