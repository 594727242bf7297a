/**
 * The OpenAPI 3.1 document of the API, generated from `operations.ts`: its
 * request and response schemas are the zod schemas the server uses (zod's
 * own JSON Schema output, which is the dialect OpenAPI 3.1 speaks).
 */
import { z } from 'zod';
import { errorBodySchema } from './common';
import { operations, type Content, type Operation } from './operations';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Dates coerced from query strings have no JSON Schema form: they travel as strings.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
      if (def?.type === 'date')
        Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
    },
  }) as JsonSchema;
  return rest;
}

/**
 * An example value for a JSON Schema, made from the schema itself (formats,
 * enums, constants, defaults), so every documented body has one that stays
 * true to the schema when the schema changes.
 */
export function exampleOf(schema: JsonSchema, depth = 0): unknown {
  if (depth > 8) return null;
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const anyOf = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (anyOf?.length) return exampleOf(anyOf.find((s) => s.type !== 'null') ?? anyOf[0]!, depth + 1);
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).find((t) => t !== 'null')
    : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(
        Object.entries(properties).map(([k, v]) => [k, exampleOf(v, depth + 1)]),
      );
    }
    case 'array':
      return schema.items ? [exampleOf(schema.items as JsonSchema, depth + 1)] : [];
    case 'integer':
    case 'number':
      // zod states the safe-integer range as bounds; an example wants a plain positive number.
      return typeof schema.minimum === 'number' && schema.minimum > 0 ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'string':
      switch (schema.format) {
        case 'uuid':
          return '3f2b8c1e-6d4a-4f6e-9a2b-7c1d5e8f9a0b';
        case 'date-time':
          return '2026-12-01T09:30:00.000Z';
        case 'email':
          return 'ada@example.com';
        case 'uri':
          return 'https://classroom.example.com';
        case 'binary':
          return undefined;
        default:
          return typeof schema.pattern === 'string' && schema.pattern.includes('A-Za-z0-9_-')
            ? 'physics-101'
            : 'example text';
      }
    default:
      return null;
  }
}

const mediaType: Record<Content, string> = {
  json: 'application/json',
  'video/webm': 'video/webm',
  'image/jpeg': 'image/jpeg',
  'application/octet-stream': 'application/octet-stream',
  'application/vnd.apple.mpegurl': 'application/vnd.apple.mpegurl',
  'video/mp4': 'video/mp4',
};

const errorCodes: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'too_many_requests',
  500: 'internal',
  503: 'unavailable',
  507: 'insufficient_storage',
};

function errorResponse(status: number, description: string) {
  const code = errorCodes[status] ?? 'internal';
  return {
    description,
    content: {
      'application/json': {
        schema: jsonSchema(errorBodySchema, 'output'),
        example: { error: { code, message: description } },
      },
    },
  };
}

function parameters(op: Operation) {
  const list: JsonSchema[] = [];
  for (const [place, schema] of [
    ['path', op.params],
    ['query', op.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      list.push({
        name,
        in: place,
        required: place === 'path' || (object.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return list;
}

function responses(op: Operation) {
  const out: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(op.responses)) {
    const code = Number(status);
    if (code >= 400) {
      out[status] = errorResponse(code, response.description);
      continue;
    }
    const schema = response.schema ? jsonSchema(response.schema, 'output') : undefined;
    const content =
      response.content === 'json' && schema
        ? { 'application/json': { schema, example: exampleOf(schema) } }
        : response.content
          ? Object.fromEntries(
              [response.content, ...(response.also ?? [])].map((c) => [
                mediaType[c],
                { schema: { type: 'string', format: 'binary' } },
              ]),
            )
          : undefined;
    out[status] = { description: response.description, ...(content ? { content } : {}) };
  }
  if (op.params || op.query || op.body)
    out['400'] ??= errorResponse(400, 'Invalid input: the message names the fields');
  if (op.auth === 'user' || op.auth === 'admin' || op.auth === 'recorder') {
    out['401'] ??= errorResponse(401, 'Missing, invalid, expired or revoked token');
  }
  if (op.auth === 'admin') out['403'] ??= errorResponse(403, 'Admins only');
  out['500'] = errorResponse(500, 'Internal error (details only in the server log)');
  return out;
}

function jsonBody(schema: JsonSchema, example: unknown) {
  return {
    required: true,
    content: { 'application/json': { schema, example: example ?? exampleOf(schema) } },
  };
}

/** Builds the document; `serverUrl` fills `servers` (default: relative to where it is served). */
export function buildOpenApiDocument({ version = '0.1.0' }: { version?: string } = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const body =
      op.body === undefined
        ? undefined
        : op.body === 'binary'
          ? {
              required: true,
              content: {
                'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              },
            }
          : jsonBody(jsonSchema(op.body, 'input'), op.bodyExample);
    const security =
      op.auth === 'user' || op.auth === 'admin' || op.auth === 'recorder'
        ? [{ [op.auth === 'recorder' ? 'recorderToken' : 'userToken']: [] }]
        : [];
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      security,
      ...(op.auth === 'admin' ? { description: 'Admins only.' } : {}),
      parameters: parameters(op),
      ...(body ? { requestBody: body } : {}),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'classroom-recorder API',
      version,
      description:
        'Rooms, recordings, sharing and the audit trail. Errors are `{ "error": { "code", "message" } }`. ' +
        'Who may do what on a recording is one policy (view < download < share < manage); a caller ' +
        'without any level gets 404, exactly as for a recording that does not exist.',
    },
    servers: [{ url: '/' }],
    tags: [
      'auth',
      'users',
      'rooms',
      'recordings',
      'sharing',
      'audit',
      'recorder',
      'admin',
      'operations',
    ].map((name) => ({ name })),
    components: {
      securitySchemes: {
        userToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'From POST /api/v1/auth/login',
        },
        recorderToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The recorder bot’s token, scoped to one recording',
        },
      },
    },
    paths,
  };
}
