/**
 * The web routes on a bare Express app: pages that load their bundle and
 * carry no inline script, 400 for a bad room or recording id, 503 with the
 * fix when the bundles are not built, and the recorder page's own HTML when
 * it exists.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webRoutes } from '#server/http/routes/webRoutes';

const recordingId = '0b6e4c1a-3f0e-4b8e-9d2a-5c7f1e2d3a4b';

let dir: string;
let server: Server;
let base: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'web-routes-'));
  const app = express();
  app.use(webRoutes({ webDir: join(dir, 'web'), recorderHtmlPath: join(dir, 'recorder.html') }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function build(...files: string[]): Promise<void> {
  await mkdir(join(dir, 'web'), { recursive: true });
  for (const file of files) await writeFile(join(dir, 'web', file), '/* bundle */');
}

describe('webRoutes', () => {
  it('answers 503 with the build command while the bundles are missing', async () => {
    for (const path of [
      '/',
      '/room/physics-101',
      '/recordings',
      `/recordings/${recordingId}`,
      '/rooms',
      '/admin/recorders',
      '/admin/audit',
      '/admin/storage',
      '/recorder',
    ]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(503);
      expect(await response.text(), path).toContain('npm run build:web');
    }
  });

  it('serves each page as a shell that loads its bundle, with no inline script', async () => {
    await build('classroom.js', 'classroom.css');
    for (const [path, page] of [
      ['/', 'home'],
      ['/room/physics-101', 'room'],
      ['/recordings', 'library'],
      [`/recordings/${recordingId}`, 'recording'],
      ['/rooms', 'rooms'],
      ['/admin/recorders', 'admin-recorders'],
      ['/admin/audit', 'admin-audit'],
      ['/admin/storage', 'admin-storage'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const html = await response.text();
      expect(html).toContain(`data-page="${page}"`);
      expect(html).toContain('<script type="module" src="/static/classroom.js"></script>');
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    }
    const bundle = await fetch(`${base}/static/classroom.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers 400 for a room id the signalling would refuse', async () => {
    await build('classroom.js');
    for (const id of ['bad%20id', 'x'.repeat(65), 'a.b']) {
      const response = await fetch(`${base}/room/${id}`);
      expect(response.status, id).toBe(400);
      expect(await response.text()).toContain('Invalid room name');
    }
  });

  it('answers 400 for a recording link whose id is not a UUID', async () => {
    await build('classroom.js');
    for (const id of ['not-a-uuid', '123', `${recordingId}x`, '%3Cscript%3E']) {
      const response = await fetch(`${base}/recordings/${id}`);
      expect(response.status, id).toBe(400);
      const html = await response.text();
      expect(html).toContain('Invalid recording link');
      expect(html).not.toContain('<script');
    }
  });

  it('serves the recorder page’s own HTML when present, else a shell loading recorder.js', async () => {
    await build('recorder.js');
    const generated = await (await fetch(`${base}/recorder`)).text();
    expect(generated).toContain('<script type="module" src="/static/recorder.js"></script>');

    await writeFile(join(dir, 'recorder.html'), '<!doctype html><title>own recorder page</title>');
    const own = await fetch(`${base}/recorder`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('own recorder page');
  });
});
