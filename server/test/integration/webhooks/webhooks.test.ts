/**
 * Signed webhooks through the durable queue, on embedded PGlite and on
 * PostgreSQL: a local receiver gets started → stopped → ready in order with
 * signatures it can verify, a 500 is retried until it succeeds, every
 * attempt is listed for admins, and a receiver on a private address is
 * refused unless allowed.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPostgresDatabase, type TemporaryPostgresDatabase } from '#db/test/helpers/databases';
import { verifyWebhook, type WebhookEvent } from '#protocol/webhooks';
import { webhookDeliveryPageSchema } from '#protocol/rest/admin';
import { assertAllowedDestination, isPublicAddress } from '#server/webhooks/destination';
import { startTestServer, type TestServer, type TestUser } from '../../helpers/testServer';
import { FakeRecorderBotLauncher } from '../../helpers/FakeRecorderBotLauncher';
import { makeTestWebm } from '../../helpers/media';
import { callApi } from '../../helpers/api';
import { recordReady } from '../../helpers/recordings';

const secret = 'webhook-test-secret-0123456789abcdef0123456789';

interface Received {
  event: WebhookEvent;
  verified: boolean;
  headers: IncomingMessage['headers'];
}

/** A receiver on 127.0.0.1 that answers the first delivery of each type in `failFirst` with 500. */
async function startReceiver(failFirst: Set<string>) {
  const received: Received[] = [];
  const refusedOnce = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as WebhookEvent;
      const key = `${event.type} ${String(event.data.recording.id)}`;
      if (failFirst.has(event.type) && !refusedOnce.has(key)) {
        refusedOnce.add(key);
        res.writeHead(500).end();
        return;
      }
      const verdict = verifyWebhook({
        secret,
        body,
        timestamp: req.headers['x-webhook-timestamp'] as string | undefined,
        signature: req.headers['x-webhook-signature'] as string | undefined,
      });
      received.push({ event, verified: verdict.ok, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const modes = [
  { name: 'embedded PGlite', postgres: false },
  { name: 'PostgreSQL', postgres: true },
];

describe.each(modes)('webhooks on $name', ({ postgres }) => {
  let t: TestServer;
  let database: TemporaryPostgresDatabase | undefined;
  let mediaDir: string;
  let launcher: FakeRecorderBotLauncher;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let owner: TestUser;
  let admin: TestUser;

  const typesFor = (recordingId: string) =>
    receiver.received
      .filter((r) => r.event.data.recording.id === recordingId)
      .map((r) => r.event.type);

  const readyRecording = async (title: string) =>
    recordReady(t, launcher, owner, { roomId: await t.createRoom(owner), title });

  beforeAll(async () => {
    mediaDir = await mkdtemp(join(tmpdir(), 'webhooks-'));
    const clip = join(mediaDir, 'clip.webm');
    await makeTestWebm(clip, 2);
    launcher = new FakeRecorderBotLauncher(clip);
    receiver = await startReceiver(new Set(['recording.ready']));
    database = postgres ? await createPostgresDatabase() : undefined;
    t = await startTestServer(
      {
        WEBHOOK_URL: receiver.url,
        WEBHOOK_SECRET: secret,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_DELAY_SECONDS: '1',
        ...(database ? { DATABASE_URL: database.url } : {}),
      },
      { botLauncher: launcher },
    );
    owner = await t.createUser('instructor');
    admin = await t.createUser('admin');
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await receiver?.close();
    await rm(mediaDir, { recursive: true, force: true });
  });

  it('delivers started → stopped → ready in order, signed, retrying a 500, and lists every attempt', async () => {
    const recordingId = await readyRecording('hooked');
    await vi.waitFor(() => expect(typesFor(recordingId)).toContain('recording.ready'), {
      timeout: 30_000,
      interval: 100,
    });
    expect(typesFor(recordingId)).toEqual([
      'recording.started',
      'recording.stopped',
      'recording.ready',
    ]);
    for (const r of receiver.received.filter((x) => x.event.data.recording.id === recordingId)) {
      expect(r.verified).toBe(true);
      expect(r.headers['x-webhook-id']).toBe(r.event.id);
    }
    const last = receiver.received.filter((x) => x.event.data.recording.id === recordingId).at(-1)!;
    expect(last.event.data.recording).toMatchObject({ id: recordingId, status: 'ready' });

    const attempts = webhookDeliveryPageSchema
      .parse(
        (await callApi(t.url, '/admin/webhooks/deliveries?limit=100', { token: admin.token })).body,
      )
      .items.filter((d) => d.recordingId === recordingId && d.type === 'recording.ready');
    expect(attempts.map((a) => a.statusCode).sort()).toEqual([204, 500]);
    expect(
      (await callApi(t.url, '/admin/webhooks/deliveries', { token: owner.token })).status,
    ).toBe(403);
  });

  it('a share and a deletion are delivered too, after the recording’s earlier events', async () => {
    const recordingId = await readyRecording('shared then deleted');
    await callApi(t.url, `/recordings/${recordingId}/shares`, {
      method: 'POST',
      token: owner.token,
      body: { role: 'student', permission: 'view' },
    });
    await callApi(t.url, `/recordings/${recordingId}`, { method: 'DELETE', token: owner.token });
    await vi.waitFor(
      () =>
        expect(typesFor(recordingId)).toEqual([
          'recording.started',
          'recording.stopped',
          'recording.ready',
          'recording.shared',
          'recording.deleted',
        ]),
      { timeout: 30_000, interval: 100 },
    );
  });
});

describe('webhook destinations', () => {
  it('loopback, link-local and private receivers are refused unless allowed', async () => {
    await expect(assertAllowedDestination('http://127.0.0.1:9/x', false)).rejects.toThrow(
      /non-public/,
    );
    await expect(assertAllowedDestination('http://[::1]:9/x', false)).rejects.toThrow(/non-public/);
    await expect(assertAllowedDestination('http://localhost:9/x', false)).rejects.toThrow(
      /non-public/,
    );
    await expect(assertAllowedDestination('http://127.0.0.1:9/x', true)).resolves.toBeUndefined();
    for (const address of [
      '169.254.169.254',
      '10.1.2.3',
      '192.168.0.1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    expect(isPublicAddress('93.184.216.34')).toBe(true);
  });
});
