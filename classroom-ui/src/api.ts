/**
 * The HTTP API as the UI uses it: JSON in and out, Bearer token, and API
 * errors (`{ error: { code, message } }`) turned into ApiError.
 */
import type { Session, SessionUser } from './session';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  token?: string;
  body?: unknown;
  signal?: AbortSignal;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `request failed (${response.status})`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    // Not JSON (a proxy's page, an empty body): keep the status text.
  }
  return new ApiError(response.status, code, message);
}

/** Sends a request; resolves with the response (status 2xx) or rejects with ApiError. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'the server cannot be reached');
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function apiJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiFetch(path, options);
  return (await response.json()) as T;
}

export function login(email: string, password: string): Promise<Session> {
  return apiJson<Session>('/api/v1/auth/login', { method: 'POST', body: { email, password } });
}

export async function currentUser(token: string): Promise<SessionUser> {
  const { user } = await apiJson<{ user: SessionUser }>('/api/v1/auth/me', { token });
  return user;
}

/** Revokes the token on the server; the caller clears the session whatever the answer. */
export async function logout(token: string): Promise<void> {
  await apiFetch('/api/v1/auth/logout', { method: 'POST', token });
}

/** A query string of the set values only (`?a=1&b=x`), or '' when none is set. */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}
