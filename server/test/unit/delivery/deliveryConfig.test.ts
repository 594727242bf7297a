import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#server/config';
import { configError } from '../../helpers/config';

const key = () => randomBytes(32).toString('base64');

describe('loadConfig: storage backend', () => {
  it('STORAGE defaults to local', () => {
    expect(loadConfig({}).storage.backend).toBe('local');
  });

  it('STORAGE=s3 without AWS_S3_BUCKET is a ConfigError naming the bucket variable', () => {
    expect(configError({ STORAGE: 's3' }).message).toMatch(/AWS_S3_BUCKET/);
  });

  it('STORAGE=s3 with a bucket selects S3 with the default region', () => {
    const config = loadConfig({ STORAGE: 's3', AWS_S3_BUCKET: 'recordings' });
    expect(config.storage.backend).toBe('s3');
    expect(config.s3.bucket).toBe('recordings');
    expect(config.s3.region).toBe('us-east-1');
  });

  it('an unknown STORAGE is a ConfigError', () => {
    expect(configError({ STORAGE: 'ftp' }).message).toMatch(/STORAGE/);
  });
});

describe('loadConfig: encryption keys', () => {
  it('no key: no encryption at rest', () => {
    expect(loadConfig({}).storage.encryptionKeys).toEqual([]);
  });

  it('a 16-byte key is a ConfigError naming the variable, without the key value', () => {
    const short = randomBytes(16).toString('base64');
    const error = configError({ RECORDING_ENCRYPTION_KEY: short });
    expect(error.message).toMatch(/RECORDING_ENCRYPTION_KEY/);
    expect(error.message).toMatch(/32/);
    expect(error.message).not.toContain(short);
    expect(error.message).not.toContain(short.replace(/=+$/, ''));
  });

  it('a key that is not base64 is a ConfigError without the value', () => {
    const bad = `${key().slice(0, 40)}!!!!`;
    const error = configError({ RECORDING_ENCRYPTION_KEY: bad });
    expect(error.message).toMatch(/RECORDING_ENCRYPTION_KEY/);
    expect(error.message).not.toContain(bad);
  });

  it('a valid 32-byte key gives one key buffer', () => {
    const current = key();
    const { encryptionKeys } = loadConfig({ RECORDING_ENCRYPTION_KEY: current }).storage;
    expect(encryptionKeys).toHaveLength(1);
    expect(Buffer.isBuffer(encryptionKeys[0])).toBe(true);
    expect(encryptionKeys[0]!.equals(Buffer.from(current, 'base64'))).toBe(true);
  });

  it('previous keys follow the current key, in order', () => {
    const [current, k1, k2] = [key(), key(), key()];
    const { encryptionKeys } = loadConfig({
      RECORDING_ENCRYPTION_KEY: current,
      RECORDING_ENCRYPTION_PREVIOUS_KEYS: `${k1},${k2}`,
    }).storage;
    expect(encryptionKeys.map((b) => b.toString('base64'))).toEqual([current, k1, k2]);
  });

  it('spaces and empty entries in the previous keys list are ignored', () => {
    const [current, k1, k2] = [key(), key(), key()];
    const { encryptionKeys } = loadConfig({
      RECORDING_ENCRYPTION_KEY: current,
      RECORDING_ENCRYPTION_PREVIOUS_KEYS: ` ${k1} ,,${k2},`,
    }).storage;
    expect(encryptionKeys.map((b) => b.toString('base64'))).toEqual([current, k1, k2]);
  });

  it('previous keys without a current key is a ConfigError', () => {
    const error = configError({ RECORDING_ENCRYPTION_PREVIOUS_KEYS: `${key()},${key()}` });
    expect(error.message).toMatch(/RECORDING_ENCRYPTION_PREVIOUS_KEYS/);
    expect(error.message).toMatch(/RECORDING_ENCRYPTION_KEY/);
  });

  it('an invalid previous key names RECORDING_ENCRYPTION_PREVIOUS_KEYS, without the value', () => {
    const bad = randomBytes(16).toString('base64');
    const error = configError({
      RECORDING_ENCRYPTION_KEY: key(),
      RECORDING_ENCRYPTION_PREVIOUS_KEYS: `${key()},${bad}`,
    });
    expect(error.message).toMatch(/RECORDING_ENCRYPTION_PREVIOUS_KEYS/);
    expect(error.message).not.toContain(bad);
  });
});

describe('loadConfig: S3 server-side encryption', () => {
  it('defaults to none (null)', () => {
    expect(loadConfig({}).s3.sse).toBeNull();
  });

  it.each([
    ['none', null],
    ['AES256', 'AES256'],
    ['aws:kms', 'aws:kms'],
  ])('S3_SSE=%s → %j', (value, sse) => {
    expect(loadConfig({ S3_SSE: value }).s3.sse).toBe(sse);
  });

  it('an unknown S3_SSE is a ConfigError', () => {
    expect(configError({ S3_SSE: 'aes256' }).message).toMatch(/S3_SSE/);
  });
});

describe('loadConfig: disk and quota', () => {
  it('RECORDING_MIN_FREE_MB is converted to bytes (default 1024 MB)', () => {
    expect(loadConfig({ RECORDING_MIN_FREE_MB: '10' }).storage.minFreeBytes).toBe(10 * 1024 * 1024);
    expect(loadConfig({}).storage.minFreeBytes).toBe(1024 * 1024 * 1024);
    expect(loadConfig({ RECORDING_MIN_FREE_MB: '0' }).storage.minFreeBytes).toBe(0);
  });

  it('STORAGE_QUOTA_MB defaults to 0 (no quota) and is converted to bytes', () => {
    expect(loadConfig({}).storage.quotaBytes).toBe(0);
    expect(loadConfig({ STORAGE_QUOTA_MB: '5' }).storage.quotaBytes).toBe(5 * 1024 * 1024);
  });

  it('negative or fractional sizes are ConfigErrors', () => {
    expect(configError({ RECORDING_MIN_FREE_MB: '-1' }).message).toMatch(/RECORDING_MIN_FREE_MB/);
    expect(configError({ STORAGE_QUOTA_MB: '1.5' }).message).toMatch(/STORAGE_QUOTA_MB/);
  });
});

describe('loadConfig: HLS', () => {
  it('defaults: enabled, ultrafast, 4 s segments, 360p low rendition', () => {
    expect(loadConfig({}).hls).toEqual({
      enabled: true,
      preset: 'ultrafast',
      segmentSeconds: 4,
      lowHeight: 360,
      urlTtlSeconds: 4 * 3600,
    });
  });

  it('reads the HLS variables', () => {
    const { hls } = loadConfig({
      HLS_ENABLED: 'false',
      HLS_PRESET: 'veryfast',
      HLS_SEGMENT_SECONDS: '6',
      HLS_LOW_HEIGHT: '0',
    });
    expect(hls).toMatchObject({
      enabled: false,
      preset: 'veryfast',
      segmentSeconds: 6,
      lowHeight: 0,
    });
  });

  it('an unknown HLS_PRESET is a ConfigError', () => {
    expect(configError({ HLS_PRESET: 'placebo' }).message).toMatch(/HLS_PRESET/);
  });
});
