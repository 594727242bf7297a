/**
 * Who is on screen and in which order: the participants of the room (never
 * the recorder itself), each with a camera tile, plus a tile per screen
 * share. Pure logic, fed by room events; the compositor receives the result
 * as a list of {@link TileSpec}.
 *
 * Order is deterministic: by the order in which the recorder first learned of
 * each participant (the server lists present peers in join order; later ones
 * arrive by `peer-joined`), ties broken by peerId; a participant's screen
 * share sits right after their camera tile.
 */
import { initialsOf, placeholderColor } from './layout';

/** One tile as the compositor draws it. */
export interface TileSpec {
  /** `${peerId}:camera` or `${peerId}:screen`. */
  id: string;
  peerId: string;
  label: string;
  initials: string;
  /** Placeholder background. */
  color: string;
  /** Id of the video to draw (the consumer id), or null for the placeholder. */
  videoId: string | null;
  kind: 'camera' | 'screen';
  /** The participant's microphone is off (paused, or none at all): a mark on the camera's label. */
  micMuted: boolean;
}

export interface TilePeer {
  peerId: string;
  displayName: string;
  role: string;
}

export interface TileVideo {
  peerId: string;
  /** Consumer id: unique per remote track. */
  videoId: string;
  /** 'screen' gets its own tile; anything else is the camera. */
  source: string;
  paused: boolean;
}

interface PeerEntry {
  peerId: string;
  displayName: string;
  order: number;
  micMuted: boolean;
  /** Videos by id, in arrival order. */
  videos: Map<string, { source: string; paused: boolean }>;
}

/** The participants and their videos, turned into an ordered tile list. */
export class TileBook {
  readonly #peers = new Map<string, PeerEntry>();
  readonly #videoOwner = new Map<string, string>();
  #nextOrder = 0;
  #tiles: TileSpec[] = [];
  #dirty = false;

  /** Number of participants (peers other than recorders). */
  get participantCount(): number {
    return this.#peers.size;
  }

  /** Adds or renames a participant; recorder peers are ignored. Returns true if tiles changed. */
  addPeer({ peerId, displayName, role }: TilePeer): boolean {
    if (role === 'recorder') return false;
    const entry = this.#peers.get(peerId);
    if (entry) {
      if (entry.displayName === displayName) return false;
      entry.displayName = displayName;
    } else {
      this.#peers.set(peerId, {
        peerId,
        displayName,
        order: this.#nextOrder++,
        micMuted: true,
        videos: new Map(),
      });
    }
    this.#dirty = true;
    return true;
  }

  /** Removes a participant and their videos. Returns true if tiles changed. */
  removePeer(peerId: string): boolean {
    const entry = this.#peers.get(peerId);
    if (!entry) return false;
    for (const videoId of entry.videos.keys()) this.#videoOwner.delete(videoId);
    this.#peers.delete(peerId);
    this.#dirty = true;
    return true;
  }

  /**
   * Adds a video track. A video from a peer not yet announced creates the
   * peer with its id as name (renamed when `peer-joined` arrives).
   */
  addVideo({ peerId, videoId, source, paused }: TileVideo): boolean {
    let entry = this.#peers.get(peerId);
    if (!entry) {
      this.addPeer({ peerId, displayName: peerId, role: 'participant' });
      entry = this.#peers.get(peerId);
      if (!entry) return false;
    }
    entry.videos.set(videoId, { source, paused });
    this.#videoOwner.set(videoId, peerId);
    this.#dirty = true;
    return true;
  }

  /** Removes a video track (ended or closed). Returns true if tiles changed. */
  removeVideo(videoId: string): boolean {
    const peerId = this.#videoOwner.get(videoId);
    if (peerId === undefined) return false;
    this.#videoOwner.delete(videoId);
    this.#peers.get(peerId)?.videos.delete(videoId);
    this.#dirty = true;
    return true;
  }

  /** Whether a participant's microphone is off (paused or gone). Returns true if tiles changed. */
  setMicMuted(peerId: string, muted: boolean): boolean {
    const entry = this.#peers.get(peerId);
    if (!entry || entry.micMuted === muted) return false;
    entry.micMuted = muted;
    this.#dirty = true;
    return true;
  }

  /** Marks a video paused (camera off: placeholder) or resumed. Returns true if tiles changed. */
  setPaused(videoId: string, paused: boolean): boolean {
    const peerId = this.#videoOwner.get(videoId);
    const video = peerId === undefined ? undefined : this.#peers.get(peerId)?.videos.get(videoId);
    if (!video || video.paused === paused) return false;
    video.paused = paused;
    this.#dirty = true;
    return true;
  }

  /** The ordered tiles (a new array after each change, the same one otherwise). */
  tiles(): TileSpec[] {
    if (!this.#dirty) return this.#tiles;
    this.#dirty = false;
    const peers = [...this.#peers.values()].sort(
      (a, b) => a.order - b.order || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0),
    );
    const tiles: TileSpec[] = [];
    for (const peer of peers) {
      const name = peer.displayName.trim() || peer.peerId;
      const base = {
        peerId: peer.peerId,
        initials: initialsOf(name),
        color: placeholderColor(peer.peerId),
      };
      // The latest camera wins (a re-produced camera replaces the old one).
      let camera: string | null = null;
      const screens: string[] = [];
      for (const [videoId, video] of peer.videos) {
        if (video.source === 'screen') {
          if (!video.paused) screens.push(videoId);
        } else {
          camera = video.paused ? null : videoId;
        }
      }
      tiles.push({
        ...base,
        id: `${peer.peerId}:camera`,
        label: name,
        videoId: camera,
        kind: 'camera',
        micMuted: peer.micMuted,
      });
      screens.forEach((videoId, index) => {
        tiles.push({
          ...base,
          id: `${peer.peerId}:screen${index === 0 ? '' : String(index + 1)}`,
          label: `${name} (screen)`,
          videoId,
          kind: 'screen',
          micMuted: false,
        });
      });
    }
    this.#tiles = tiles;
    return tiles;
  }
}
