/**
 * Signed webhooks: each recording event is snapshotted when it happens and
 * delivered to every WEBHOOK_URL through the durable job queue, at least
 * once, with exponential backoff (up to WEBHOOK_RETRY_LIMIT attempts, about
 * a day with the defaults). Jobs are FIFO per recording and receiver, so a
 * receiver sees started → stopped → ready in that order even across retries.
 * Every attempt is recorded for the admins' view.
 */
import { randomUUID } from 'node:crypto';
import type { RecordingsRepository } from '#db/repositories/RecordingsRepository';
import type { RoomsRepository } from '#db/repositories/RoomsRepository';
import type { WebhookDeliveriesRepository } from '#db/repositories/WebhookDeliveriesRepository';
import { signWebhook, type WebhookEvent, type WebhookEventType } from '#protocol/webhooks';
import type { Logger } from '../logger';
import type { JobQueue } from '../jobs/JobQueue';
import { recordingJson } from '../http/routes/recordingJson';
import { assertAllowedDestination, DestinationRefusedError } from './destination';

const QUEUE = 'webhook-delivery';
const ATTEMPT_TIMEOUT_MS = 10_000;

interface DeliveryJob {
  url: string;
  event: WebhookEvent;
}

export interface WebhookServiceOptions {
  urls: readonly string[];
  secret: string;
  allowPrivate: boolean;
  retryDelaySeconds: number;
  retryLimit: number;
  queue: JobQueue;
  recordings: RecordingsRepository;
  rooms: RoomsRepository;
  deliveries: WebhookDeliveriesRepository;
  logger: Logger;
}

export class WebhookService {
  readonly #options: WebhookServiceOptions;
  readonly #log: Logger;
  /** Events being snapshotted and queued: flush() waits for them. */
  readonly #queuing = new Set<Promise<void>>();

  constructor(options: WebhookServiceOptions) {
    this.#options = options;
    this.#log = options.logger.child({ module: 'webhooks' });
  }

  async start(): Promise<void> {
    const { retryDelaySeconds, retryLimit } = this.#options;
    await this.#options.queue.register<DeliveryJob>(
      QUEUE,
      {
        policy: 'key_strict_fifo',
        retryLimit,
        retryDelay: retryDelaySeconds,
        retryBackoff: true,
        retryDelayMax: 3600,
        expireInSeconds: 60,
      },
      (job, meta) => this.#deliver(job, meta.retryCount + 1),
    );
  }

  /** Snapshots the recording now and queues the event for every receiver; never throws. */
  publish(type: WebhookEventType, recordingId: string): void {
    const queuing = this.#publish(type, recordingId)
      .catch((error: unknown) => {
        this.#log.error({ err: error, type, recordingId }, 'could not queue a webhook event');
      })
      .finally(() => this.#queuing.delete(queuing));
    this.#queuing.add(queuing);
  }

  /** Resolves once every event published so far is in the queue (before shutting it down). */
  async flush(): Promise<void> {
    await Promise.all([...this.#queuing]);
  }

  async #publish(type: WebhookEventType, recordingId: string): Promise<void> {
    const row = await this.#options.recordings.findById(recordingId, { includeDeleted: true });
    if (!row) return;
    const room = await this.#options.rooms.findById(row.roomId);
    const { access: _ignored, ...recording } = recordingJson(row, 'manage', room);
    const event: WebhookEvent = {
      id: randomUUID(),
      type,
      time: new Date().toISOString(),
      data: { recording: { ...recording, deletedAt: row.deletedAt?.toISOString() ?? null } },
    };
    for (const url of this.#options.urls) {
      await this.#options.queue.send(QUEUE, { url, event } satisfies DeliveryJob, {
        singletonKey: `${recordingId} ${url}`,
      });
    }
  }

  async #deliver({ url, event }: DeliveryJob, attempt: number): Promise<void> {
    const started = Date.now();
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      await assertAllowedDestination(url, this.#options.allowPrivate);
      const res = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'classroom-recorder-webhooks',
          'x-webhook-id': event.id,
          'x-webhook-timestamp': String(timestamp),
          'x-webhook-signature': signWebhook(this.#options.secret, timestamp, body),
        },
        body,
      });
      statusCode = res.status;
      await res.body?.cancel();
      if (!res.ok) error = `receiver answered ${res.status}`;
    } catch (failure) {
      error =
        failure instanceof DestinationRefusedError
          ? failure.message
          : `delivery failed: ${(failure as Error).message}`;
    }
    await this.#options.deliveries
      .record({
        eventId: event.id,
        type: event.type,
        url,
        recordingId: (event.data.recording.id as string | undefined) ?? null,
        attempt,
        statusCode,
        error,
        durationMs: Date.now() - started,
      })
      .catch((failure: unknown) =>
        this.#log.error({ err: failure }, 'could not record a delivery'),
      );
    if (error) {
      this.#log.warn(
        { url, eventId: event.id, type: event.type, attempt, error },
        'webhook delivery failed',
      );
      // Thrown so that the queue retries it later (and holds back this recording's later events).
      throw new Error(error);
    }
  }
}
