/**
 * Signs the URLs written into a recording's HLS playlists, so that a player
 * fetches variant playlists and segments without custom headers (native HLS
 * on Safari cannot send any). A signature covers the recording, the viewer
 * and the expiry, under a key derived from the server secret for this use
 * only: an expired or edited URL, or one signed for another recording, is
 * refused with 403.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { SignedStreamQuery } from '#protocol/rest/recordings';
import { ForbiddenError } from '../errors';

export class StreamUrlSigner {
  readonly #key: Buffer;

  constructor(secret: string | Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, '', 'classroom-recorder hls url v1', 32));
  }

  #mac(recordingId: string, userId: string, exp: number): Buffer {
    return createHmac('sha256', this.#key).update(`${recordingId}\n${userId}\n${exp}`).digest();
  }

  /** The query string (without `?`) that opens `recordingId`'s HLS files for `userId` until `expiresAt`. */
  sign(recordingId: string, userId: string, expiresAt: Date): string {
    const exp = Math.floor(expiresAt.getTime() / 1000);
    const sig = this.#mac(recordingId, userId, exp).toString('base64url');
    return new URLSearchParams({ exp: String(exp), uid: userId, sig }).toString();
  }

  /** The viewer the URL was signed for; 403 when expired, tampered with, or for another recording. */
  verify(recordingId: string, query: SignedStreamQuery, now = new Date()): { userId: string } {
    const expected = this.#mac(recordingId, query.uid, query.exp);
    const given = Buffer.from(query.sig, 'base64url');
    // Re-encoded as well: base64url's spare bits must not give one MAC several spellings.
    if (
      given.length !== expected.length ||
      !timingSafeEqual(given, expected) ||
      given.toString('base64url') !== query.sig
    ) {
      throw new ForbiddenError('invalid stream link');
    }
    if (query.exp * 1000 <= now.getTime()) throw new ForbiddenError('this stream link has expired');
    return { userId: query.uid };
  }
}

/**
 * Rewrites every URI of a playlist (segment lines and `URI="..."`
 * attributes) with `rewrite`; everything else is kept as it is.
 */
export function rewritePlaylist(text: string, rewrite: (uri: string) => string): string {
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) {
        return line.replace(/URI="([^"]+)"/g, (_, uri: string) => `URI="${rewrite(uri)}"`);
      }
      return rewrite(trimmed);
    })
    .join('\n');
}
