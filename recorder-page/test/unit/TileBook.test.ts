import { describe, expect, it } from 'vitest';
import { TileBook } from '../../src/TileBook';

const peer = (peerId: string, displayName = peerId, role = 'student') => ({
  peerId,
  displayName,
  role,
});

describe('TileBook', () => {
  it('has no tiles for an empty room (the waiting screen)', () => {
    const book = new TileBook();
    expect(book.tiles()).toEqual([]);
    expect(book.participantCount).toBe(0);
  });

  it('never gives the recorder a tile', () => {
    const book = new TileBook();
    expect(book.addPeer(peer('rec', 'Recorder', 'recorder'))).toBe(false);
    expect(book.tiles()).toEqual([]);
  });

  it('orders tiles by arrival, not by id, and keeps that order as people leave', () => {
    const book = new TileBook();
    book.addPeer(peer('zed', 'Zed'));
    book.addPeer(peer('amy', 'Amy'));
    book.addPeer(peer('kim', 'Kim'));
    expect(book.tiles().map((t) => t.peerId)).toEqual(['zed', 'amy', 'kim']);
    book.removePeer('amy');
    expect(book.tiles().map((t) => t.peerId)).toEqual(['zed', 'kim']);
    book.addPeer(peer('amy', 'Amy'));
    expect(book.tiles().map((t) => t.peerId)).toEqual(['zed', 'kim', 'amy']);
  });

  it('shows a placeholder until the camera arrives, and again while it is paused', () => {
    const book = new TileBook();
    book.addPeer(peer('p1', 'Ada Lovelace'));
    expect(book.tiles()).toEqual([
      expect.objectContaining({
        id: 'p1:camera',
        label: 'Ada Lovelace',
        initials: 'AL',
        videoId: null,
      }),
    ]);
    book.addVideo({ peerId: 'p1', videoId: 'c1', source: 'camera', paused: false });
    expect(book.tiles()[0]?.videoId).toBe('c1');
    expect(book.setPaused('c1', true)).toBe(true);
    expect(book.tiles()[0]?.videoId).toBeNull();
    expect(book.setPaused('c1', true)).toBe(false);
    book.setPaused('c1', false);
    expect(book.tiles()[0]?.videoId).toBe('c1');
    book.removeVideo('c1');
    expect(book.tiles()[0]?.videoId).toBeNull();
  });

  it('puts a screen share in its own tile right after its owner', () => {
    const book = new TileBook();
    book.addPeer(peer('p1', 'Ada'));
    book.addPeer(peer('p2', 'Bob'));
    book.addVideo({ peerId: 'p1', videoId: 's1', source: 'screen', paused: false });
    expect(book.tiles().map((t) => [t.id, t.label, t.videoId])).toEqual([
      ['p1:camera', 'Ada', null],
      ['p1:screen', 'Ada (screen)', 's1'],
      ['p2:camera', 'Bob', null],
    ]);
  });

  it('creates a participant for a video that arrives before its peer, renamed later', () => {
    const book = new TileBook();
    book.addVideo({ peerId: 'p9', videoId: 'v', source: 'camera', paused: false });
    expect(book.tiles()[0]?.label).toBe('p9');
    book.addPeer(peer('p9', 'Nina'));
    expect(book.tiles()[0]).toMatchObject({ label: 'Nina', videoId: 'v' });
  });

  it('returns the same array while nothing changed', () => {
    const book = new TileBook();
    book.addPeer(peer('p1'));
    const first = book.tiles();
    expect(book.tiles()).toBe(first);
    book.addPeer(peer('p1'));
    expect(book.tiles()).toBe(first);
  });

  it('forgets videos of a participant who left', () => {
    const book = new TileBook();
    book.addPeer(peer('p1'));
    book.addVideo({ peerId: 'p1', videoId: 'c1', source: 'camera', paused: false });
    book.removePeer('p1');
    expect(book.removeVideo('c1')).toBe(false);
    expect(book.setPaused('c1', true)).toBe(false);
    expect(book.tiles()).toEqual([]);
  });

  it('marks a camera whose owner has no live microphone, and only cameras', () => {
    const book = new TileBook();
    book.addPeer(peer('p1', 'Ada'));
    book.addVideo({ peerId: 'p1', videoId: 'c1', source: 'camera', paused: false });
    book.addVideo({ peerId: 'p1', videoId: 's1', source: 'screen', paused: false });
    // No microphone yet: muted.
    expect(book.tiles().map((t) => [t.kind, t.micMuted])).toEqual([
      ['camera', true],
      ['screen', false],
    ]);
    expect(book.setMicMuted('p1', false)).toBe(true);
    expect(book.tiles()[0]?.micMuted).toBe(false);
    expect(book.setMicMuted('p1', false)).toBe(false);
    expect(book.setMicMuted('nobody', true)).toBe(false);
  });
});
