/**
 * `/rooms`: the rooms the caller owns or belongs to (admins: all). Instructors
 * and admins create rooms here, and whoever manages a room opens its member
 * list; students see their rooms read-only. The role checks only shape the
 * page: the API decides.
 */
import type { RoomAccessMode, RoomJson } from '#protocol/rest/rooms';
import { ApiError } from '../api';
import { createHeader } from '../components/header';
import { showError, showToast } from '../components/toast';
import { appRoot, h, replaceChildren, setBusy } from '../dom';
import { memberRoleLabels, roomAccessLabels } from '../labels';
import { ROOM_ID_PATTERN } from '../roomId';
import { createRoom, listRooms } from '../roomsApi';
import { RoomMembersPanel } from '../rooms/RoomMembersPanel';
import { canRecord, type Session } from '../session';

export function renderRoomsPage(session: Session): void {
  const page = new RoomsPage(session);
  replaceChildren(appRoot(), createHeader(session.user).element, page.element);
  void page.load();
}

class RoomsPage {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #list: HTMLElement;
  readonly #empty: HTMLElement;
  /** Open member panels, kept across reloads of the list. */
  readonly #panels = new Map<string, RoomMembersPanel>();

  constructor(session: Session) {
    this.#token = session.token;
    this.#list = h('ul', { class: 'rooms-list', 'data-testid': 'rooms-list' });
    this.#empty = h(
      'div',
      { class: 'card empty-card', 'data-testid': 'rooms-empty', hidden: true },
      h('p', { class: 'stage-empty-title' }, 'No rooms yet'),
      h(
        'p',
        { class: 'stage-empty-text' },
        canRecord(session.user)
          ? 'Create a room above, then add your students to it.'
          : 'Rooms you are a member of appear here.',
      ),
    );
    this.element = h(
      'main',
      { class: 'page page-narrow', 'data-testid': 'rooms-page', 'data-state': 'loading' },
      h('div', { class: 'page-heading' }, h('h1', { class: 'page-title' }, 'My rooms')),
      // Instructors and admins may create rooms (the same rule as the API's canCreateRoom).
      canRecord(session.user) ? this.#createForm() : null,
      this.#empty,
      this.#list,
    );
  }

  async load(): Promise<void> {
    let rooms: RoomJson[];
    try {
      ({ items: rooms } = await listRooms(this.#token));
    } catch (error) {
      this.element.dataset.state = 'error';
      showError('Could not load the rooms', error);
      return;
    }
    replaceChildren(this.#list, ...rooms.map((room) => this.#item(room)));
    this.#empty.hidden = rooms.length > 0;
    this.element.dataset.state = 'ready';
  }

  #createForm(): HTMLElement {
    const id = h('input', {
      class: 'input',
      required: true,
      maxlength: 64,
      pattern: ROOM_ID_PATTERN.source.slice(1, -1),
      placeholder: 'physics-101',
      autocomplete: 'off',
      'data-testid': 'room-create-id',
    });
    const title = h('input', {
      class: 'input',
      required: true,
      maxlength: 200,
      placeholder: 'Physics 101',
      'data-testid': 'room-create-title',
    });
    const access = h(
      'select',
      { class: 'input', 'data-testid': 'room-create-access' },
      ...(Object.keys(roomAccessLabels) as RoomAccessMode[]).map((mode) =>
        h('option', { value: mode }, roomAccessLabels[mode]),
      ),
    );
    const submit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', 'data-testid': 'room-create-submit' },
      'Create room',
    );
    const error = h('p', {
      class: 'form-error',
      role: 'alert',
      'data-testid': 'room-create-error',
      hidden: true,
    });
    const form = h(
      'form',
      { class: 'card form-card', novalidate: true },
      h('h2', { class: 'card-section-title' }, 'New room'),
      h(
        'div',
        { class: 'inline-form' },
        h(
          'label',
          { class: 'field' },
          h('span', { class: 'field-label' }, 'Room id (in its link)'),
          id,
        ),
        h(
          'label',
          { class: 'field field-grow' },
          h('span', { class: 'field-label' }, 'Title'),
          title,
        ),
        h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Who may join'), access),
        submit,
      ),
      error,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.hidden = true;
      const roomId = id.value.trim();
      if (!ROOM_ID_PATTERN.test(roomId)) {
        error.textContent = 'The room id is 1–64 letters, digits, "-" or "_".';
        error.hidden = false;
        return;
      }
      if (!title.value.trim()) {
        error.textContent = 'Give the room a title.';
        error.hidden = false;
        return;
      }
      setBusy(submit, true);
      createRoom(this.#token, {
        roomId,
        title: title.value.trim(),
        access: access.value as RoomAccessMode,
      })
        .then(async (room) => {
          form.reset();
          showToast(`Room ${room.roomId} created.`, 'success');
          // The owner's next step is adding members: open them at once.
          this.#panels.set(room.roomId, this.#panel(room.roomId));
          await this.load();
        })
        .catch((failure: unknown) => {
          error.textContent =
            failure instanceof ApiError && failure.status === 409
              ? `A room with the id "${roomId}" already exists.`
              : `Could not create the room: ${failure instanceof Error ? failure.message : String(failure)}`;
          error.hidden = false;
        })
        .finally(() => setBusy(submit, false));
    });
    return form;
  }

  #panel(roomId: string): RoomMembersPanel {
    const panel = new RoomMembersPanel({
      token: this.#token,
      roomId,
      onChanged: () => void this.load(),
    });
    void panel.load();
    return panel;
  }

  #item(room: RoomJson): HTMLElement {
    const panel = this.#panels.get(room.roomId);
    const item = h('li', {
      class: 'card room-item',
      'data-testid': 'room-item',
      'data-room-id': room.roomId,
      'data-access': room.access,
    });
    const meta = [
      room.owner ? `Owner: ${room.owner.fullName}` : null,
      `${room.memberCount} ${room.memberCount === 1 ? 'member' : 'members'}`,
      roomAccessLabels[room.access],
      room.membership ? `You: ${memberRoleLabels[room.membership]}` : null,
    ].filter(Boolean);
    const actions = h(
      'div',
      { class: 'room-item-actions' },
      h(
        'a',
        {
          class: 'btn btn-primary btn-sm',
          href: `/room/${encodeURIComponent(room.roomId)}`,
          'data-testid': 'room-open',
        },
        'Open',
      ),
      h(
        'a',
        {
          class: 'btn btn-secondary btn-sm',
          href: `/recordings?roomId=${encodeURIComponent(room.roomId)}`,
          'data-testid': 'room-recordings',
        },
        'Recordings',
      ),
    );
    if (room.permissions.manage) {
      const manage = h(
        'button',
        {
          class: 'btn btn-secondary btn-sm',
          type: 'button',
          'aria-expanded': String(Boolean(panel)),
          'data-testid': 'room-manage',
        },
        'Members',
      );
      manage.addEventListener('click', () => {
        const open = this.#panels.get(room.roomId);
        if (open) {
          open.element.remove();
          this.#panels.delete(room.roomId);
          manage.setAttribute('aria-expanded', 'false');
        } else {
          const created = this.#panel(room.roomId);
          this.#panels.set(room.roomId, created);
          item.appendChild(created.element);
          manage.setAttribute('aria-expanded', 'true');
        }
      });
      actions.appendChild(manage);
    }
    item.append(
      h(
        'div',
        { class: 'room-item-row' },
        h(
          'div',
          { class: 'room-item-main' },
          h('span', { class: 'room-item-title' }, room.title),
          h('span', { class: 'room-item-id mono' }, room.roomId),
          h('span', { class: 'room-item-meta' }, meta.join(' · ')),
        ),
        actions,
      ),
    );
    if (panel && room.permissions.manage) item.appendChild(panel.element);
    return item;
  }
}
