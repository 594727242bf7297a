/**
 * `/room/:roomId`: lobby with camera/mic preview, then the call (a grid of
 * remote participants and their screen shares, the active speaker ringed;
 * mute, camera, share screen, leave), the Record/Stop toggle, the layout
 * picker and the recordings panel for instructors and admins, and the
 * recording indicator (and the room's `data-layout`) for everyone. Media and signalling are the RoomClient's; this file only
 * turns its events into DOM.
 */
import type { RecordingLayout } from '#protocol/layout';
import { RoomClient, type RoomClientLogger } from '#room-client/RoomClient';
import type { ActiveRecordingInfo, PeerInfo } from '#protocol/signalling';
import { createHeader } from '../components/header';
import { showError, showToast } from '../components/toast';
import { appRoot, h, replaceChildren, setBusy } from '../dom';
import { defaultRecordingTitle } from '../format';
import { icon } from '../icons';
import { isRecordingLayout, layoutLabels, recordingLayouts } from '../labels';
import { changeRecordingLayout, startRecording, stopRecording } from '../recordingsApi';
import { connectRoom } from '../roomsApi';
import { canRecord, type Session } from '../session';
import { LocalMedia } from '../room/LocalMedia';
import { ParticipantTile } from '../room/ParticipantTile';
import { RecordingsPanel } from '../room/RecordingsPanel';
import { ScreenTile } from '../room/ScreenTile';

export type RoomState = 'idle' | 'joining' | 'joined' | 'left' | 'error';

const logger: RoomClientLogger = {
  debug: () => {},
  info: (message, ...args) => console.info(`[room] ${message}`, ...args),
  warn: (message, ...args) => console.warn(`[room] ${message}`, ...args),
  error: (message, ...args) => console.error(`[room] ${message}`, ...args),
};

/**
 * Legible slides at a modest rate: text needs pixels more than motion, and
 * the recorder composites the share with every camera.
 */
const screenCapture: DisplayMediaStreamOptions = {
  video: { frameRate: { ideal: 15, max: 30 }, width: { max: 1920 }, height: { max: 1080 } },
  audio: false,
};

/** Closing the browser's picker (or its Cancel) rejects with NotAllowedError: the user's choice, not a failure. */
function isPickerCancelled(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    error.name === 'NotAllowedError'
  );
}

export function renderRoomPage(session: Session, roomId: string): void {
  new RoomPage(session, roomId).mount(appRoot());
}

class RoomPage {
  readonly #session: Session;
  readonly #roomId: string;
  readonly #canRecord: boolean;
  #state: RoomState = 'idle';
  #client: RoomClient | null = null;
  readonly #tiles = new Map<string, ParticipantTile>();
  /** Remote screen shares, by producer id (a stop and a new share may briefly overlap). */
  readonly #screenTiles = new Map<string, ScreenTile>();
  /** Our own share's preview, while we share. */
  #screenPreview: ScreenTile | null = null;
  /** The room's dominant speaker, as the RoomClient last said. */
  #activeSpeaker: string | null = null;
  readonly #local: LocalMedia;
  /** Browsers without getDisplayMedia (phones, insecure origins) get no share button. */
  readonly #canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  /** The room's recording as announced by the server (join result, recording-* events). */
  #recording: ActiveRecordingInfo | null = null;
  /** A recording this user started that the server has not announced yet. */
  #pendingStart: string | null = null;
  /**
   * The layout of the room's recording in progress, once known: from our own
   * start, a change answered by the API, a `recording-layout` event, or (for
   * those who record) the recording itself read after joining.
   */
  #layout: { recordingId: string; layout: RecordingLayout } | null = null;
  /**
   * The picker's confirmed value: the next recording's layout, or the running
   * one's. Starts as the server's default, `auto` (DEFAULT_RECORDING_LAYOUT is
   * not imported: its module would bring zod into the bundle).
   */
  #layoutChoice: RecordingLayout = 'auto';
  /** Settles when getUserMedia has answered (with a stream or not). */
  #mediaSettled: Promise<void> = Promise.resolve();

  readonly #root: HTMLElement;
  readonly #headerContext: HTMLElement;
  readonly #headerStatus: HTMLElement;
  readonly #header: HTMLElement;
  readonly #lobby: HTMLElement;
  readonly #lobbyMessage: HTMLElement;
  readonly #lobbyPreview: HTMLElement;
  readonly #call: HTMLElement;
  readonly #grid: HTMLElement;
  readonly #empty: HTMLElement;
  readonly #selfSlot: HTMLElement;
  readonly #joinButton: HTMLButtonElement;
  readonly #leaveButton: HTMLButtonElement;
  readonly #micButton: HTMLButtonElement;
  readonly #cameraButton: HTMLButtonElement;
  readonly #screenButton: HTMLButtonElement;
  readonly #recordButton: HTMLButtonElement | null;
  readonly #titleInput: HTMLInputElement | null;
  readonly #layoutSelect: HTMLSelectElement | null;
  readonly #panel: RecordingsPanel | null;

  constructor(session: Session, roomId: string) {
    this.#session = session;
    this.#roomId = roomId;
    this.#canRecord = canRecord(session.user);
    this.#local = new LocalMedia(session.user.fullName);

    const header = createHeader(session.user, roomId);
    this.#header = header.element;
    this.#headerStatus = header.status;
    this.#headerContext = h('span', { class: 'header-count', 'data-testid': 'participant-count' });
    this.#header.querySelector('.header-context')?.appendChild(this.#headerContext);

    this.#joinButton = h(
      'button',
      { class: 'btn btn-primary btn-lg', type: 'button', 'data-testid': 'join' },
      icon('join'),
      'Join',
    );
    this.#joinButton.addEventListener('click', () => void this.#join());
    this.#lobbyMessage = h('p', { class: 'lobby-message', 'data-testid': 'room-message' });
    this.#lobbyPreview = h('div', { class: 'lobby-preview' });
    this.#lobby = h(
      'section',
      { class: 'lobby card' },
      this.#lobbyPreview,
      h(
        'div',
        { class: 'lobby-side' },
        h('p', { class: 'lobby-eyebrow' }, 'Room'),
        h('h1', { class: 'lobby-title' }, roomId),
        this.#lobbyMessage,
        this.#joinButton,
      ),
    );

    this.#grid = h('div', { class: 'grid', 'data-count': '0' });
    this.#empty = h(
      'div',
      { class: 'stage-empty' },
      icon('users', 'icon icon-xl'),
      h('p', { class: 'stage-empty-title' }, 'Nobody else is here yet'),
      h('p', { class: 'stage-empty-text' }, 'Others appear here as soon as they join this room.'),
    );
    this.#selfSlot = h('div', { class: 'self-view' });
    this.#call = h('section', { class: 'call' }, this.#grid, this.#empty, this.#selfSlot);

    this.#micButton = this.#toggleButton('mic-toggle', () => void this.#toggleMic());
    this.#cameraButton = this.#toggleButton('camera-toggle', () => void this.#toggleCamera());
    this.#screenButton = this.#toggleButton('share-screen', () => void this.#toggleScreenShare());
    this.#screenButton.setAttribute('aria-pressed', 'false');
    this.#screenButton.hidden = !this.#canShareScreen;
    this.#screenButton.disabled = true;
    this.#leaveButton = h(
      'button',
      { class: 'btn btn-danger', type: 'button', 'data-testid': 'leave' },
      icon('leave'),
      'Leave',
    );
    this.#leaveButton.addEventListener('click', () => void this.#leave());

    if (this.#canRecord) {
      this.#recordButton = h('button', {
        class: 'btn btn-record',
        type: 'button',
        'data-testid': 'record',
      });
      this.#recordButton.addEventListener('click', () => void this.#toggleRecording());
      this.#titleInput = h('input', {
        class: 'input',
        type: 'text',
        maxlength: 200,
        placeholder: defaultRecordingTitle(roomId),
        'data-testid': 'recording-title',
      });
      this.#layoutSelect = h(
        'select',
        {
          class: 'input',
          'data-testid': 'recording-layout',
          'aria-describedby': 'recording-layout-hint',
        },
        ...recordingLayouts.map((layout) => h('option', { value: layout }, layoutLabels[layout])),
      );
      this.#layoutSelect.value = this.#layoutChoice;
      this.#layoutSelect.addEventListener('change', () => void this.#changeLayout());
      this.#panel = new RecordingsPanel({ token: session.token, roomId });
    } else {
      this.#recordButton = null;
      this.#titleInput = null;
      this.#layoutSelect = null;
      this.#panel = null;
    }

    const controls = h(
      'footer',
      { class: 'controls' },
      h(
        'div',
        { class: 'controls-group' },
        this.#micButton,
        this.#cameraButton,
        this.#screenButton,
      ),
      h('div', { class: 'controls-group' }, this.#recordButton, this.#leaveButton),
    );

    const sidebar =
      this.#panel && this.#titleInput && this.#layoutSelect
        ? h(
            'aside',
            { class: 'sidebar' },
            h(
              'section',
              { class: 'panel' },
              h('h2', { class: 'panel-title' }, 'Record this class'),
              h(
                'label',
                { class: 'field' },
                h('span', { class: 'field-label' }, 'Title of the next recording'),
                this.#titleInput,
              ),
              h(
                'label',
                { class: 'field' },
                h('span', { class: 'field-label' }, 'Layout'),
                this.#layoutSelect,
              ),
              h(
                'p',
                { class: 'panel-hint', id: 'recording-layout-hint' },
                'You can change the layout while recording.',
              ),
              h(
                'p',
                { class: 'panel-hint' },
                'Everyone in the room sees a Recording badge while it runs. The recorder never appears as a participant.',
              ),
            ),
            this.#panel.element,
          )
        : null;

    this.#root = h(
      'main',
      {
        class: 'room',
        'data-testid': 'room',
        'data-state': 'idle',
        'data-room-id': roomId,
        'data-screen-sharing': 'false',
      },
      h(
        'div',
        { class: 'room-body' },
        h('div', { class: 'stage' }, this.#lobby, this.#call),
        sidebar,
      ),
      controls,
    );
  }

  mount(parent: HTMLElement): void {
    replaceChildren(parent, this.#header, this.#root);
    this.#render();
    void this.#panel?.refresh();
    window.addEventListener('pagehide', () => {
      this.#client?.close();
      this.#local.stop();
      this.#panel?.close();
    });
    this.#lobbyMessage.textContent = 'Starting your camera and microphone…';
    this.#mediaSettled = this.#local
      .start()
      .then(() => {
        if (this.#state === 'idle')
          this.#lobbyMessage.textContent = 'Check your camera and microphone, then join.';
      })
      .catch((error: unknown) => {
        showError('Camera and microphone unavailable', error);
        if (this.#state === 'idle') {
          this.#lobbyMessage.textContent =
            'No camera or microphone: you can still join to watch and listen.';
        }
      })
      .finally(() => this.#render());
  }

  #toggleButton(testId: string, onClick: () => void): HTMLButtonElement {
    const button = h('button', { class: 'btn btn-control', type: 'button', 'data-testid': testId });
    button.addEventListener('click', onClick);
    return button;
  }

  #setState(state: RoomState, message?: string): void {
    this.#state = state;
    if (message !== undefined) this.#lobbyMessage.textContent = message;
    this.#render();
  }

  async #join(): Promise<void> {
    if (this.#state === 'joining' || this.#state === 'joined') return;
    this.#setState('joining', 'Joining…');
    let serverUrl: string;
    try {
      // Servers sharing a database host each room on one of them: join it there.
      ({ url: serverUrl } = await connectRoom(this.#session.token, this.#roomId));
    } catch (error) {
      this.#setState(
        'error',
        `Could not join: ${error instanceof Error ? error.message : String(error)}`,
      );
      showError('Could not join the room', error);
      return;
    }
    const client = new RoomClient({
      serverUrl,
      token: this.#session.token,
      roomId: this.#roomId,
      mode: 'participant',
      logger,
    });
    this.#client = client;
    this.#wire(client);
    try {
      const joined = await client.join();
      if (this.#client !== client) return; // left while joining
      this.#recording = joined.recording;
      this.#setActiveSpeaker(joined.activeSpeakerPeerId);
      this.#setState('joined', '');
      if (joined.recording)
        this.#layoutKnown(joined.recording.recordingId, joined.recording.layout);
    } catch (error) {
      if (this.#client !== client) return;
      this.#client = null;
      this.#clearTiles();
      this.#setState(
        'error',
        `Could not join: ${error instanceof Error ? error.message : String(error)}`,
      );
      showError('Could not join the room', error);
      return;
    }
    // Join may be clicked before the camera answered: publish once it has.
    await this.#mediaSettled;
    const stream = this.#local.stream;
    if (!stream || client.closed) return;
    try {
      await client.setMicEnabled(this.#local.micOn);
      await client.setCameraEnabled(this.#local.cameraOn);
      await client.publish(stream);
    } catch (error) {
      if (!client.closed) showError('Could not send your camera and microphone', error);
    }
  }

  async #leave(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    setBusy(this.#leaveButton, true);
    this.#client = null;
    try {
      // The others see the share end before we leave; never rejects.
      await client.stopScreenShare();
      await client.leave();
    } finally {
      setBusy(this.#leaveButton, false);
      this.#clearTiles();
      this.#recording = null;
      this.#pendingStart = null;
      this.#layout = null;
      this.#setState('left', 'You left the room.');
    }
  }

  /** Ends the call after the server closed the room or the connection was lost. */
  #lost(client: RoomClient, message: string): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#clearTiles();
    this.#recording = null;
    this.#pendingStart = null;
    this.#layout = null;
    this.#setState('error', message);
    showToast(message, 'error');
  }

  #wire(client: RoomClient): void {
    const mine = () => this.#client === client;
    client.on('peer-joined', (peer) => mine() && this.#addTile(peer));
    client.on('peer-left', ({ peerId }) => {
      if (!mine()) return;
      this.#tiles.get(peerId)?.close();
      this.#tiles.delete(peerId);
      this.#render();
    });
    client.on('track', ({ peerId, producerId, kind, source, track, paused }) => {
      if (!mine()) return;
      if (source === 'screen') {
        const name = client.peers.get(peerId)?.displayName ?? 'Someone';
        this.#addScreenTile(peerId, producerId, name, track, paused);
        return;
      }
      this.#tiles.get(peerId)?.setTrack(kind, track, paused);
    });
    client.on('track-ended', ({ peerId, producerId, kind, source }) => {
      if (!mine()) return;
      if (source === 'screen') this.#removeScreenTile(producerId);
      else this.#tiles.get(peerId)?.removeTrack(kind);
    });
    client.on('track-paused', ({ peerId, producerId, kind, source }) => {
      if (source === 'screen') this.#screenTiles.get(producerId)?.setPaused(true);
      else this.#tiles.get(peerId)?.setPaused(kind, true);
    });
    client.on('track-resumed', ({ peerId, producerId, kind, source }) => {
      if (source === 'screen') this.#screenTiles.get(producerId)?.setPaused(false);
      else this.#tiles.get(peerId)?.setPaused(kind, false);
    });
    client.on('active-speaker', ({ peerId }) => mine() && this.#setActiveSpeaker(peerId));
    // The browser's own "Stop sharing" (or a closed shared window): the client already cleaned up.
    client.on('screen-share-ended', () => {
      if (!mine()) return;
      this.#hideScreenPreview();
      this.#render();
    });

    client.on('recording-started', (info) => {
      if (!mine()) return;
      this.#recording = info;
      if (this.#pendingStart === info.recordingId) this.#pendingStart = null;
      this.#render();
      void this.#panel?.refresh();
      this.#layoutKnown(info.recordingId, info.layout);
    });
    client.on('recording-layout', ({ recordingId, layout }) => {
      if (mine()) this.#layoutKnown(recordingId, layout);
    });
    client.on('recording-stopped', ({ recordingId }) => {
      if (!mine()) return;
      this.#recordingEnded(recordingId);
      void this.#panel?.refresh();
    });
    client.on('recording-error', ({ recordingId, error }) => {
      if (!mine()) return;
      this.#recordingEnded(recordingId);
      if (this.#canRecord) showToast(`The recording failed: ${error}`, 'error');
      void this.#panel?.refresh();
    });
    client.on('recording-ready', () => void this.#panel?.refresh());

    client.on('room-closed', ({ reason }) =>
      this.#lost(
        client,
        reason === 'removed-from-room'
          ? 'You were removed from this room’s members.'
          : `The room was closed (${reason}).`,
      ),
    );
    client.on('disconnected', ({ reason }) =>
      this.#lost(client, `Connection to the classroom lost (${reason}).`),
    );
    client.on('error', (error) => {
      if (mine()) showToast(error.message, 'error');
    });
  }

  #recordingEnded(recordingId: string): void {
    if (this.#recording?.recordingId === recordingId) this.#recording = null;
    if (this.#pendingStart === recordingId) this.#pendingStart = null;
    if (this.#layout?.recordingId === recordingId) this.#layout = null;
    this.#render();
  }

  /** Records the layout of the room's recording; the picker follows unless a change of ours is in flight. */
  #layoutKnown(recordingId: string, layout: RecordingLayout): void {
    this.#layout = { recordingId, layout };
    this.#layoutChoice = layout;
    const select = this.#layoutSelect;
    if (select && !select.hasAttribute('aria-busy')) select.value = layout;
    this.#render();
  }

  /**
   * The picker's change: kept for the next recording, or sent for the one in
   * progress (the select is disabled meanwhile, and put back if refused).
   */
  async #changeLayout(): Promise<void> {
    const select = this.#layoutSelect;
    if (!select || !isRecordingLayout(select.value)) return;
    const layout = select.value;
    const current = this.#recording?.recordingId ?? this.#pendingStart;
    if (!current) {
      this.#layoutChoice = layout;
      return;
    }
    setBusy(select, true);
    try {
      const recording = await changeRecordingLayout(this.#session.token, current, layout);
      setBusy(select, false);
      // The recording may have ended while we asked: the choice stays for the next one.
      if ((this.#recording?.recordingId ?? this.#pendingStart) === recording.id)
        this.#layoutKnown(recording.id, recording.layout);
      else this.#layoutChoice = layout;
    } catch (error) {
      setBusy(select, false);
      // Back to the layout still drawn (an event may have changed it meanwhile).
      select.value = this.#layoutChoice;
      showError('Could not change the layout', error);
    }
  }

  #addTile(peer: PeerInfo): void {
    if (this.#tiles.has(peer.peerId)) return;
    const tile = new ParticipantTile(peer);
    tile.setSpeaking(peer.peerId === this.#activeSpeaker);
    this.#tiles.set(peer.peerId, tile);
    this.#grid.appendChild(tile.element);
    this.#render();
  }

  #addScreenTile(
    peerId: string,
    producerId: string,
    displayName: string,
    track: MediaStreamTrack,
    paused: boolean,
  ): void {
    this.#screenTiles.get(producerId)?.close();
    const tile = new ScreenTile({
      testId: 'screen-tile',
      peerId,
      label: `${displayName} (screen)`,
    });
    tile.setTrack(track, paused);
    this.#screenTiles.set(producerId, tile);
    // First in the grid: a shared screen is what the class is looking at.
    this.#grid.prepend(tile.element);
    this.#render();
  }

  #removeScreenTile(producerId: string): void {
    this.#screenTiles.get(producerId)?.close();
    this.#screenTiles.delete(producerId);
    this.#render();
  }

  #showScreenPreview(track: MediaStreamTrack, selfPeerId: string | undefined): void {
    this.#hideScreenPreview();
    const preview = new ScreenTile({
      testId: 'local-screen-preview',
      label: 'Your screen',
      ...(selfPeerId ? { peerId: selfPeerId } : {}),
    });
    preview.setTrack(track);
    this.#screenPreview = preview;
    this.#selfSlot.prepend(preview.element);
  }

  #hideScreenPreview(): void {
    this.#screenPreview?.close();
    this.#screenPreview = null;
  }

  #setActiveSpeaker(peerId: string | null): void {
    this.#activeSpeaker = peerId;
    for (const tile of this.#tiles.values()) tile.setSpeaking(tile.peerId === peerId);
    const selfId = this.#client?.self?.peerId;
    this.#local.setSpeaking(peerId !== null && peerId === selfId);
  }

  /** Empties the call: participant and screen tiles, our share's preview, the speaker ring. */
  #clearTiles(): void {
    for (const tile of this.#tiles.values()) tile.close();
    this.#tiles.clear();
    for (const tile of this.#screenTiles.values()) tile.close();
    this.#screenTiles.clear();
    this.#hideScreenPreview();
    this.#setActiveSpeaker(null);
  }

  async #toggleMic(): Promise<void> {
    const on = !this.#local.micOn;
    this.#local.setMic(on);
    this.#render();
    try {
      await this.#client?.setMicEnabled(on);
    } catch (error) {
      showError(on ? 'Could not unmute' : 'Could not mute', error);
    }
  }

  async #toggleCamera(): Promise<void> {
    const on = !this.#local.cameraOn;
    this.#local.setCamera(on);
    this.#render();
    try {
      await this.#client?.setCameraEnabled(on);
    } catch (error) {
      showError(on ? 'Could not turn the camera on' : 'Could not turn the camera off', error);
    }
  }

  async #toggleScreenShare(): Promise<void> {
    const client = this.#client;
    const button = this.#screenButton;
    if (!client || this.#state !== 'joined' || button.hasAttribute('aria-busy')) return;
    setBusy(button, true);
    try {
      if (client.screenSharing) {
        await client.stopScreenShare();
        this.#hideScreenPreview();
      } else {
        await this.#startScreenShare(client);
      }
    } finally {
      setBusy(button, false);
      this.#render();
    }
  }

  async #startScreenShare(client: RoomClient): Promise<void> {
    let track: MediaStreamTrack | undefined;
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia(screenCapture);
      track = stream.getVideoTracks()[0];
      if (!track) throw new Error('the browser gave no video track');
      await client.shareScreen(track);
    } catch (error) {
      // A capture that could not be shared was ended by the client already.
      if (isPickerCancelled(error) || client.closed || this.#client !== client) return;
      showError('Could not share your screen', error);
      return;
    }
    // The share may have ended already: Stop sharing clicked at once, or we left meanwhile.
    if (client.screenSharing && this.#client === client) {
      this.#showScreenPreview(track, client.self?.peerId);
    }
  }

  async #toggleRecording(): Promise<void> {
    const button = this.#recordButton;
    if (!button || this.#state !== 'joined') return;
    const current = this.#recording?.recordingId ?? this.#pendingStart;
    setBusy(button, true);
    try {
      if (current) {
        await stopRecording(this.#session.token, current);
        this.#recordingEnded(current);
        showToast('Recording stopped: it will be ready in a moment.', 'success');
      } else {
        const title = this.#titleInput?.value.trim() || defaultRecordingTitle(this.#roomId);
        const layout = this.#layoutChoice;
        const started = await startRecording(this.#session.token, this.#roomId, title, layout);
        if (this.#recording?.recordingId !== started.recordingId)
          this.#pendingStart = started.recordingId;
        // The answer carries no layout: the server took the one we sent (an event may be newer).
        if (this.#layout?.recordingId !== started.recordingId)
          this.#layoutKnown(started.recordingId, layout);
        if (this.#titleInput) this.#titleInput.value = '';
        showToast('Recording is starting…', 'info');
      }
    } catch (error) {
      showError(current ? 'Could not stop the recording' : 'Could not start the recording', error);
    } finally {
      setBusy(button, false);
      this.#render();
      void this.#panel?.refresh();
    }
  }

  #render(): void {
    const state = this.#state;
    const joined = state === 'joined';
    this.#root.dataset.state = state;

    // The self view moves between the lobby and the call; moving it keeps it playing.
    const selfParent = joined ? this.#selfSlot : this.#lobbyPreview;
    if (this.#local.element.parentElement !== selfParent)
      selfParent.appendChild(this.#local.element);
    this.#lobby.hidden = joined;
    this.#call.hidden = !joined;

    this.#joinButton.hidden = joined;
    this.#joinButton.disabled = state === 'joining';
    replaceChildren(
      this.#joinButton,
      icon('join'),
      state === 'joining' ? 'Joining…' : state === 'idle' ? 'Join' : 'Join again',
    );
    this.#leaveButton.hidden = !joined;

    // Screen tiles are grid cells too, so the grid's layout counts them.
    const count = this.#tiles.size + this.#screenTiles.size;
    this.#grid.dataset.count = String(count);
    this.#empty.hidden = count > 0;
    const people = this.#tiles.size + 1;
    this.#headerContext.textContent = joined
      ? ` · ${people} ${people === 1 ? 'person' : 'people'}`
      : '';

    const micOn = this.#local.micOn;
    this.#setToggle(this.#micButton, micOn, micOn ? 'mic' : 'micOff', micOn ? 'Mute' : 'Unmute');
    const cameraOn = this.#local.cameraOn;
    this.#setToggle(
      this.#cameraButton,
      cameraOn,
      cameraOn ? 'camera' : 'cameraOff',
      cameraOn ? 'Stop video' : 'Start video',
    );

    const sharing = joined && Boolean(this.#client?.screenSharing);
    this.#root.dataset.screenSharing = String(sharing);
    const screenButton = this.#screenButton;
    const shareLabel = sharing ? 'Stop sharing' : 'Share screen';
    if (screenButton.dataset.label !== shareLabel) {
      replaceChildren(screenButton, icon(sharing ? 'screenOff' : 'screen'), shareLabel);
      screenButton.dataset.label = shareLabel;
    }
    screenButton.setAttribute('aria-pressed', String(sharing));
    screenButton.classList.toggle('is-active', sharing);
    screenButton.title = joined ? '' : 'Join the room to share your screen';
    if (!screenButton.hasAttribute('aria-busy')) {
      screenButton.disabled = !joined || !this.#canShareScreen;
    }

    const recordingId = this.#recording?.recordingId ?? this.#pendingStart;
    if (this.#recordButton) {
      const button = this.#recordButton;
      const label = recordingId ? 'Stop' : 'Record';
      if (button.dataset.label !== label) {
        replaceChildren(button, icon(recordingId ? 'stop' : 'record'), label);
        button.dataset.label = label;
      }
      button.classList.toggle('is-active', Boolean(recordingId));
      button.title = joined ? '' : 'Join the room to record it';
      if (!button.hasAttribute('aria-busy')) button.disabled = !joined;
    }

    // The layout of the recording in progress, for every participant (absent when none or not known).
    const layout =
      recordingId && this.#layout?.recordingId === recordingId ? this.#layout.layout : null;
    if (layout) this.#root.dataset.layout = layout;
    else delete this.#root.dataset.layout;

    // Present only while the room records (as announced by the server).
    const recording = joined ? this.#recording : null;
    let indicator = this.#headerStatus.querySelector<HTMLElement>(
      '[data-testid="recording-indicator"]',
    );
    if (indicator && recording?.recordingId !== indicator.dataset.recordingId) {
      indicator.remove();
      indicator = null;
    }
    if (recording && !indicator) {
      this.#headerStatus.appendChild(
        h(
          'span',
          {
            class: 'rec-indicator',
            'data-testid': 'recording-indicator',
            'data-recording-id': recording.recordingId,
            title: recording.title,
          },
          h('span', { class: 'rec-dot', 'aria-hidden': 'true' }),
          'Recording',
        ),
      );
    } else if (!recording && indicator) {
      indicator.remove();
    }
  }

  #setToggle(
    button: HTMLButtonElement,
    on: boolean,
    iconName: Parameters<typeof icon>[0],
    label: string,
  ): void {
    const state = on ? 'on' : 'off';
    if (button.dataset.state === state) return;
    button.dataset.state = state;
    button.setAttribute('aria-pressed', String(!on));
    button.classList.toggle('is-off', !on);
    replaceChildren(button, icon(iconName), label);
  }
}
