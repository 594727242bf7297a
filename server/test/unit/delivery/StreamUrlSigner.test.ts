import { describe, expect, it } from 'vitest';
import { signedStreamQuery, type SignedStreamQuery } from '#protocol/rest/recordings';
import { StreamUrlSigner, rewritePlaylist } from '#server/delivery/StreamUrlSigner';
import { ForbiddenError } from '#server/errors';

const SECRET = 'a-server-secret-that-is-long-enough-0123456789';
const RECORDING = '3f1c2a6e-8b4d-4c7a-9e21-5d0f6b7a8c90';
const OTHER_RECORDING = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const USER = '0d6f4a2e-1b3c-4d5e-8f70-a1b2c3d4e5f6';
const OTHER_USER = 'c4b3a291-8f7e-4d6c-9b5a-4e3d2c1b0a9f';

const EXPIRES = new Date('2030-01-01T12:00:00.000Z');
const BEFORE = new Date('2030-01-01T11:59:59.000Z');

/** The signed query string, parsed through the REST schema as the route does. */
function parse(query: string): SignedStreamQuery {
  return signedStreamQuery.parse(Object.fromEntries(new URLSearchParams(query)));
}

function forbidden(fn: () => unknown): ForbiddenError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ForbiddenError);
    return error as ForbiddenError;
  }
  throw new Error('expected a ForbiddenError');
}

/** Replaces the character at `index` by another base64url character. */
function flipChar(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('StreamUrlSigner', () => {
  const signer = new StreamUrlSigner(SECRET);

  it('signs exp, uid and sig, and the query verifies for the same recording', () => {
    const query = signer.sign(RECORDING, USER, EXPIRES);
    const params = new URLSearchParams(query);
    expect([...params.keys()].sort()).toEqual(['exp', 'sig', 'uid']);
    expect(params.get('exp')).toBe(String(EXPIRES.getTime() / 1000));
    expect(params.get('uid')).toBe(USER);
    expect(params.get('sig')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signer.verify(RECORDING, parse(query), BEFORE)).toEqual({ userId: USER });
  });

  it('accepts a Buffer secret equal to the string secret', () => {
    const fromBuffer = new StreamUrlSigner(Buffer.from(SECRET));
    expect(fromBuffer.sign(RECORDING, USER, EXPIRES)).toBe(signer.sign(RECORDING, USER, EXPIRES));
  });

  it('the signature is stable for the same inputs and differs when any input changes', () => {
    const a = signer.sign(RECORDING, USER, EXPIRES);
    expect(signer.sign(RECORDING, USER, EXPIRES)).toBe(a);
    expect(new StreamUrlSigner(SECRET).sign(RECORDING, USER, EXPIRES)).toBe(a);
    const sig = (q: string) => new URLSearchParams(q).get('sig');
    expect(sig(signer.sign(OTHER_RECORDING, USER, EXPIRES))).not.toBe(sig(a));
    expect(sig(signer.sign(RECORDING, OTHER_USER, EXPIRES))).not.toBe(sig(a));
    expect(sig(signer.sign(RECORDING, USER, new Date(EXPIRES.getTime() + 1000)))).not.toBe(sig(a));
  });

  it('truncates the expiry to whole seconds', () => {
    const withMs = signer.sign(RECORDING, USER, new Date(EXPIRES.getTime() + 999));
    expect(withMs).toBe(signer.sign(RECORDING, USER, EXPIRES));
  });

  it('refuses an expired link (at and after exp), and accepts it one second before', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    expect(signer.verify(RECORDING, query, BEFORE).userId).toBe(USER);
    expect(forbidden(() => signer.verify(RECORDING, query, EXPIRES)).message).toMatch(/expired/);
    const later = new Date(EXPIRES.getTime() + 60_000);
    const error = forbidden(() => signer.verify(RECORDING, query, later));
    expect(error.status).toBe(403);
    expect(error.code).toBe('forbidden');
  });

  it('refuses a link whose exp was changed (even to an earlier time)', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    const early = new Date('2029-06-01T00:00:00.000Z');
    for (const exp of [query.exp + 3600, query.exp + 1, query.exp - 1]) {
      const error = forbidden(() => signer.verify(RECORDING, { ...query, exp }, early));
      expect(error.message).toMatch(/invalid/);
    }
  });

  it('refuses a link whose uid was changed', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    forbidden(() => signer.verify(RECORDING, { ...query, uid: OTHER_USER }, BEFORE));
  });

  it('refuses a sig changed by one character', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    // Positions 0..41 carry 6 signature bits each (the 43rd only 2 + padding bits).
    for (const index of [0, 1, 20, 41]) {
      const sig = flipChar(query.sig, index);
      expect(sig).not.toBe(query.sig);
      expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
      forbidden(() => signer.verify(RECORDING, { ...query, sig }, BEFORE));
    }
  });

  it('refuses a sig of the wrong length', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    forbidden(() => signer.verify(RECORDING, { ...query, sig: query.sig.slice(0, 40) }, BEFORE));
    forbidden(() => signer.verify(RECORDING, { ...query, sig: '' }, BEFORE));
  });

  it('refuses a link signed for another recording', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    forbidden(() => signer.verify(OTHER_RECORDING, query, BEFORE));
  });

  it('refuses a link signed under a different secret, both ways', () => {
    const other = new StreamUrlSigner(`${SECRET}-rotated`);
    forbidden(() => other.verify(RECORDING, parse(signer.sign(RECORDING, USER, EXPIRES)), BEFORE));
    forbidden(() => signer.verify(RECORDING, parse(other.sign(RECORDING, USER, EXPIRES)), BEFORE));
  });

  it('checks the signature before the expiry (a forged link never reads as merely expired)', () => {
    const query = parse(signer.sign(RECORDING, USER, EXPIRES));
    const after = new Date(EXPIRES.getTime() + 1000);
    const error = forbidden(() => signer.verify(RECORDING, { ...query, uid: OTHER_USER }, after));
    expect(error.message).not.toMatch(/expired/);
  });
});

describe('signedStreamQuery', () => {
  const signer = new StreamUrlSigner(SECRET);
  const valid = Object.fromEntries(new URLSearchParams(signer.sign(RECORDING, USER, EXPIRES)));

  it('accepts the signer output and coerces exp to a number', () => {
    const parsed = signedStreamQuery.parse(valid);
    expect(parsed.exp).toBe(EXPIRES.getTime() / 1000);
    expect(typeof parsed.exp).toBe('number');
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(44)],
    ['standard base64 characters', `${'a'.repeat(41)}+/`],
    ['padding', `${'a'.repeat(42)}=`],
    ['empty', ''],
  ])('rejects a malformed sig (%s)', (_, sig) => {
    const result = signedStreamQuery.safeParse({ ...valid, sig });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['sig']);
  });

  it.each(['not-a-uuid', '12345', `${USER}x`, ''])('rejects a non-uuid uid %j', (uid) => {
    const result = signedStreamQuery.safeParse({ ...valid, uid });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['uid']);
  });

  it.each(['0', '-5', '1.5', 'soon'])('rejects exp %j', (exp) => {
    expect(signedStreamQuery.safeParse({ ...valid, exp }).success).toBe(false);
  });
});

const VOD_PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:4.000000,',
  'seg_00000.m4s',
  '#EXTINF:4.000000,',
  'seg_00001.m4s',
  '',
  '# a comment line, kept as it is',
  '#EXTINF:1.466667,',
  'seg_00002.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=2400000,AVERAGE-BANDWIDTH=1800000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2"',
  'source/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=500000,RESOLUTION=640x360,FRAME-RATE=30.000,CODECS="avc1.64001e,mp4a.40.2"',
  '360p/index.m3u8',
  '',
].join('\n');

describe('rewritePlaylist', () => {
  const sign = (uri: string) => `${uri}?exp=1&uid=u&sig=s`;

  it('rewrites the segment lines and the EXT-X-MAP URI of a VOD playlist, nothing else', () => {
    const seen: string[] = [];
    const out = rewritePlaylist(VOD_PLAYLIST, (uri) => {
      seen.push(uri);
      return sign(uri);
    });
    expect(seen).toEqual(['init.mp4', 'seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s']);
    expect(out).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:4',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="init.mp4?exp=1&uid=u&sig=s"',
        '#EXTINF:4.000000,',
        'seg_00000.m4s?exp=1&uid=u&sig=s',
        '#EXTINF:4.000000,',
        'seg_00001.m4s?exp=1&uid=u&sig=s',
        '',
        '# a comment line, kept as it is',
        '#EXTINF:1.466667,',
        'seg_00002.m4s?exp=1&uid=u&sig=s',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('rewrites the variant URIs of a master playlist and keeps the quoted CODECS', () => {
    const out = rewritePlaylist(MASTER, sign);
    const lines = out.split('\n');
    expect(lines[4]).toBe('source/index.m3u8?exp=1&uid=u&sig=s');
    expect(lines[6]).toBe('360p/index.m3u8?exp=1&uid=u&sig=s');
    // Every tag line is unchanged (CODECS="..." is not a URI attribute).
    const tags = (text: string) => text.split('\n').filter((l) => l.startsWith('#'));
    expect(tags(out)).toEqual(tags(MASTER));
    expect(lines).toHaveLength(MASTER.split('\n').length);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('rewrites every URI attribute of a tag line (e.g. media and key tags)', () => {
    const text =
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="audio/index.m3u8"\n' +
      '#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x1\n';
    expect(rewritePlaylist(text, (uri) => `/x/${uri}`)).toBe(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="en",URI="/x/audio/index.m3u8"\n' +
        '#EXT-X-KEY:METHOD=AES-128,URI="/x/key.bin",IV=0x1\n',
    );
  });

  it('is the identity with an identity rewrite', () => {
    expect(rewritePlaylist(VOD_PLAYLIST, (uri) => uri)).toBe(VOD_PLAYLIST);
    expect(rewritePlaylist(MASTER, (uri) => uri)).toBe(MASTER);
  });

  it('produces links the signer verifies', () => {
    const signer = new StreamUrlSigner(SECRET);
    const query = signer.sign(RECORDING, USER, EXPIRES);
    const out = rewritePlaylist(VOD_PLAYLIST, (uri) => `${uri}?${query}`);
    const segment = out.split('\n').find((l) => l.startsWith('seg_00001.m4s?'));
    expect(segment).toBeDefined();
    const parsed = parse(segment!.slice(segment!.indexOf('?') + 1));
    expect(signer.verify(RECORDING, parsed, BEFORE)).toEqual({ userId: USER });
  });
});
