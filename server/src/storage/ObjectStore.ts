/**
 * Where finished recordings live once they leave the recording server's
 * disk: an S3-compatible bucket (`STORAGE=s3`). Keys follow
 * `{roomId}/{recordingId}/{file}`. Only the S3 backend implements this; with
 * `STORAGE=local` the files stay in the recording's directory.
 */
import type { Readable } from 'node:stream';

export interface ObjectFacts {
  size: number;
  /** The SHA-256 we stored in the object's metadata at upload, if any. */
  sha256: string | null;
  contentType: string | null;
}

export interface ObjectRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface ObjectBody {
  stream: Readable;
  /** Bytes in `stream`. */
  length: number;
  /** The whole object's size. */
  size: number;
}

export interface PresignOptions {
  expiresInSeconds: number;
  /** `Content-Disposition` the store answers with (e.g. `attachment; filename="x.webm"`). */
  contentDisposition?: string;
  contentType?: string;
}

export interface ObjectStore {
  /**
   * Uploads a local file (multipart above the part size), with its SHA-256
   * in the object's metadata and server-side encryption when configured.
   * Resolves once the store has the whole object; does not verify it.
   */
  upload(
    key: string,
    localPath: string,
    options: { contentType: string; sha256: string },
  ): Promise<void>;
  /** Size, stored SHA-256 and type of an object, or null when there is none. */
  head(key: string): Promise<ObjectFacts | null>;
  /** Reads an object (or a byte range of it). Rejects with NotFoundError when missing. */
  get(key: string, range?: ObjectRange): Promise<ObjectBody>;
  /** A time-limited GET URL a browser can follow without credentials. */
  presignGet(key: string, options: PresignOptions): Promise<string>;
  /** Keys under a prefix (all pages). */
  list(prefix: string): Promise<string[]>;
  /** Deletes every object under a prefix; resolves with how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** Releases the client's sockets. Idempotent. */
  close(): void;
}
