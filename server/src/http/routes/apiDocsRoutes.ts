/**
 * The API's own description: `GET /api/openapi.json` (OpenAPI 3.1, built
 * from the REST contract in protocol/rest) and `/api/docs`, Swagger UI
 * reading it. Public: the contract is not a secret, the data behind it is.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import { buildOpenApiDocument } from '#protocol/rest/openapi';

const swaggerUiDir = dirname(
  createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
);

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>classroom-recorder API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

// A file, not an inline script: the pages' CSP allows scripts from this origin only.
const initScript = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export function apiDocsRoutes({ version }: { version: string }): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument({ version }));
  router.get('/api/openapi.json', (_req, res) => {
    res.type('application/json').set('Cache-Control', 'no-cache').send(document);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').set('Cache-Control', 'no-cache').send(docsPage);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(initScript);
  });
  router.use('/api/docs/assets', express.static(swaggerUiDir, { index: false }));
  return router;
}
