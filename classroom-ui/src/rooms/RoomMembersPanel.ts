/**
 * A room's members as its owner (or an admin) manages them: who may join,
 * add one by email as student or instructor (adding again changes the
 * role), remove one. Removing someone also takes them out of the live room
 * (the server does that).
 */
import type {
  RoomAccessMode,
  RoomDetailJson,
  RoomMemberJson,
  RoomMemberRoleName,
} from '#protocol/rest/rooms';
import { ApiError } from '../api';
import { showError, showToast } from '../components/toast';
import { h, replaceChildren, setBusy } from '../dom';
import { memberRoleLabels, roomAccessLabels } from '../labels';
import { addMember, getRoom, removeMember, updateRoom } from '../roomsApi';

export interface RoomMembersPanelOptions {
  token: string;
  roomId: string;
  /** The member list or the access mode changed: the owner's list shows counts. */
  onChanged: () => void;
}

export class RoomMembersPanel {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #roomId: string;
  readonly #onChanged: () => void;
  readonly #access: HTMLSelectElement;
  readonly #email: HTMLInputElement;
  readonly #role: HTMLSelectElement;
  readonly #add: HTMLButtonElement;
  readonly #list: HTMLElement;
  readonly #message: HTMLElement;

  constructor({ token, roomId, onChanged }: RoomMembersPanelOptions) {
    this.#token = token;
    this.#roomId = roomId;
    this.#onChanged = onChanged;
    this.#access = h(
      'select',
      { class: 'input', 'data-testid': 'room-access' },
      ...(Object.keys(roomAccessLabels) as RoomAccessMode[]).map((mode) =>
        h('option', { value: mode }, roomAccessLabels[mode]),
      ),
    );
    this.#access.addEventListener('change', () => void this.#changeAccess());
    this.#email = h('input', {
      class: 'input',
      type: 'email',
      autocomplete: 'off',
      placeholder: 'name@example.com',
      'data-testid': 'member-email',
    });
    this.#role = h(
      'select',
      { class: 'input', 'data-testid': 'member-role' },
      ...(Object.keys(memberRoleLabels) as RoomMemberRoleName[]).map((role) =>
        h('option', { value: role }, memberRoleLabels[role]),
      ),
    );
    this.#add = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', 'data-testid': 'member-add' },
      'Add',
    );
    const form = h(
      'form',
      { class: 'inline-form', novalidate: true },
      h(
        'label',
        { class: 'field field-grow' },
        h('span', { class: 'field-label' }, 'Email'),
        this.#email,
      ),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Role'), this.#role),
      this.#add,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#addMember();
    });
    this.#list = h('ul', { class: 'members' });
    this.#message = h('p', { class: 'panel-empty' }, 'Loading…');
    this.element = h(
      'section',
      { class: 'room-members', 'data-testid': 'room-members', 'data-room-id': roomId },
      h(
        'label',
        { class: 'field field-inline' },
        h('span', { class: 'field-label' }, 'Who may join'),
        this.#access,
      ),
      h('h3', { class: 'room-members-title' }, 'Members'),
      this.#message,
      this.#list,
      form,
    );
  }

  async load(): Promise<void> {
    let room: RoomDetailJson;
    try {
      room = await getRoom(this.#token, this.#roomId);
    } catch (error) {
      this.#message.hidden = false;
      this.#message.textContent = `Could not load the members: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    this.#access.value = room.access;
    const members = room.members ?? [];
    this.#message.hidden = members.length > 0;
    this.#message.textContent = room.members
      ? 'No members yet: add students and instructors by email.'
      : 'Only the owner and admins see the members.';
    replaceChildren(this.#list, ...members.map((member) => this.#item(member)));
  }

  async #addMember(): Promise<void> {
    const email = this.#email.value.trim();
    if (!email || !this.#email.checkValidity()) {
      showToast('Enter the email of an existing account.', 'error');
      this.#email.focus();
      return;
    }
    setBusy(this.#add, true);
    try {
      const member = await addMember(this.#token, this.#roomId, {
        email,
        role: this.#role.value as RoomMemberRoleName,
      });
      this.#email.value = '';
      showToast(
        `${member.fullName} is in ${this.#roomId} as ${memberRoleLabels[member.role].toLowerCase()}.`,
        'success',
      );
      await this.load();
      this.#onChanged();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        showToast(`No account uses ${email}: they need to have an account first.`, 'error');
      } else {
        showError('Could not add the member', error);
      }
    } finally {
      setBusy(this.#add, false);
    }
  }

  async #changeAccess(): Promise<void> {
    this.#access.disabled = true;
    try {
      await updateRoom(this.#token, this.#roomId, {
        access: this.#access.value as RoomAccessMode,
      });
      this.#onChanged();
    } catch (error) {
      showError('Could not change the room', error);
      await this.load();
    } finally {
      this.#access.disabled = false;
    }
  }

  #item(member: RoomMemberJson): HTMLElement {
    const remove = h(
      'button',
      {
        class: 'btn btn-ghost btn-sm',
        type: 'button',
        'data-testid': 'member-remove',
        'aria-label': `Remove ${member.email}`,
      },
      'Remove',
    );
    remove.addEventListener('click', () => {
      setBusy(remove, true);
      removeMember(this.#token, this.#roomId, member.userId)
        .then(async () => {
          await this.load();
          this.#onChanged();
        })
        .catch((error: unknown) => {
          showError('Could not remove the member', error);
          setBusy(remove, false);
        });
    });
    return h(
      'li',
      {
        class: 'member',
        'data-testid': 'member-item',
        'data-user-id': member.userId,
        'data-email': member.email,
        'data-role': member.role,
      },
      h(
        'div',
        { class: 'member-main' },
        h('span', { class: 'member-name' }, member.fullName),
        h('span', { class: 'member-email' }, member.email),
      ),
      h('span', { class: `role-badge role-${member.role}` }, memberRoleLabels[member.role]),
      remove,
    );
  }
}
