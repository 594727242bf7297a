/**
 * The Express application: security headers, request ids and logs, JSON
 * bodies with a size limit, the API routers, static web bundles, and the one
 * error middleware. Routers are added by feature through `mount`.
 */
import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AppContext } from '../context';
import { errorHandler, notFoundHandler } from './middlewares/errorHandler';
import { authRoutes } from './routes/authRoutes';

export const JSON_BODY_LIMIT = '100kb';

export interface HttpAppOptions {
  /** Extra API routers, mounted under /api/v1 at their path. */
  apiRouters?: Array<[path: string, router: Router]>;
  /** Routers mounted at the root before the 404 handler (web pages, static files). */
  rootRouters?: Router[];
  /** Answers /healthz: resolves with component states, rejects when unhealthy. */
  health: () => Promise<Record<string, unknown>>;
}

/**
 * Origins the pages may fetch media from besides this one: the bucket, when
 * downloads and segments redirect to presigned URLs (STORAGE=s3 without
 * S3_PROXY). Path-style: the endpoint's origin; AWS itself: the bucket's
 * virtual-hosted and path-style hosts.
 */
export function storageOrigins(config: AppContext['config']): string[] {
  if (config.storage.backend !== 's3' || config.s3.proxy) return [];
  const { endpoint, bucket, region, forcePathStyle } = config.s3;
  if (endpoint) {
    const url = new URL(endpoint);
    return [forcePathStyle ? url.origin : `${url.protocol}//${bucket}.${url.host}`];
  }
  return [`https://${bucket}.s3.${region}.amazonaws.com`, `https://s3.${region}.amazonaws.com`];
}

export function createHttpApp(ctx: AppContext, options: HttpAppOptions): Express {
  const app = express();
  const mediaOrigins = storageOrigins(ctx.config);
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.http.trustProxy);

  app.use(
    pinoHttp({
      logger: ctx.logger.child({ module: 'http' }),
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id =
          typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Pages load their bundles from this origin and talk to it (HTTP,
          // WebSocket); media elements play MediaStreams (blob:/mediastream:).
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'connect-src': ["'self'", 'ws:', 'wss:', ...mediaOrigins],
          'img-src': ["'self'", 'data:', 'blob:'],
          'media-src': ["'self'", 'blob:', 'mediastream:', ...mediaOrigins],
          // A plain-http bucket (a store on the LAN) must not be "upgraded" to https.
          'upgrade-insecure-requests': mediaOrigins.some((o) => o.startsWith('http:')) ? null : [],
          'worker-src': ["'self'", 'blob:'],
          'style-src': ["'self'", "'unsafe-inline'"],
        },
      },
      // Allows the bot's page (same origin) to be embedded nowhere else.
      crossOriginEmbedderPolicy: false,
    }),
  );

  app.get('/healthz', async (_req, res) => {
    try {
      res.json({ status: 'ok', ...(await options.health()) });
    } catch (error) {
      res.status(503).json({
        status: 'unavailable',
        error: { code: 'unavailable', message: (error as Error).message },
      });
    }
  });

  const api = express.Router();
  api.use(express.json({ limit: JSON_BODY_LIMIT }));
  api.use('/auth', authRoutes(ctx));
  for (const [path, router] of options.apiRouters ?? []) api.use(path, router);
  api.use(notFoundHandler);
  app.use('/api/v1', api);

  for (const router of options.rootRouters ?? []) app.use(router);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
