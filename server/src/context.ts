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
import type { RoomsRepository } from '#db/repositories/RoomsRepository';
import type { SharesRepository } from '#db/repositories/SharesRepository';
import type { TokenService } from './auth/tokens';
import type { Authenticator } from './auth/Authenticator';
import type { RecordingAccess } from './access/RecordingAccess';
import type { RoomAccessService } from './access/RoomAccessService';
import type { RecordingStorage } from './storage/RecordingStorage';

export interface AppContext {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  users: UsersRepository;
  recordings: RecordingsRepository;
  audit: AuditRepository;
  tokens: TokenService;
  authenticator: Authenticator;
  rooms: RoomsRepository;
  shares: SharesRepository;
  /** The recording policy, applied (server/src/access/recordingPolicy.ts). */
  recordingAccess: RecordingAccess;
  /** The room policy, applied (server/src/access/roomPolicy.ts). */
  roomAccess: RoomAccessService;
  /** Finished files: local (sealed when encrypted) or in the bucket. */
  storage: RecordingStorage;
}
