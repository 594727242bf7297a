/**
 * `/admin/audit`: the audit trail for administrators, filtered by person
 * (an email, turned into an account id through the user search), recording,
 * action and day, a page at a time. The filters live in the query string.
 * The role check here is only for the page; the API enforces it.
 */
import type { AuditAction, AuditPageJson } from '#protocol/rest/audit';
import { listAudit, searchUsers, type AdminAuditQuery } from '../auditApi';
import { createHeader } from '../components/header';
import { refuseUnlessAdmin } from '../components/notice';
import { createPager } from '../components/pager';
import { showError } from '../components/toast';
import { appRoot, h, replaceChildren, setBusy } from '../dom';
import { localDayRange } from '../format';
import { auditActionLabel, auditActions } from '../labels';
import { auditTable } from '../library/auditTable';
import { UUID_PATTERN } from '../recordingId';
import type { Session } from '../session';

const PAGE_SIZE = 50;

interface Filters {
  user: string;
  recordingId: string;
  action: AuditAction | '';
  from: string;
  to: string;
}

export function renderAdminAuditPage(session: Session): void {
  const header = createHeader(session.user);
  const replace = (...children: Node[]) => replaceChildren(appRoot(), ...children);
  if (refuseUnlessAdmin(session.user, header.element, 'The audit trail', replace)) return;
  const page = new AuditPage(session.token);
  replaceChildren(appRoot(), header.element, page.element);
  void page.apply(0);
}

function filtersFromUrl(): Filters {
  const params = new URLSearchParams(location.search);
  const action = params.get('action') ?? '';
  return {
    user: params.get('user') ?? '',
    recordingId: params.get('recordingId') ?? '',
    action: (auditActions as string[]).includes(action) ? (action as AuditAction) : '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
}

class AuditPage {
  readonly element: HTMLElement;
  readonly #token: string;
  readonly #user: HTMLInputElement;
  readonly #recording: HTMLInputElement;
  readonly #action: HTMLSelectElement;
  readonly #from: HTMLInputElement;
  readonly #to: HTMLInputElement;
  readonly #submit: HTMLButtonElement;
  readonly #error: HTMLElement;
  readonly #body: HTMLElement;
  readonly #pager = createPager('audit', (offset) => void this.#load(offset));
  /** The query of the filters last applied; the pager pages through it. */
  #query: Omit<AdminAuditQuery, 'offset'> | null = null;
  #abort: AbortController | null = null;
  /** Counts applies: a slow email lookup must not override filters applied after it. */
  #applied = 0;

  constructor(token: string) {
    this.#token = token;
    const f = filtersFromUrl();
    this.#user = h('input', {
      class: 'input',
      type: 'email',
      placeholder: 'name@example.com',
      value: f.user,
      'data-testid': 'audit-filter-user',
    });
    this.#recording = h('input', {
      class: 'input mono',
      placeholder: 'Recording id',
      value: f.recordingId,
      'data-testid': 'audit-filter-recording',
    });
    this.#action = h(
      'select',
      { class: 'input', 'data-testid': 'audit-filter-action' },
      h('option', { value: '' }, 'Any action'),
      ...auditActions.map((action) =>
        h('option', { value: action }, `${auditActionLabel(action)} (${action})`),
      ),
    );
    this.#action.value = f.action;
    this.#from = h('input', {
      class: 'input',
      type: 'date',
      value: f.from,
      'data-testid': 'audit-filter-from',
    });
    this.#to = h('input', {
      class: 'input',
      type: 'date',
      value: f.to,
      'data-testid': 'audit-filter-to',
    });
    this.#submit = h(
      'button',
      { class: 'btn btn-primary', type: 'submit', 'data-testid': 'audit-apply' },
      'Apply',
    );
    this.#error = h('p', {
      class: 'form-error',
      role: 'alert',
      'data-testid': 'audit-filter-error',
      hidden: true,
    });
    this.#body = h('div', { class: 'card audit-card' });

    const field = (label: string, control: HTMLElement, wide = false) =>
      h(
        'label',
        { class: wide ? 'field filter filter-wide' : 'field filter' },
        h('span', { class: 'field-label' }, label),
        control,
      );
    const form = h(
      'form',
      { class: 'card filters', novalidate: true },
      field('Person (email)', this.#user, true),
      field('Recording', this.#recording, true),
      field('Action', this.#action),
      field('From', this.#from),
      field('To', this.#to),
      h('div', { class: 'filter filter-button' }, this.#submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.apply(0);
    });
    this.element = h(
      'main',
      { class: 'page', 'data-testid': 'audit-page', 'data-state': 'loading' },
      h('div', { class: 'page-heading' }, h('h1', { class: 'page-title' }, 'Audit trail')),
      form,
      this.#error,
      this.#body,
      this.#pager.element,
    );
  }

  /** Reads the filters (resolving the email to an account), then loads from `offset`. */
  async apply(offset: number): Promise<void> {
    this.#error.hidden = true;
    setBusy(this.#submit, true);
    const applied = ++this.#applied;
    try {
      const query = await this.#readFilters();
      if (!query || applied !== this.#applied) return;
      this.#query = query;
      this.#writeUrl();
      await this.#load(offset);
    } finally {
      setBusy(this.#submit, false);
    }
  }

  async #readFilters(): Promise<Omit<AdminAuditQuery, 'offset'> | null> {
    const recordingId = this.#recording.value.trim();
    if (recordingId && !UUID_PATTERN.test(recordingId)) {
      return this.#fail('A recording id looks like 0b6e4c1a-…: 36 characters with dashes.');
    }
    const email = this.#user.value.trim();
    let actorId: string | undefined;
    if (email) {
      try {
        const { items } = await searchUsers(this.#token, email);
        // The search matches parts of emails and names: prefer the exact email, else a single hit.
        const exact = items.find((user) => user.email.toLowerCase() === email.toLowerCase());
        const match = exact ?? (items.length === 1 ? items[0] : undefined);
        if (!match) {
          return this.#fail(
            items.length === 0
              ? `No account matches "${email}".`
              : `"${email}" matches ${items.length} accounts: type the whole email.`,
          );
        }
        actorId = match.id;
      } catch (error) {
        showError('Could not look up the person', error);
        return null;
      }
    }
    return {
      actorId,
      recordingId: recordingId || undefined,
      action: (this.#action.value as AuditAction) || undefined,
      from: localDayRange(this.#from.value)?.start,
      to: localDayRange(this.#to.value)?.end,
      limit: PAGE_SIZE,
    };
  }

  #fail(message: string): null {
    this.#error.textContent = message;
    this.#error.hidden = false;
    this.element.dataset.state = 'error';
    return null;
  }

  async #load(offset: number): Promise<void> {
    if (!this.#query) return;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.element.dataset.state = 'loading';
    let page: AuditPageJson;
    try {
      page = await listAudit(this.#token, { ...this.#query, offset }, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return;
      this.element.dataset.state = 'error';
      showError('Could not load the audit trail', error);
      return;
    }
    if (abort.signal.aborted) return;
    replaceChildren(
      this.#body,
      auditTable(page.items, { showRecording: true }),
      page.items.length === 0
        ? h('p', { class: 'panel-empty', 'data-testid': 'audit-empty' }, 'No entry matches.')
        : null,
    );
    this.#pager.update(page);
    this.element.dataset.state = 'ready';
  }

  #writeUrl(): void {
    const params = new URLSearchParams();
    const set = (key: string, value: string) => {
      if (value) params.set(key, value);
    };
    set('user', this.#user.value.trim());
    set('recordingId', this.#recording.value.trim());
    set('action', this.#action.value);
    set('from', this.#from.value);
    set('to', this.#to.value);
    const query = params.toString();
    history.replaceState(null, '', query ? `/admin/audit?${query}` : '/admin/audit');
  }
}
