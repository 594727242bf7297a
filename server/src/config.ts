/**
 * All configuration, read once from the environment (and `.env`), validated
 * with zod, with defaults that give a working embedded setup. Nothing else in
 * the server reads `process.env`. Every variable is listed in `.env.example`.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { RECORDER_VIDEO_CODECS, type RecorderVideoCodec } from '#protocol/recorderPage';
import { parseKey } from './storage/encryptedFile';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** This server's name among several on one database (default: a random id per start). */
  NODE_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.-]{1,64}$/, '1-64 of A-Z a-z 0-9 _ . -')
      .optional(),
  ),
  /** Base URL at which the recorder bot's browser reaches this server. */
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  TRUST_PROXY: bool.default(false),

  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  SEED_DEMO_USERS: bool.optional(),
  /** With several servers: their Socket.IO events go through this Redis instead of PostgreSQL. */
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
  ),

  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  JWT_EXPIRES_IN_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 3600),

  /** How long an account's role/existence and a token's revocation are cached (seconds, ≤ 30). */
  AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).max(30).default(10),
  /** `open`: anyone may create a student account; `closed`: only admins and the users CLI. */
  REGISTRATION: z.enum(['open', 'closed']).default('open'),
  AUTH_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** Login and registration requests per client IP per window. */
  AUTH_RATE_LIMIT_PER_IP: z.coerce.number().int().positive().default(100),
  /** Failed logins per email per window. */
  AUTH_RATE_LIMIT_PER_EMAIL: z.coerce.number().int().positive().default(10),
  /** Lifetime of a playback URL (each request through it is still authorized). */
  MEDIA_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(86_400)
    .default(4 * 3600),

  MEDIASOUP_WORKER_BIN: optionalString,
  MEDIASOUP_NUM_WORKERS: z.coerce.number().int().positive().optional(),
  MEDIASOUP_LISTEN_IP: z.string().default('127.0.0.1'),
  MEDIASOUP_ANNOUNCED_IP: optionalString,
  MEDIASOUP_RTC_MIN_PORT: z.coerce.number().int().min(1024).max(65535).default(40000),
  MEDIASOUP_RTC_MAX_PORT: z.coerce.number().int().min(1024).max(65535).default(49999),
  MEDIASOUP_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),

  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  FFMPEG_PATH: z.string().default('ffmpeg'),
  FFPROBE_PATH: z.string().default('ffprobe'),

  RECORDING_STORAGE_DIR: optionalString,
  /** The finished file: `mp4` (H.264, the default) or `webm` (VP8/VP9); unset, it follows the codec. */
  RECORDING_FORMAT: z.enum(['webm', 'mp4']).optional(),
  // H.264 by default (measured against VP9 and VP8: see the README's codec comparison); vp9 with RECORDING_FORMAT=webm.
  RECORDING_VIDEO_CODEC: z.enum(RECORDER_VIDEO_CODECS).optional(),
  RECORDING_AUDIO_CODEC: z.enum(['opus']).default('opus'),
  /** Video bitrate of the composite, bits per second. */
  RECORDING_BITRATE: z.coerce.number().int().min(100_000).max(50_000_000).default(2_500_000),
  RECORDING_AUDIO_BITRATE: z.coerce.number().int().min(16_000).max(510_000).default(128_000),
  RECORDING_FPS: z.coerce.number().int().min(1).max(60).default(30),
  RECORDING_WIDTH: z.coerce.number().int().min(160).max(3840).default(1280),
  RECORDING_HEIGHT: z.coerce.number().int().min(120).max(2160).default(720),
  RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  RECORDING_AUTO_DELETE: bool.default(false),
  RECORDING_MAX_DURATION_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 3600),
  RECORDING_READY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  RECORDING_STOP_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
  /** Recordings running at once, counted over every server sharing the database. */
  RECORDING_MAX_CONCURRENT: z.coerce.number().int().positive().default(4),
  /** A ready recorder bot that sends no slice for this long is taken for hung and replaced. */
  RECORDING_STALL_TIMEOUT_MS: z.coerce.number().int().min(2_000).default(8_000),
  /** Replacement bots in a row that may fail before a recording ends (keeping what it has). */
  RECORDING_MAX_BOT_RESTARTS: z.coerce.number().int().min(0).max(20).default(3),
  /** Finalization attempts after the first (ffmpeg failing), with doubling delays, before a recording fails. */
  RECORDING_FINALIZE_RETRY_LIMIT: z.coerce.number().int().min(0).max(10).default(2),
  RECORDING_FINALIZE_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  /** How long a server vouches for the recordings it runs; it renews every third of it. */
  RECORDING_LEASE_SECONDS: z.coerce.number().int().min(3).max(3600).default(30),

  /** `embedded`: this server runs a recorder worker; `external`: only `npm run worker` processes do. */
  RECORDER_WORKERS: z.enum(['embedded', 'external']).default('embedded'),
  /** This worker's name in the workers list (default: host name and process id). */
  WORKER_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.@-]{1,200}$/, '1-200 of A-Z a-z 0-9 _ . @ -')
      .optional(),
  ),
  /** Most recorder bots one worker runs at once (default: one per core, as measured at 720p30). */
  RECORDER_MAX_PER_WORKER: z.coerce.number().int().min(1).max(64).optional(),
  /** Idle CPU (cores, smoothed over a few seconds) a worker needs to take another recording. */
  RECORDER_MIN_IDLE_CPU: z.coerce.number().min(0).max(256).default(0.25),
  /** Available memory (MB) a worker needs to take another recording. */
  RECORDER_MIN_FREE_MEMORY_MB: z.coerce.number().int().min(0).default(768),
  /** Workers report each bot this often (ms). */
  RECORDER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(10_000).default(1_000),
  /** A bot whose worker is silent this long (ms) is replaced; a worker cut off from its server this long closes the bot. */
  RECORDER_LAPSE_MS: z.coerce.number().int().min(300).max(60_000).default(3_000),
  /** A recording fails to start when no worker takes its bot within this time (ms). */
  RECORDER_CLAIM_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(15_000),
  /** How often an idle worker looks for a job (ms). */
  RECORDER_POLL_MS: z.coerce.number().int().min(100).max(10_000).default(500),
  /** Browsers each worker keeps launched with the recorder page loaded, for a fast start. */
  RECORDER_WARM_BROWSERS: z.coerce.number().int().min(0).max(8).default(1),

  /** One or more receivers (comma-separated) for signed recording events. */
  WEBHOOK_URL: optionalString,
  /** The HMAC secret receivers verify signatures with; required with WEBHOOK_URL. */
  WEBHOOK_SECRET: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  /** Allow receivers on loopback, link-local and private addresses (tests, one-machine setups). */
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Attempts after the first; with the default backoff (capped at an hour) 30 span about a day. */
  WEBHOOK_RETRY_LIMIT: z.coerce.number().int().min(0).max(100).default(30),

  /** Where finished recordings are kept: this server's disk, or an S3-compatible bucket. */
  STORAGE: z.enum(['local', 's3']).default('local'),
  AWS_REGION: optionalString,
  AWS_S3_BUCKET: optionalString,
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  /** Endpoint of an S3-compatible store (Swift, Ceph, MinIO, ...); unset for AWS itself. */
  S3_ENDPOINT: optionalString.pipe(z.url().optional()),
  /** Path-style bucket addressing (most S3-compatible stores need it). */
  S3_FORCE_PATH_STYLE: bool.default(false),
  /** Serve files through this server (with Range) instead of redirecting to a presigned URL. */
  S3_PROXY: bool.default(false),
  /** Server-side encryption requested on uploads: `AES256` (SSE-S3), `aws:kms` (SSE-KMS) or none. */
  S3_SSE: z.enum(['none', 'AES256', 'aws:kms']).default('none'),
  S3_SSE_KMS_KEY_ID: optionalString,
  /** Lifetime of a presigned URL a download or a segment redirects to (seconds). */
  S3_PRESIGN_TTL_SECONDS: z.coerce.number().int().min(10).max(604_800).default(300),

  /** 32 bytes, base64: finished files on local disk are stored encrypted (AES-256-GCM). */
  RECORDING_ENCRYPTION_KEY: optionalString,
  /** Earlier keys (comma-separated base64), still read during a rotation. */
  RECORDING_ENCRYPTION_PREVIOUS_KEYS: optionalString,

  /** Produce HLS (H.264/AAC fMP4) renditions of every finished recording. */
  HLS_ENABLED: bool.default(true),
  /** x264 preset of the HLS transcode (measured: see the README). */
  HLS_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
    .default('ultrafast'),
  HLS_SEGMENT_SECONDS: z.coerce.number().int().min(1).max(12).default(4),
  /** Height of the low-resolution rendition (0: none). */
  HLS_LOW_HEIGHT: z.coerce.number().int().min(0).max(1080).default(360),
  /** Lifetime of the signed URLs in the playlists: one viewing, pauses included (seconds). */
  HLS_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(30)
    .max(86_400)
    .default(4 * 3600),
  /** Attempts after the first of a post-processing job (HLS, upload), with doubling delays. */
  POSTPROCESS_RETRY_LIMIT: z.coerce.number().int().min(0).max(10).default(3),
  POSTPROCESS_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /** Cron of the integrity scrub (every finished file re-hashed against its SHA-256). */
  INTEGRITY_SCRUB_CRON: z.string().default('17 3 * * *'),

  /** Free disk (MB) a recording needs to start; below half of it a running one stops. */
  RECORDING_MIN_FREE_MB: z.coerce.number().int().min(0).default(1024),
  /** Storage per owner (MB, files of their recordings); a start over it answers 507. 0: none. */
  STORAGE_QUOTA_MB: z.coerce.number().int().min(0).default(0),
});

export type Env = z.infer<typeof envSchema>;

/** Names of every variable read here (a test keeps `.env.example` in step with it). */
export const configVariableNames = Object.keys(envSchema.shape) as ReadonlyArray<keyof Env>;

/** Thrown with every invalid variable named, so start-up fails in one clear message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: { port: number; host: string; publicUrl: string | undefined; trustProxy: boolean };
  dataDir: string;
  nodeId: string | undefined;
  redisUrl: string | undefined;
  database: { url: string | undefined; pgliteDir: string; seedDemoUsers: boolean };
  auth: {
    jwtSecret: string | undefined;
    jwtExpiresInSeconds: number;
    cacheSeconds: number;
    registration: 'open' | 'closed';
    rateLimit: { windowSeconds: number; perIp: number; perEmail: number };
    mediaUrlTtlSeconds: number;
  };
  mediasoup: {
    workerBin: string | undefined;
    numWorkers: number;
    listenIp: string;
    announcedIp: string | undefined;
    rtcMinPort: number;
    rtcMaxPort: number;
    logLevel: Env['MEDIASOUP_LOG_LEVEL'];
  };
  tools: { chromiumPath: string; ffmpegPath: string; ffprobePath: string };
  recording: {
    storageDir: string;
    format: 'webm' | 'mp4';
    videoCodec: RecorderVideoCodec;
    audioCodec: 'opus';
    videoBitrate: number;
    audioBitrate: number;
    fps: number;
    width: number;
    height: number;
    retentionDays: number;
    autoDelete: boolean;
    maxDurationSeconds: number;
    readyTimeoutMs: number;
    stopTimeoutMs: number;
    maxConcurrent: number;
    stallTimeoutMs: number;
    maxBotRestarts: number;
    leaseSeconds: number;
    finalizeRetryLimit: number;
    finalizeRetryDelaySeconds: number;
  };
  recorders: {
    workers: 'embedded' | 'external';
    workerId: string | undefined;
    maxPerWorker: number;
    minIdleCpu: number;
    minFreeMemoryMb: number;
    heartbeatMs: number;
    lapseMs: number;
    claimTimeoutMs: number;
    pollMs: number;
    warmBrowsers: number;
  };
  webhooks: {
    urls: string[];
    secret: string | undefined;
    allowPrivate: boolean;
    retryDelaySeconds: number;
    retryLimit: number;
  };
  storage: {
    backend: 'local' | 's3';
    /** Free disk a start needs (bytes); a running recording stops below half. */
    minFreeBytes: number;
    /** Per owner (bytes); 0: no quota. */
    quotaBytes: number;
    /** Current key first, then older ones still read; empty: no encryption at rest. */
    encryptionKeys: Buffer[];
    scrubCron: string;
  };
  s3: {
    region: string;
    bucket: string | undefined;
    accessKeyId: string | undefined;
    secretAccessKey: string | undefined;
    endpoint: string | undefined;
    forcePathStyle: boolean;
    proxy: boolean;
    sse: 'AES256' | 'aws:kms' | null;
    kmsKeyId: string | undefined;
    presignTtlSeconds: number;
  };
  hls: {
    enabled: boolean;
    preset: Env['HLS_PRESET'];
    segmentSeconds: number;
    lowHeight: number;
    urlTtlSeconds: number;
  };
  postprocess: { retryLimit: number; retryDelaySeconds: number };
}

/** Parses an environment (default: `process.env`) into a Config, or throws ConfigError. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // `PORT=` (as in a copied .env.example) means "unset": without this, number
  // coercion would turn it into 0 instead of the default.
  const set = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  const e = parsed.data;
  if (e.MEDIASOUP_RTC_MIN_PORT > e.MEDIASOUP_RTC_MAX_PORT) {
    throw new ConfigError('invalid configuration: MEDIASOUP_RTC_MIN_PORT > MEDIASOUP_RTC_MAX_PORT');
  }
  const webhookUrls = (e.WEBHOOK_URL ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const url of webhookUrls) {
    if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) {
      throw new ConfigError(`invalid configuration: WEBHOOK_URL: ${url} is not an http(s) URL`);
    }
  }
  if (webhookUrls.length > 0 && !e.WEBHOOK_SECRET) {
    throw new ConfigError('invalid configuration: WEBHOOK_SECRET is required with WEBHOOK_URL');
  }
  if (e.RECORDER_LAPSE_MS < 2 * e.RECORDER_HEARTBEAT_MS) {
    throw new ConfigError(
      'invalid configuration: RECORDER_LAPSE_MS must be at least twice RECORDER_HEARTBEAT_MS',
    );
  }
  if (e.RECORDER_WORKERS === 'external' && !e.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration: RECORDER_WORKERS=external needs DATABASE_URL (workers on other processes share the queue through PostgreSQL)',
    );
  }
  if (e.STORAGE === 's3' && !e.AWS_S3_BUCKET) {
    throw new ConfigError('invalid configuration: STORAGE=s3 needs AWS_S3_BUCKET');
  }
  const encryptionKeys: Buffer[] = [];
  for (const [name, value] of [
    ['RECORDING_ENCRYPTION_KEY', e.RECORDING_ENCRYPTION_KEY],
    ...(e.RECORDING_ENCRYPTION_PREVIOUS_KEYS ?? '')
      .split(',')
      .map((k) => ['RECORDING_ENCRYPTION_PREVIOUS_KEYS', k] as const),
  ] as const) {
    if (!value?.trim()) continue;
    try {
      encryptionKeys.push(parseKey(value));
    } catch (error) {
      throw new ConfigError(`invalid configuration: ${name}: ${(error as Error).message}`);
    }
  }
  const videoCodec = e.RECORDING_VIDEO_CODEC ?? (e.RECORDING_FORMAT === 'webm' ? 'vp9' : 'h264');
  const format = videoCodec === 'h264' ? 'mp4' : 'webm';
  if (e.RECORDING_FORMAT && e.RECORDING_FORMAT !== format) {
    // WebM holds VP8/VP9, and the recorder writes MP4 only with H.264.
    throw new ConfigError(
      `invalid configuration: RECORDING_FORMAT=${e.RECORDING_FORMAT} cannot hold RECORDING_VIDEO_CODEC=${videoCodec} (webm: vp8, vp9; mp4: h264)`,
    );
  }
  if (!e.RECORDING_ENCRYPTION_KEY && encryptionKeys.length > 0) {
    throw new ConfigError(
      'invalid configuration: RECORDING_ENCRYPTION_PREVIOUS_KEYS needs RECORDING_ENCRYPTION_KEY',
    );
  }
  const dataDir = resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: { port: e.PORT, host: e.HOST, publicUrl: e.PUBLIC_URL, trustProxy: e.TRUST_PROXY },
    dataDir,
    nodeId: e.NODE_ID,
    redisUrl: e.REDIS_URL,
    database: {
      url: e.DATABASE_URL,
      pgliteDir: resolve(dataDir, 'pglite'),
      // Demo accounts have well-known passwords: only ever in embedded mode.
      seedDemoUsers: e.DATABASE_URL ? false : (e.SEED_DEMO_USERS ?? true),
    },
    auth: {
      jwtSecret: e.JWT_SECRET,
      jwtExpiresInSeconds: e.JWT_EXPIRES_IN_SECONDS,
      cacheSeconds: e.AUTH_CACHE_SECONDS,
      registration: e.REGISTRATION,
      rateLimit: {
        windowSeconds: e.AUTH_RATE_LIMIT_WINDOW_SECONDS,
        perIp: e.AUTH_RATE_LIMIT_PER_IP,
        perEmail: e.AUTH_RATE_LIMIT_PER_EMAIL,
      },
      mediaUrlTtlSeconds: e.MEDIA_URL_TTL_SECONDS,
    },
    mediasoup: {
      workerBin: e.MEDIASOUP_WORKER_BIN,
      numWorkers: e.MEDIASOUP_NUM_WORKERS ?? Math.max(1, cpus().length),
      listenIp: e.MEDIASOUP_LISTEN_IP,
      announcedIp: e.MEDIASOUP_ANNOUNCED_IP,
      rtcMinPort: e.MEDIASOUP_RTC_MIN_PORT,
      rtcMaxPort: e.MEDIASOUP_RTC_MAX_PORT,
      logLevel: e.MEDIASOUP_LOG_LEVEL,
    },
    tools: {
      chromiumPath: e.CHROMIUM_PATH,
      ffmpegPath: e.FFMPEG_PATH,
      ffprobePath: e.FFPROBE_PATH,
    },
    recording: {
      storageDir: resolve(e.RECORDING_STORAGE_DIR ?? resolve(dataDir, 'recordings')),
      format,
      videoCodec,
      audioCodec: e.RECORDING_AUDIO_CODEC,
      videoBitrate: e.RECORDING_BITRATE,
      audioBitrate: e.RECORDING_AUDIO_BITRATE,
      fps: e.RECORDING_FPS,
      width: e.RECORDING_WIDTH,
      height: e.RECORDING_HEIGHT,
      retentionDays: e.RECORDING_RETENTION_DAYS,
      autoDelete: e.RECORDING_AUTO_DELETE,
      maxDurationSeconds: e.RECORDING_MAX_DURATION_SECONDS,
      readyTimeoutMs: e.RECORDING_READY_TIMEOUT_MS,
      stopTimeoutMs: e.RECORDING_STOP_TIMEOUT_MS,
      maxConcurrent: e.RECORDING_MAX_CONCURRENT,
      stallTimeoutMs: e.RECORDING_STALL_TIMEOUT_MS,
      maxBotRestarts: e.RECORDING_MAX_BOT_RESTARTS,
      leaseSeconds: e.RECORDING_LEASE_SECONDS,
      finalizeRetryLimit: e.RECORDING_FINALIZE_RETRY_LIMIT,
      finalizeRetryDelaySeconds: e.RECORDING_FINALIZE_RETRY_DELAY_SECONDS,
    },
    recorders: {
      workers: e.RECORDER_WORKERS,
      workerId: e.WORKER_ID,
      maxPerWorker: e.RECORDER_MAX_PER_WORKER ?? Math.max(1, cpus().length),
      minIdleCpu: e.RECORDER_MIN_IDLE_CPU,
      minFreeMemoryMb: e.RECORDER_MIN_FREE_MEMORY_MB,
      heartbeatMs: e.RECORDER_HEARTBEAT_MS,
      lapseMs: e.RECORDER_LAPSE_MS,
      claimTimeoutMs: e.RECORDER_CLAIM_TIMEOUT_MS,
      pollMs: e.RECORDER_POLL_MS,
      warmBrowsers: e.RECORDER_WARM_BROWSERS,
    },
    webhooks: {
      urls: webhookUrls,
      secret: e.WEBHOOK_SECRET,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      retryDelaySeconds: e.WEBHOOK_RETRY_DELAY_SECONDS,
      retryLimit: e.WEBHOOK_RETRY_LIMIT,
    },
    storage: {
      backend: e.STORAGE,
      minFreeBytes: e.RECORDING_MIN_FREE_MB * 1024 * 1024,
      quotaBytes: e.STORAGE_QUOTA_MB * 1024 * 1024,
      encryptionKeys,
      scrubCron: e.INTEGRITY_SCRUB_CRON,
    },
    s3: {
      region: e.AWS_REGION ?? 'us-east-1',
      bucket: e.AWS_S3_BUCKET,
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
      endpoint: e.S3_ENDPOINT,
      forcePathStyle: e.S3_FORCE_PATH_STYLE,
      proxy: e.S3_PROXY,
      sse: e.S3_SSE === 'none' ? null : e.S3_SSE,
      kmsKeyId: e.S3_SSE_KMS_KEY_ID,
      presignTtlSeconds: e.S3_PRESIGN_TTL_SECONDS,
    },
    hls: {
      enabled: e.HLS_ENABLED,
      preset: e.HLS_PRESET,
      segmentSeconds: e.HLS_SEGMENT_SECONDS,
      lowHeight: e.HLS_LOW_HEIGHT,
      urlTtlSeconds: e.HLS_URL_TTL_SECONDS,
    },
    postprocess: {
      retryLimit: e.POSTPROCESS_RETRY_LIMIT,
      retryDelaySeconds: e.POSTPROCESS_RETRY_DELAY_SECONDS,
    },
  };
}
