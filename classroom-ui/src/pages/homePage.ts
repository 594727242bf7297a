/** `/`: the login form, then a room picker with the user's rooms (or straight back to `?next=`). */
import { ApiError, login } from '../api';
import { createHeader } from '../components/header';
import { appRoot, h, replaceChildren, setBusy } from '../dom';
import { ROOM_ID_PATTERN } from '../roomId';
import { listRooms } from '../roomsApi';
import { loadSession, safeNextPath, saveSession, type Session } from '../session';

export function renderHomePage(session: Session | null): void {
  const next = safeNextPath(new URLSearchParams(location.search).get('next'));
  if (session && next) {
    location.replace(next);
    return;
  }
  const root = appRoot();
  replaceChildren(
    root,
    createHeader(session?.user ?? null).element,
    h('main', { class: 'page page-center' }, session ? roomPicker(session) : loginForm(next)),
  );
}

function loginForm(next: string | null): HTMLElement {
  const email = h('input', {
    id: 'login-email',
    class: 'input',
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    'data-testid': 'login-email',
  });
  const password = h('input', {
    id: 'login-password',
    class: 'input',
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password',
  });
  const submit = h(
    'button',
    { class: 'btn btn-primary btn-block', type: 'submit', 'data-testid': 'login-submit' },
    'Sign in',
  );
  const error = h('p', {
    class: 'form-error',
    role: 'alert',
    'data-testid': 'login-error',
    hidden: true,
  });

  const form = h(
    'form',
    { class: 'card card-narrow', novalidate: true },
    h('h1', { class: 'card-title' }, 'Sign in'),
    h('p', { class: 'card-subtitle' }, 'Join your classes and recordings.'),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Email'), email),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Password'), password),
    error,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!email.value || !password.value) {
      error.textContent = 'Enter your email and password.';
      error.hidden = false;
      return;
    }
    setBusy(submit, true);
    login(email.value.trim(), password.value)
      .then((session) => {
        saveSession(session);
        if (next) location.assign(next);
        else renderHomePage(loadSession());
      })
      .catch((failure: unknown) => {
        error.textContent =
          failure instanceof ApiError && failure.status === 401
            ? 'Wrong email or password.'
            : `Sign-in failed: ${failure instanceof Error ? failure.message : String(failure)}`;
        error.hidden = false;
        setBusy(submit, false);
        password.select();
      });
  });
  queueMicrotask(() => email.focus());
  return form;
}

function roomPicker(session: Session): HTMLElement {
  const input = h('input', {
    id: 'room-id',
    class: 'input',
    name: 'room',
    required: true,
    maxlength: 64,
    pattern: ROOM_ID_PATTERN.source.slice(1, -1),
    placeholder: 'e.g. physics-101',
    autocomplete: 'off',
    'data-testid': 'room-id',
  });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'card card-narrow', novalidate: true },
    h('h1', { class: 'card-title' }, `Welcome, ${session.user.fullName.split(' ')[0] ?? ''}`),
    h('p', { class: 'card-subtitle' }, 'Enter the name of the room to join.'),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Room'), input),
    error,
    h(
      'button',
      { class: 'btn btn-primary btn-block', type: 'submit', 'data-testid': 'enter-room' },
      'Enter room',
    ),
  );
  const rooms = h('div', { class: 'room-links', hidden: true });
  form.appendChild(rooms);
  void showRoomLinks(session, rooms);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const roomId = input.value.trim();
    if (!ROOM_ID_PATTERN.test(roomId)) {
      error.textContent = 'Use 1–64 letters, digits, "-" or "_".';
      error.hidden = false;
      return;
    }
    location.assign(`/room/${encodeURIComponent(roomId)}`);
  });
  queueMicrotask(() => input.focus());
  return form;
}

/** The user's rooms as quick links under the picker; nothing when there are none. */
async function showRoomLinks(session: Session, container: HTMLElement): Promise<void> {
  try {
    const { items } = await listRooms(session.token, { limit: 12 });
    if (items.length === 0) return;
    container.append(
      h('p', { class: 'field-label' }, 'Your rooms'),
      h(
        'ul',
        { class: 'room-link-list' },
        ...items.map((room) =>
          h(
            'li',
            {},
            h(
              'a',
              {
                class: 'room-link',
                href: `/room/${encodeURIComponent(room.roomId)}`,
                'data-testid': 'home-room-link',
                'data-room-id': room.roomId,
              },
              h('span', { class: 'room-link-title' }, room.title),
              h('span', { class: 'room-link-id' }, room.roomId),
            ),
          ),
        ),
      ),
    );
    container.hidden = false;
  } catch (error) {
    // The picker works without them.
    console.warn('home: could not list the rooms', error);
  }
}
