/**
 * Answers a GET for one stored file of a recording, wherever it is stored:
 * from this server's disk (decrypted on the fly when sealed) or proxied
 * from the bucket, with single-range `Range` support, a strong ETag and
 * `304` for `If-None-Match`; or, for a bucket without `S3_PROXY`, with a
 * `302` to a short-lived presigned URL. A file that fails authentication
 * (a sealed chunk that does not decrypt) is never sent as good: before the
 * first byte it answers 500, mid-way the connection is cut, and either way
 * `onIntegrityError` is told.
 */
import type { Request, Response } from 'express';
import type { RecordingRow } from '#db/schema';
import { NotFoundError } from '../errors';
import { IntegrityError } from '../storage/encryptedFile';
import type { RecordingStorage } from '../storage/RecordingStorage';

export interface SendStoredOptions {
  contentType: string;
  /** Strong ETag (quoted), e.g. the file's SHA-256. */
  etag?: string;
  disposition?: { type: 'inline' | 'attachment'; name: string };
  cacheControl: string;
  /** With a bucket: redirect to a presigned URL (default) or proxy through here. */
  proxy: boolean;
  presignTtlSeconds: number;
  onIntegrityError?: (error: IntegrityError) => void;
}

export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** `name` is made of safe characters by the caller (it is a title, sanitized). */
function dispositionHeader({ type, name }: { type: 'inline' | 'attachment'; name: string }) {
  return `${type}; filename="${name.replace(/[^\w.-]/g, '_')}"`;
}

export async function sendStored(
  req: Request,
  res: Response,
  storage: RecordingStorage,
  row: Pick<RecordingRow, 'id' | 'roomId' | 'storage'>,
  file: string,
  options: SendStoredOptions,
): Promise<void> {
  res.setHeader('Cache-Control', options.cacheControl);
  if (row.storage === 's3' && !options.proxy) {
    const url = await storage.presign(row, file, {
      expiresInSeconds: options.presignTtlSeconds,
      contentType: options.contentType,
      ...(options.disposition
        ? { contentDisposition: dispositionHeader(options.disposition) }
        : {}),
    });
    res.redirect(302, url);
    return;
  }
  if (options.etag) {
    res.setHeader('ETag', options.etag);
    if (ifNoneMatch(req.headers['if-none-match'], options.etag)) {
      res.status(304).end();
      return;
    }
  }
  const size = await storage.sizeOf(row, file);
  if (size === null) throw new NotFoundError('recording file is missing');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', options.contentType);
  if (options.disposition)
    res.setHeader('Content-Disposition', dispositionHeader(options.disposition));

  let range: { start: number; end: number } | undefined;
  const ifRange = req.headers['if-range'];
  const rangeApplies = !ifRange || (options.etag !== undefined && ifRange === options.etag);
  if (req.headers.range && rangeApplies && size > 0) {
    const parsed = req.range(size, { combine: true });
    if (parsed === -1) {
      res.setHeader('Content-Range', `bytes */${size}`);
      res.status(416).end();
      return;
    }
    // Malformed (-2) or several ranges: the whole file, as RFC 9110 allows.
    if (Array.isArray(parsed) && parsed.length === 1 && parsed[0]) range = parsed[0];
  }

  let body;
  try {
    body = await storage.open(row, file, range);
  } catch (error) {
    if (error instanceof IntegrityError) options.onIntegrityError?.(error);
    throw error;
  }
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
  } else {
    res.status(200);
  }
  res.setHeader('Content-Length', String(body.length));
  if (req.method === 'HEAD') {
    body.stream.destroy();
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    body.stream.once('error', (error) => {
      if (error instanceof IntegrityError) options.onIntegrityError?.(error);
      // Headers are out: the only honest answer left is a cut connection.
      res.destroy(error);
      resolve();
    });
    res.once('close', () => {
      body.stream.destroy();
      resolve();
    });
    body.stream.pipe(res);
  });
}
