import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '#protocol/rest/openapi';
import { operations } from '#protocol/rest/operations';

type Content = Record<string, { example?: unknown }>;
type Method = {
  requestBody?: { content: Content };
  responses: Record<string, { content?: Content }>;
};

const document = buildOpenApiDocument();
const methodOf = (path: string, method: string) =>
  (document.paths[path] as Record<string, Method>)[method]!;

describe('the OpenAPI document’s examples', () => {
  it.each(operations.filter((op) => op.body && op.body !== 'binary'))(
    '$operationId: the request example is a valid request',
    (op) => {
      const example = methodOf(op.path, op.method).requestBody!.content['application/json']!
        .example;
      expect(
        (op.body as { safeParse(v: unknown): { success: boolean } }).safeParse(example).success,
      ).toBe(true);
    },
  );

  it.each(
    operations.flatMap((op) =>
      Object.entries(op.responses)
        .filter(([status, r]) => Number(status) < 400 && r.schema)
        .map(([status, r]) => ({
          id: `${op.operationId} ${status}`,
          op,
          status,
          schema: r.schema!,
        })),
    ),
  )('$id: the response example matches its schema', ({ op, status, schema }) => {
    const example = methodOf(op.path, op.method).responses[status]!.content!['application/json']!
      .example;
    const result = schema.safeParse(example);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });
});
