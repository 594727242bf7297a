/**
 * A tiny HTTP client for integration tests: JSON in, status/JSON/headers
 * out. Bodies are `unknown`: tests parse them with the REST contract's zod
 * schemas (#protocol/rest/*) instead of declaring response types again.
 */
export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface ApiRequest {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Calls `baseUrl + /api/v1 + path`; never throws on a non-2xx status. */
export async function callApi(
  baseUrl: string,
  path: string,
  { method = 'GET', token, body, headers = {} }: ApiRequest = {},
): Promise<ApiResponse> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get('content-type') ?? '';
  const parsed: unknown = type.includes('application/json')
    ? await res.json()
    : await res.arrayBuffer();
  return { status: res.status, body: parsed, headers: res.headers };
}
