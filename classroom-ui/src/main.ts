/**
 * Entry point of the classroom UI bundle. The server serves one HTML shell
 * per page with `<body data-page=…>`; this picks the page and checks the
 * session (sessionStorage) against the server first.
 */
import './styles.css';
import { ApiError, currentUser } from './api';
import { showError } from './components/toast';
import { renderAdminAuditPage } from './pages/adminAuditPage';
import { renderAdminRecordersPage } from './pages/adminRecordersPage';
import { renderAdminStoragePage } from './pages/adminStoragePage';
import { renderHomePage } from './pages/homePage';
import { renderLibraryPage } from './pages/libraryPage';
import { renderRecordingPage } from './pages/recordingPage';
import { renderRoomPage } from './pages/roomPage';
import { renderRoomsPage } from './pages/roomsPage';
import { recordingIdFromPath } from './recordingId';
import { roomIdFromPath } from './roomId';
import { clearSession, loadSession, redirectToLogin, saveSession, type Session } from './session';

/** The stored session if the server still accepts its token (refreshing the user), else null. */
async function verifiedSession(): Promise<Session | null> {
  const session = loadSession();
  if (!session) return null;
  try {
    const user = await currentUser(session.token);
    const fresh = { token: session.token, user };
    saveSession(fresh);
    return fresh;
  } catch (error) {
    if (
      error instanceof ApiError &&
      (error.status === 401 || error.status === 403 || error.status === 404)
    ) {
      clearSession();
      return null;
    }
    // Server unreachable for a moment: keep the session, the page will say what fails.
    return session;
  }
}

async function main(): Promise<void> {
  const page = document.body.dataset.page;
  const session = await verifiedSession();
  if (page === 'home') {
    renderHomePage(session);
    return;
  }
  if (!session) {
    redirectToLogin();
    return;
  }
  switch (page) {
    case 'room': {
      const roomId = roomIdFromPath(location.pathname);
      if (roomId) renderRoomPage(session, roomId);
      else location.replace('/');
      return;
    }
    case 'recording': {
      const recordingId = recordingIdFromPath(location.pathname);
      if (recordingId) renderRecordingPage(session, recordingId);
      else location.replace('/recordings');
      return;
    }
    case 'library':
      renderLibraryPage(session);
      return;
    case 'rooms':
      renderRoomsPage(session);
      return;
    case 'admin-recorders':
      renderAdminRecordersPage(session);
      return;
    case 'admin-audit':
      renderAdminAuditPage(session);
      return;
    case 'admin-storage':
      renderAdminStoragePage(session);
      return;
    default:
      location.replace('/');
  }
}

main().catch((error: unknown) => showError('The page failed to start', error));
