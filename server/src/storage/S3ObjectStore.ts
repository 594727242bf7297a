/**
 * The ObjectStore on an S3-compatible bucket (AWS S3, or anything speaking
 * its API: the tests run it against OpenStack Swift's s3api).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BadRequestError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import type {
  ObjectBody,
  ObjectFacts,
  ObjectRange,
  ObjectStore,
  PresignOptions,
} from './ObjectStore';

/** Above this a file goes up in parts of this size. */
export const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: the uploader buffers PART_SIZE for each. */
const QUEUE_SIZE = 2;
/** The most keys one DeleteObjects request may name. */
const DELETE_BATCH = 1000;

export type ServerSideEncryption = 'AES256' | 'aws:kms';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** For S3-compatible stores; AWS S3 needs none. */
  endpoint?: string;
  /** `bucket` in the path rather than the host name (most S3-compatible stores). */
  forcePathStyle?: boolean;
  /** Without them the SDK's default chain (environment, instance role, …) applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sse?: ServerSideEncryption | null;
  /** With `sse: 'aws:kms'`; without one the bucket's default KMS key applies. */
  kmsKeyId?: string | null;
  logger?: Logger;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || httpStatus(error) === 404;
}

/** `bytes 0-9/100` → 100. */
function sizeFromContentRange(contentRange: string | undefined): number | undefined {
  const total = /\/(\d+)$/.exec(contentRange ?? '')?.[1];
  return total === undefined ? undefined : Number(total);
}

export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #encryption: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'>;
  readonly #logger: Logger | undefined;
  #closed = false;

  constructor({
    bucket,
    region,
    endpoint,
    forcePathStyle,
    accessKeyId,
    secretAccessKey,
    sse = null,
    kmsKeyId = null,
    logger,
  }: S3ObjectStoreOptions) {
    if (kmsKeyId && sse !== 'aws:kms') {
      throw new Error(`a KMS key id needs sse 'aws:kms' (sse is ${String(sse)})`);
    }
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw new Error('give both accessKeyId and secretAccessKey, or neither');
    }
    this.#bucket = bucket;
    this.#logger = logger?.child({ module: 's3-store', bucket });
    this.#encryption = {
      ...(sse ? { ServerSideEncryption: sse } : {}),
      ...(sse === 'aws:kms' && kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
    };
    this.#client = new S3Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: forcePathStyle ?? false,
      ...(accessKeyId !== undefined && secretAccessKey !== undefined
        ? { credentials: { accessKeyId, secretAccessKey } }
        : {}),
      // Since 3.729 the SDK adds CRC32 checksums to every upload by default,
      // which S3-compatible stores often reject (or, with aws-chunked
      // trailers, cannot parse); only operations that demand one get it.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /**
   * `signal` (beyond the interface) stops an upload midway, as a killed job
   * would; the unfinished multipart upload is aborted, and a later call
   * starts over.
   */
  async upload(
    key: string,
    localPath: string,
    options: { contentType: string; sha256: string; signal?: AbortSignal },
  ): Promise<void> {
    const { contentType, sha256, signal } = options;
    signal?.throwIfAborted();
    const { size } = await stat(localPath);
    const body = createReadStream(localPath);
    const upload = new Upload({
      client: this.#client,
      params: {
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        // Known up front, so that a short read fails instead of storing a
        // truncated object.
        ContentLength: size,
        ContentType: contentType,
        Metadata: { sha256 },
        ...this.#encryption,
      },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const onAbort = (): void => void upload.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
      this.#logger?.debug({ key, size }, 'uploaded');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      body.destroy();
    }
  }

  async head(key: string): Promise<ObjectFacts | null> {
    try {
      const facts = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      return {
        size: facts.ContentLength ?? 0,
        sha256: facts.Metadata?.sha256 ?? null,
        contentType: facts.ContentType ?? null,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async get(key: string, range?: ObjectRange): Promise<ObjectBody> {
    if (range && !(range.start >= 0 && range.end >= range.start)) {
      throw new BadRequestError(`bad byte range ${range.start}-${range.end}`);
    }
    let object;
    try {
      object = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError('object not found');
      if (httpStatus(error) === 416) throw new BadRequestError('range not satisfiable');
      throw error;
    }
    const length = object.ContentLength ?? 0;
    return {
      // In Node the SDK's body is the response's IncomingMessage.
      stream: object.Body as Readable,
      length,
      size: sizeFromContentRange(object.ContentRange) ?? length,
    };
  }

  presignGet(key: string, options: PresignOptions): Promise<string> {
    const { expiresInSeconds, contentDisposition, contentType } = options;
    return getSignedUrl(
      this.#client,
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        ...(contentDisposition ? { ResponseContentDisposition: contentDisposition } : {}),
        ...(contentType ? { ResponseContentType: contentType } : {}),
      }),
      { expiresIn: expiresInSeconds },
    );
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.#pages(prefix)) keys.push(...page);
    return keys;
  }

  async deletePrefix(prefix: string): Promise<number> {
    // An empty prefix is the whole bucket: never what a caller means.
    if (prefix === '') throw new BadRequestError('refusing to delete every object in the bucket');
    let deleted = 0;
    // Page by page: a listing continues from the last key it returned, so
    // deleting the keys already listed does not disturb it.
    for await (const page of this.#pages(prefix)) {
      for (let i = 0; i < page.length; i += DELETE_BATCH) {
        deleted += await this.#deleteBatch(page.slice(i, i + DELETE_BATCH));
      }
    }
    this.#logger?.debug({ prefix, deleted }, 'deleted prefix');
    return deleted;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.destroy();
  }

  async *#pages(prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      if (keys.length > 0) yield keys;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async #deleteBatch(keys: string[]): Promise<number> {
    const command = new DeleteObjectsCommand({
      Bucket: this.#bucket,
      Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
    });
    // DeleteObjects must carry a body checksum. The SDK sends a CRC32 one;
    // Swift's s3api (like other S3-compatible stores) accepts only
    // Content-MD5, which S3 accepts too.
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string>; body?: unknown };
        if (request.headers && typeof request.body === 'string') {
          request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
        }
        return next(args);
      },
      { step: 'build', name: 'contentMd5ForDeleteObjects' },
    );
    const { Errors = [] } = await this.#client.send(command);
    if (Errors.length > 0) {
      const [first] = Errors;
      this.#logger?.warn({ failed: Errors.length, first }, 'some objects were not deleted');
      throw new Error(
        `${Errors.length} of ${keys.length} objects were not deleted (first: ${first?.Key}: ${first?.Code} ${first?.Message})`,
      );
    }
    return keys.length;
  }
}
