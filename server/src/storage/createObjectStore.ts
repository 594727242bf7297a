/** The bucket client from configuration (STORAGE=s3). */
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ObjectStore } from './ObjectStore';
import { S3ObjectStore } from './S3ObjectStore';

export function createObjectStore(config: Config, logger: Logger): ObjectStore {
  const { s3 } = config;
  return new S3ObjectStore({
    bucket: s3.bucket!,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    sse: s3.sse,
    kmsKeyId: s3.kmsKeyId ?? null,
    logger,
  });
}
