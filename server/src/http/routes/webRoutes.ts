/**
 * The web pages and their bundles: `/static/*` from dist/web (built by
 * `npm run build:web`), the classroom pages (login, room, recordings
 * library and detail, rooms, admin views) and the recorder page the bot
 * opens. Pages carry no inline script (CSP):
 * each loads its bundle, which reads what it needs from the URL.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';
import { recordingParams } from '#protocol/rest/recordings';
import { roomIdSchema } from '#protocol/signalling';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface WebRoutesOptions {
  /** Directory of the built bundles (default: dist/web). */
  webDir?: string;
  /** The recorder page's own HTML, served at /recorder when it exists. */
  recorderHtmlPath?: string;
}

type PageName =
  | 'home'
  | 'room'
  | 'library'
  | 'recording'
  | 'rooms'
  | 'admin-recorders'
  | 'admin-audit'
  | 'admin-storage';

const titles: Record<PageName, string> = {
  home: 'Classroom',
  room: 'Classroom · Room',
  library: 'Classroom · Recordings',
  recording: 'Classroom · Recording',
  rooms: 'Classroom · My rooms',
  'admin-recorders': 'Classroom · Recorder bots',
  'admin-audit': 'Classroom · Audit',
  'admin-storage': 'Classroom · Storage',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function classroomPage(page: PageName): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(titles[page])}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/classroom.css">
<script type="module" src="/static/classroom.js"></script>
</head>
<body data-page="${page}">
<noscript>This application needs JavaScript.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

function recorderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Recorder</title>
<link rel="icon" href="data:,">
<script type="module" src="/static/recorder.js"></script>
</head>
<body data-page="recorder"></body>
</html>
`;
}

/** A small self-contained page for errors (400, 503): no bundle needed. */
function messagePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f6fb;color:#1d2433;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:32rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;
box-shadow:0 1px 3px rgba(16,24,40,.1),0 8px 24px rgba(16,24,40,.06)}
h1{margin:0 0 .5rem;font-size:1.25rem}code{background:#eef1f7;padding:.1rem .35rem;border-radius:4px}
a{color:#3b5bdb}
</style>
</head>
<body><main><h1>${escapeHtml(title)}</h1><p>${message}</p><p><a href="/">Back to the start page</a></p></main></body>
</html>
`;
}

function sendHtml(res: Response, status: number, html: string): void {
  res.status(status).type('html').set('Cache-Control', 'no-store').send(html);
}

/** Router for the pages and static bundles; mount it at the root. */
export function webRoutes({
  webDir = join(projectRoot, 'dist/web'),
  recorderHtmlPath = join(projectRoot, 'recorder-page/index.html'),
}: WebRoutesOptions = {}): Router {
  const router = Router();

  // Bundle names are stable (not hashed): browsers revalidate with the ETag.
  router.use(
    '/static',
    express.static(webDir, {
      index: false,
      fallthrough: true,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );

  const bundleMissing = (res: Response, bundle: string): boolean => {
    if (existsSync(join(webDir, bundle))) return false;
    sendHtml(
      res,
      503,
      messagePage(
        'Web bundles not built',
        `The browser bundle <code>${escapeHtml(bundle)}</code> is missing: run <code>npm run build:web</code> and reload.`,
      ),
    );
    return true;
  };

  const classroom = (page: PageName) => (_req: unknown, res: Response) => {
    if (bundleMissing(res, 'classroom.js')) return;
    sendHtml(res, 200, classroomPage(page));
  };

  router.get('/', classroom('home'));
  router.get('/recordings', classroom('library'));
  router.get('/rooms', classroom('rooms'));
  router.get('/admin/recorders', classroom('admin-recorders'));
  router.get('/admin/audit', classroom('admin-audit'));
  router.get('/admin/storage', classroom('admin-storage'));
  // Whether the recording exists, and whether the caller may see it, is the API's answer (404 for both).
  router.get('/recordings/:id', (req, res) => {
    if (!recordingParams.safeParse(req.params).success) {
      sendHtml(
        res,
        400,
        messagePage(
          'Invalid recording link',
          'A recording link ends with the recording’s id, a UUID such as <code>0b6e4c1a-3f0e-4b8e-9d2a-5c7f1e2d3a4b</code>.',
        ),
      );
      return;
    }
    classroom('recording')(req, res);
  });
  router.get('/room/:roomId', (req, res) => {
    if (!roomIdSchema.safeParse(req.params.roomId).success) {
      sendHtml(
        res,
        400,
        messagePage(
          'Invalid room name',
          'A room name is 1 to 64 characters: letters, digits, <code>-</code> and <code>_</code>.',
        ),
      );
      return;
    }
    classroom('room')(req, res);
  });

  router.get('/recorder', async (_req, res) => {
    if (bundleMissing(res, 'recorder.js')) return;
    const own = existsSync(recorderHtmlPath) ? await readFile(recorderHtmlPath, 'utf8') : null;
    sendHtml(res, 200, own ?? recorderPage());
  });

  return router;
}
