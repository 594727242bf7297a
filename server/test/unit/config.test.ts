import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { configVariableNames, loadConfig } from '#server/config';
import { configError } from '../helpers/config';

describe('loadConfig', () => {
  it('an empty environment gives a working embedded setup with the documented defaults', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.http).toEqual({
      port: 3000,
      host: '0.0.0.0',
      publicUrl: undefined,
      trustProxy: false,
    });
    expect(config.dataDir).toBe(resolve('./data'));
    expect(config.database).toEqual({
      url: undefined,
      pgliteDir: resolve('./data/pglite'),
      seedDemoUsers: true,
    });
    expect(config.auth).toEqual({
      jwtSecret: undefined,
      jwtExpiresInSeconds: 12 * 3600,
      cacheSeconds: 10,
      registration: 'open',
      rateLimit: { windowSeconds: 900, perIp: 100, perEmail: 10 },
      mediaUrlTtlSeconds: 4 * 3600,
    });
    expect(config.mediasoup).toMatchObject({
      workerBin: undefined,
      listenIp: '127.0.0.1',
      rtcMinPort: 40000,
      rtcMaxPort: 49999,
      logLevel: 'warn',
    });
    expect(config.mediasoup.numWorkers).toBeGreaterThanOrEqual(1);
    expect(config.recording).toMatchObject({
      storageDir: resolve('./data/recordings'),
      format: 'mp4',
      videoCodec: 'h264',
      audioCodec: 'opus',
      videoBitrate: 2_500_000,
      fps: 30,
      retentionDays: 30,
      autoDelete: false,
    });
  });

  it('DATABASE_URL selects PostgreSQL and never seeds the demo accounts', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@db:5432/classroom',
      SEED_DEMO_USERS: 'true',
    });
    expect(config.database.url).toBe('postgres://app@db:5432/classroom');
    expect(config.database.seedDemoUsers).toBe(false);
  });

  it('values are parsed: numbers, booleans, and paths relative to DATA_DIR', () => {
    const config = loadConfig({
      PORT: '8080',
      DATA_DIR: '/srv/classroom',
      RECORDING_AUTO_DELETE: 'yes',
      TRUST_PROXY: '1',
      MEDIASOUP_NUM_WORKERS: '3',
      SEED_DEMO_USERS: 'false',
    });
    expect(config.http.port).toBe(8080);
    expect(config.http.trustProxy).toBe(true);
    expect(config.database.pgliteDir).toBe('/srv/classroom/pglite');
    expect(config.database.seedDemoUsers).toBe(false);
    expect(config.recording.storageDir).toBe('/srv/classroom/recordings');
    expect(config.recording.autoDelete).toBe(true);
    expect(config.mediasoup.numWorkers).toBe(3);
  });

  it('an empty variable counts as unset (a copied .env.example keeps the defaults)', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '', MEDIASOUP_NUM_WORKERS: '' });
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.mediasoup.numWorkers).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['JWT_SECRET', 'too-short'],
    ['RECORDING_AUTO_DELETE', 'maybe'],
    ['RECORDING_VIDEO_CODEC', 'h265'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL', 'not a url'],
  ])('a bad %s (%j) throws a ConfigError naming the variable', (name, value) => {
    expect(configError({ [name]: value }).message).toContain(name);
  });

  it('every bad variable is named in one error', () => {
    const { message } = configError({ PORT: 'x', RECORDING_FPS: '0' });
    expect(message).toContain('PORT');
    expect(message).toContain('RECORDING_FPS');
  });

  it('the recording format follows the codec: MP4 for H.264 (the default), WebM for VP8/VP9', () => {
    const pick = (env: Record<string, string>) => {
      const { format, videoCodec } = loadConfig(env).recording;
      return { format, videoCodec };
    };
    expect(pick({})).toEqual({ format: 'mp4', videoCodec: 'h264' });
    expect(pick({ RECORDING_FORMAT: 'webm' })).toEqual({ format: 'webm', videoCodec: 'vp9' });
    expect(pick({ RECORDING_VIDEO_CODEC: 'vp8' })).toEqual({ format: 'webm', videoCodec: 'vp8' });
    expect(pick({ RECORDING_FORMAT: 'mp4' })).toEqual({ format: 'mp4', videoCodec: 'h264' });
    expect(pick({ RECORDING_VIDEO_CODEC: 'h264' })).toEqual({ format: 'mp4', videoCodec: 'h264' });
    expect(pick({ RECORDING_FORMAT: 'webm', RECORDING_VIDEO_CODEC: 'vp9' }).format).toBe('webm');
  });

  it.each([
    { RECORDING_FORMAT: 'webm', RECORDING_VIDEO_CODEC: 'h264' },
    { RECORDING_FORMAT: 'mp4', RECORDING_VIDEO_CODEC: 'vp9' },
  ])('a format that cannot hold the codec is rejected (%j)', (env) => {
    expect(configError(env).message).toMatch(
      /RECORDING_FORMAT=\w+ cannot hold RECORDING_VIDEO_CODEC/,
    );
  });

  it('an RTC port range with min above max is rejected', () => {
    expect(
      configError({ MEDIASOUP_RTC_MIN_PORT: '45000', MEDIASOUP_RTC_MAX_PORT: '44000' }).message,
    ).toContain('MEDIASOUP_RTC_MIN_PORT');
  });
});

describe('.env.example', () => {
  const example = parse(readFileSync(new URL('../../../.env.example', import.meta.url)));

  it('lists every configuration variable, and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual([...configVariableNames].sort());
  });

  it('its values are the defaults: copying it to .env changes nothing', () => {
    expect(loadConfig(example)).toEqual(loadConfig({}));
  });
});
