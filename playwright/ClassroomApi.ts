/**
 * The small HTTP client the fixture drives a classroom server with: sign
 * in, create users (admin), rooms and members, start/stop/read/download
 * recordings. Response types come from the server's REST contract.
 */
import type { RecordingDetailJson, StartedRecordingJson } from '#protocol/rest/recordings';
import type { RoomDetailJson } from '#protocol/rest/rooms';
import type { RecorderBotJson } from '#protocol/rest/admin';
import type { PublicUserJson, SessionJson } from '#protocol/rest/users';

/** An API answer that was not 2xx. */
export class ClassroomApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ClassroomApiError';
  }
}

export class ClassroomApi {
  constructor(readonly baseUrl: string) {}

  async request<T>(
    method: string,
    path: string,
    { token, body }: { token?: string; body?: unknown } = {},
  ): Promise<T> {
    const res = await fetch(new URL(`/api/v1${path}`, this.baseUrl), {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const error = (await res.json().catch(() => ({}))) as {
        error?: { code?: string; message?: string };
      };
      throw new ClassroomApiError(
        res.status,
        error.error?.code ?? `http_${res.status}`,
        `${method} ${path}: ${res.status} ${error.error?.message ?? res.statusText}`,
      );
    }
    return (await res.json()) as T;
  }

  login(email: string, password: string): Promise<SessionJson> {
    return this.request('POST', '/auth/login', { body: { email, password } });
  }

  async createUser(
    adminToken: string,
    user: { email: string; password: string; fullName: string; role: PublicUserJson['role'] },
  ): Promise<PublicUserJson> {
    return (
      await this.request<{ user: PublicUserJson }>('POST', '/users', {
        token: adminToken,
        body: user,
      })
    ).user;
  }

  createRoom(
    token: string,
    room: { roomId: string; title: string; access?: 'members' | 'open' },
  ): Promise<RoomDetailJson> {
    return this.request('POST', '/rooms', { token, body: room });
  }

  addMember(
    token: string,
    roomId: string,
    member: { email: string; role: 'student' | 'instructor' },
  ): Promise<unknown> {
    return this.request('POST', `/rooms/${encodeURIComponent(roomId)}/members`, {
      token,
      body: member,
    });
  }

  startRecording(token: string, roomId: string, title: string): Promise<StartedRecordingJson> {
    return this.request('POST', '/recordings/start', { token, body: { roomId, title } });
  }

  stopRecording(token: string, id: string): Promise<unknown> {
    return this.request('POST', `/recordings/${id}/stop`, { token });
  }

  getRecording(token: string, id: string): Promise<RecordingDetailJson> {
    return this.request('GET', `/recordings/${id}`, { token });
  }

  deleteRecording(token: string, id: string): Promise<unknown> {
    return this.request('DELETE', `/recordings/${id}`, { token });
  }

  async recorderBots(adminToken: string): Promise<RecorderBotJson[]> {
    return (
      await this.request<{ items: RecorderBotJson[] }>('GET', '/admin/recorders', {
        token: adminToken,
      })
    ).items;
  }

  async download(token: string, id: string): Promise<Buffer> {
    const res = await fetch(new URL(`/api/v1/recordings/${id}/download`, this.baseUrl), {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok)
      throw new ClassroomApiError(
        res.status,
        `http_${res.status}`,
        `download ${id}: ${res.status}`,
      );
    return Buffer.from(await res.arrayBuffer());
  }
}
