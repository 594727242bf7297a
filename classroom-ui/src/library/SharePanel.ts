/**
 * Sharing a recording: with the class (the room's students), the room's
 * instructors or one person by email, at a permission no higher than the
 * caller's own; and the list of current shares, each revocable. Sharing the
 * same grantee again changes its permission (the API upserts). A panel in
 * the page rather than a modal dialog, so that the player and the page's
 * buttons stay usable while it is open.
 */
import type { AccessLevel, ShareJson, SharePermissionName } from '#protocol/rest/recordings';
import { showError, showToast } from '../components/toast';
import { h, replaceChildren, setBusy } from '../dom';
import { formatDateTime } from '../format';
import { includesAccess, permissionLabels, sharePermissions } from '../labels';
import { createShare, deleteShare, listShares, type ShareGrantee } from '../recordingsApi';

type Target = 'class' | 'instructors' | 'user';

const targetLabels: Record<Target, string> = {
  class: 'The class (students of the room)',
  instructors: 'The instructors of the room',
  user: 'One person, by email',
};

function granteeOf(share: ShareJson): string {
  return share.user ? share.user.email : `role:${share.role ?? 'unknown'}`;
}

function granteeLabel(share: ShareJson): string {
  if (share.user) return `${share.user.fullName} <${share.user.email}>`;
  return share.role === 'instructor' ? 'The instructors of the room' : 'The class';
}

export interface SharePanelOptions {
  token: string;
  recordingId: string;
  userId: string;
  access: AccessLevel;
}

export class SharePanel {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #recordingId: string;
  readonly #userId: string;
  #access: AccessLevel;
  readonly #target: HTMLSelectElement;
  readonly #emailField: HTMLElement;
  readonly #email: HTMLInputElement;
  readonly #permission: HTMLSelectElement;
  readonly #submit: HTMLButtonElement;
  readonly #list: HTMLElement;
  readonly #listMessage: HTMLElement;

  constructor({ token, recordingId, userId, access }: SharePanelOptions) {
    this.#token = token;
    this.#recordingId = recordingId;
    this.#userId = userId;
    this.#access = access;
    this.#target = h(
      'select',
      { class: 'input', 'data-testid': 'share-target' },
      ...(Object.keys(targetLabels) as Target[]).map((target) =>
        h('option', { value: target }, targetLabels[target]),
      ),
    );
    this.#email = h('input', {
      class: 'input',
      type: 'email',
      autocomplete: 'off',
      placeholder: 'name@example.com',
      'data-testid': 'share-email',
    });
    this.#emailField = h(
      'label',
      { class: 'field', hidden: true },
      h('span', { class: 'field-label' }, 'Email'),
      this.#email,
    );
    this.#permission = h('select', { class: 'input', 'data-testid': 'share-permission' });
    this.#submit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', 'data-testid': 'share-submit' },
      'Share',
    );
    this.#list = h('ul', { class: 'share-list', 'data-testid': 'share-list' });
    this.#listMessage = h('p', { class: 'panel-empty' }, 'Loading…');
    this.#target.addEventListener('change', () => {
      this.#emailField.hidden = this.#target.value !== 'user';
      if (!this.#emailField.hidden) this.#email.focus();
    });

    const form = h(
      'form',
      { class: 'share-form', novalidate: true },
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, 'Share with'),
        this.#target,
      ),
      this.#emailField,
      h(
        'label',
        { class: 'field' },
        h('span', { class: 'field-label' }, 'They may'),
        this.#permission,
      ),
      h('div', { class: 'dialog-actions' }, this.#submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#share();
    });
    this.element = h(
      'section',
      {
        class: 'card share-panel',
        'data-testid': 'share-dialog',
        'aria-label': 'Share this recording',
        hidden: true,
      },
      h(
        'div',
        { class: 'dialog-header' },
        h('h2', { class: 'dialog-title' }, 'Share this recording'),
        h(
          'button',
          {
            class: 'btn btn-ghost btn-icon btn-sm',
            type: 'button',
            'aria-label': 'Close',
            'data-testid': 'share-dialog-close',
            onclick: () => this.close(),
          },
          '×',
        ),
      ),
      h(
        'div',
        { class: 'share-columns' },
        form,
        h(
          'div',
          { class: 'share-current' },
          h('h3', { class: 'dialog-subtitle' }, 'Shared with'),
          this.#listMessage,
          this.#list,
        ),
      ),
    );
    this.#renderPermissions();
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Shows the panel (again) with a fresh list of shares. */
  open(): void {
    const opening = this.element.hidden;
    this.element.hidden = false;
    if (opening) this.#target.focus();
    void this.refresh();
  }

  close(): void {
    this.element.hidden = true;
  }

  /** The caller's level changed (a live update): offer only what they may still grant. */
  setAccess(access: AccessLevel): void {
    if (access === this.#access) return;
    this.#access = access;
    this.#renderPermissions();
    if (!includesAccess(access, 'share')) this.close();
  }

  async refresh(): Promise<void> {
    let shares: ShareJson[];
    try {
      shares = await listShares(this.#token, this.#recordingId);
    } catch (error) {
      this.#listMessage.hidden = false;
      this.#listMessage.textContent = `Could not load the shares: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    this.#listMessage.hidden = shares.length > 0;
    this.#listMessage.textContent = 'Not shared with anyone yet.';
    replaceChildren(this.#list, ...shares.map((share) => this.#item(share)));
  }

  #renderPermissions(): void {
    const previous = this.#permission.value;
    const allowed = sharePermissions.filter((p) => includesAccess(this.#access, p));
    replaceChildren(
      this.#permission,
      ...allowed.map((permission) =>
        h('option', { value: permission }, permissionLabels[permission]),
      ),
    );
    if ((allowed as string[]).includes(previous)) this.#permission.value = previous;
  }

  async #share(): Promise<void> {
    const target = this.#target.value as Target;
    let grantee: ShareGrantee;
    if (target === 'user') {
      const email = this.#email.value.trim();
      if (!this.#email.checkValidity() || !email) {
        showToast('Enter the email of the person to share with.', 'error');
        this.#email.focus();
        return;
      }
      grantee = { email };
    } else {
      grantee = { role: target === 'class' ? 'student' : 'instructor' };
    }
    setBusy(this.#submit, true);
    try {
      await createShare(
        this.#token,
        this.#recordingId,
        grantee,
        this.#permission.value as SharePermissionName,
      );
      this.#email.value = '';
      showToast('Shared.', 'success');
      await this.refresh();
    } catch (error) {
      showError('Could not share the recording', error);
    } finally {
      setBusy(this.#submit, false);
    }
  }

  #item(share: ShareJson): HTMLElement {
    // A `share` holder may revoke only what they granted; the server says the same with a 403.
    const mayRevoke = this.#access === 'manage' || share.sharedBy?.id === this.#userId;
    const revoke = h(
      'button',
      {
        class: 'btn btn-ghost btn-sm',
        type: 'button',
        disabled: !mayRevoke,
        title: mayRevoke
          ? 'Revoke this share'
          : 'Only a manager or the person who shared it may revoke it',
        'data-testid': 'share-revoke',
      },
      'Revoke',
    );
    revoke.addEventListener('click', () => {
      setBusy(revoke, true);
      deleteShare(this.#token, this.#recordingId, share.shareId)
        .then(() => this.refresh())
        .catch((error: unknown) => {
          showError('Could not revoke the share', error);
          setBusy(revoke, false);
        });
    });
    return h(
      'li',
      {
        class: 'share-item',
        'data-testid': 'share-item',
        'data-share-id': share.shareId,
        'data-permission': share.permission,
        'data-grantee': granteeOf(share),
      },
      h(
        'div',
        { class: 'share-main' },
        h('span', { class: 'share-grantee' }, granteeLabel(share)),
        h(
          'span',
          { class: 'share-meta' },
          `${permissionLabels[share.permission]} · by ${share.sharedBy?.fullName ?? 'someone'} · ${formatDateTime(share.sharedAt)}`,
        ),
      ),
      revoke,
    );
  }
}
