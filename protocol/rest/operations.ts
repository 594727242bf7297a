/**
 * Every HTTP operation of the API, described with the same zod schemas the
 * server validates requests with and types its answers with. The OpenAPI
 * document (openapi.ts) is generated from this list, and the contract test
 * calls every entry and checks real answers against it.
 */
import { z } from 'zod';
import {
  healthSchema,
  listDeliveriesQuery,
  webhookDeliveryPageSchema,
  recorderBotListSchema,
  storageReportSchema,
  syntheticParticipantBody,
  syntheticParticipantParams,
  syntheticParticipantRemovedSchema,
  syntheticParticipantSchema,
} from './admin';
import { auditPageSchema, listAuditQuery, recordingAuditQuery } from './audit';
import { roomIdSchema } from './common';
import {
  changeLayoutBody,
  createShareBody,
  deletedRecordingSchema,
  downloadQuery,
  listRecordingsQuery,
  playbackSchema,
  recordingDetailSchema,
  recordingPageSchema,
  recordingParams,
  recordingSchema,
  shareListSchema,
  shareParams,
  shareSchema,
  startRecordingBody,
  startedRecordingSchema,
  hlsFileParams,
  signedStreamQuery,
  streamQuery,
  verifyResultSchema,
  stoppedRecordingSchema,
  updateRecordingBody,
} from './recordings';
import {
  addMemberBody,
  createRoomBody,
  listRoomsQuery,
  roomDetailSchema,
  roomConnectSchema,
  roomMemberParams,
  roomMemberSchema,
  roomPageSchema,
  roomParams,
  updateRoomBody,
} from './rooms';
import {
  createUserBody,
  listUsersQuery,
  loginBody,
  registerBody,
  sessionSchema,
  updateUserBody,
  userEnvelopeSchema,
  userPageSchema,
  userParams,
} from './users';

/**
 * Who may call: nobody needs a token (`none`), a user token (`user`; the
 * policy decides the rest), an admin's user token (`admin`), the live
 * recorder token of that recording (`recorder`), the media token in the
 * URL (`media`), or the signature the server wrote into an HLS playlist
 * (`signed`).
 */
export type OperationAuth = 'none' | 'user' | 'admin' | 'recorder' | 'media' | 'signed';

export type Content =
  | 'json'
  | 'video/webm'
  | 'image/jpeg'
  | 'application/octet-stream'
  | 'application/vnd.apple.mpegurl'
  | 'video/mp4';

export interface OperationResponse {
  description: string;
  /** JSON body schema (content `json`). */
  schema?: z.ZodType;
  content?: Content;
  /** Other media types the same response may have (a recording's file is a WebM or an MP4). */
  also?: readonly Content[];
}

/** A finished recording's file, whichever its format. */
const recordingFile = (description: string) =>
  ({ description, content: 'video/webm', also: ['video/mp4'] }) as const;

export interface Operation {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template, e.g. `/api/v1/recordings/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth: OperationAuth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType | 'binary';
  /** An example body, where the one made from the schema would not be valid (one-of rules). */
  bodyExample?: unknown;
  /** Success answers and the error statuses particular to this operation. */
  responses: Record<number, OperationResponse>;
}

const json = (description: string, schema: z.ZodType): OperationResponse => ({
  description,
  schema,
  content: 'json',
});
const error = (description: string): OperationResponse => ({ description, content: 'json' });
const success = z.object({ success: z.literal(true) });
const notFound = error('No such resource, or not the caller’s to see');
const forbidden = error('Seen, but the caller lacks the permission');
const conflict = error('The resource is in a state that does not allow this');

const v1 = (path: string) => `/api/v1${path}`;

export const operations: readonly Operation[] = [
  {
    operationId: 'health',
    method: 'get',
    path: '/healthz',
    summary: 'Database and media workers are up',
    tag: 'operations',
    auth: 'none',
    responses: {
      200: json('Healthy', healthSchema),
      503: json(
        'Unhealthy',
        healthSchema.extend({ error: z.object({ code: z.string(), message: z.string() }) }),
      ),
    },
  },
  {
    operationId: 'register',
    method: 'post',
    path: v1('/auth/register'),
    summary: 'Create a student account (REGISTRATION=open)',
    tag: 'auth',
    auth: 'none',
    body: registerBody,
    responses: {
      201: json('Signed up and in', sessionSchema),
      403: error('Registration is closed'),
      409: error('Email already registered'),
      429: error('Too many attempts (Retry-After)'),
    },
  },
  {
    operationId: 'login',
    method: 'post',
    path: v1('/auth/login'),
    summary: 'Sign in',
    tag: 'auth',
    auth: 'none',
    body: loginBody,
    responses: {
      200: json('Signed in', sessionSchema),
      401: error('Wrong email or password'),
      429: error('Too many attempts (Retry-After)'),
    },
  },
  {
    operationId: 'logout',
    method: 'post',
    path: v1('/auth/logout'),
    summary: 'Revoke the token of this request',
    tag: 'auth',
    auth: 'user',
    responses: { 200: json('Signed out', success) },
  },
  {
    operationId: 'me',
    method: 'get',
    path: v1('/auth/me'),
    summary: 'The signed-in user',
    tag: 'auth',
    auth: 'user',
    responses: { 200: json('The user', userEnvelopeSchema) },
  },
  {
    operationId: 'listUsers',
    method: 'get',
    path: v1('/users'),
    summary: 'Find accounts by email or name',
    tag: 'users',
    auth: 'admin',
    query: listUsersQuery,
    responses: { 200: json('A page of accounts', userPageSchema) },
  },
  {
    operationId: 'createUser',
    method: 'post',
    path: v1('/users'),
    summary: 'Create an account with a role',
    tag: 'users',
    auth: 'admin',
    body: createUserBody,
    responses: { 201: json('Created', userEnvelopeSchema), 409: error('Email already registered') },
  },
  {
    operationId: 'updateUser',
    method: 'patch',
    path: v1('/users/{id}'),
    summary: 'Change an account’s role (effective on its next request)',
    tag: 'users',
    auth: 'admin',
    params: userParams,
    body: updateUserBody,
    responses: { 200: json('Changed', userEnvelopeSchema), 404: notFound },
  },
  {
    operationId: 'deleteUser',
    method: 'delete',
    path: v1('/users/{id}'),
    summary: 'Delete an account (its tokens and sockets stop working)',
    tag: 'users',
    auth: 'admin',
    params: userParams,
    responses: {
      200: json('Deleted', success.extend({ deletedAt: z.string() })),
      404: notFound,
    },
  },
  {
    operationId: 'createRoom',
    method: 'post',
    path: v1('/rooms'),
    summary: 'Create a room the caller owns (instructors, admins)',
    tag: 'rooms',
    auth: 'user',
    body: createRoomBody,
    responses: {
      201: json('Created', roomDetailSchema),
      403: forbidden,
      409: error('Room id taken'),
    },
  },
  {
    operationId: 'listRooms',
    method: 'get',
    path: v1('/rooms'),
    summary: 'Rooms the caller owns or is a member of (admins: all)',
    tag: 'rooms',
    auth: 'user',
    query: listRoomsQuery,
    responses: { 200: json('A page of rooms', roomPageSchema) },
  },
  {
    operationId: 'getRoom',
    method: 'get',
    path: v1('/rooms/{roomId}'),
    summary: 'A room the caller may join; members for its owner and admins',
    tag: 'rooms',
    auth: 'user',
    params: roomParams,
    responses: { 200: json('The room', roomDetailSchema), 404: notFound },
  },
  {
    operationId: 'connectRoom',
    method: 'get',
    path: v1('/rooms/{roomId}/connect'),
    summary:
      'The server hosting the room (one per room across servers on one database): connect the signalling there',
    tag: 'rooms',
    auth: 'user',
    params: roomParams,
    responses: { 200: json('Where to connect', roomConnectSchema), 404: notFound },
  },
  {
    operationId: 'updateRoom',
    method: 'patch',
    path: v1('/rooms/{roomId}'),
    summary: 'Change a room’s title or access (owner, admins)',
    tag: 'rooms',
    auth: 'user',
    params: roomParams,
    body: updateRoomBody,
    responses: { 200: json('Changed', roomDetailSchema), 403: forbidden, 404: notFound },
  },
  {
    operationId: 'addRoomMember',
    method: 'post',
    path: v1('/rooms/{roomId}/members'),
    summary: 'Add a member, or change a member’s role (owner, admins)',
    tag: 'rooms',
    auth: 'user',
    params: roomParams,
    body: addMemberBody,
    bodyExample: { email: 'sam@example.com', role: 'student' },
    responses: {
      201: json('Added', roomMemberSchema),
      200: json('Role changed', roomMemberSchema),
      403: forbidden,
      404: notFound,
    },
  },
  {
    operationId: 'removeRoomMember',
    method: 'delete',
    path: v1('/rooms/{roomId}/members/{userId}'),
    summary: 'Remove a member (taken out of the live room)',
    tag: 'rooms',
    auth: 'user',
    params: roomMemberParams,
    responses: { 200: json('Removed', success), 403: forbidden, 404: notFound },
  },
  {
    operationId: 'startRecording',
    method: 'post',
    path: v1('/recordings/start'),
    summary: 'Start recording a room (its owner, instructor members, admins)',
    tag: 'recordings',
    auth: 'user',
    body: startRecordingBody,
    responses: {
      201: json('Started', startedRecordingSchema),
      403: forbidden,
      404: notFound,
      409: error('The room records already'),
      503: error('Too many recordings in progress'),
      507: error('Too little disk space left, or the owner is over their storage quota'),
    },
  },
  {
    operationId: 'stopRecording',
    method: 'post',
    path: v1('/recordings/{id}/stop'),
    summary: 'Stop a recording (manage); a stopped one answers its state',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    responses: { 200: json('Stopped', stoppedRecordingSchema), 403: forbidden, 404: notFound },
  },
  {
    operationId: 'changeRecordingLayout',
    method: 'post',
    path: v1('/recordings/{id}/layout'),
    summary:
      'Change the layout of a recording in progress (manage): grid, speaker, presentation or auto',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    body: changeLayoutBody,
    responses: {
      200: json('The recording, with its new layout', recordingSchema),
      403: forbidden,
      404: notFound,
      409: conflict,
    },
  },
  {
    operationId: 'listRecordings',
    method: 'get',
    path: v1('/recordings'),
    summary: 'The recordings the caller may view, newest first',
    tag: 'recordings',
    auth: 'user',
    query: listRecordingsQuery,
    responses: { 200: json('A page of recordings', recordingPageSchema) },
  },
  {
    operationId: 'getRecording',
    method: 'get',
    path: v1('/recordings/{id}'),
    summary: 'One recording (view), with the caller’s access level',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    responses: { 200: json('The recording', recordingDetailSchema), 404: notFound },
  },
  {
    operationId: 'updateRecording',
    method: 'patch',
    path: v1('/recordings/{id}'),
    summary: 'Change title or description (manage)',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    body: updateRecordingBody,
    responses: { 200: json('Changed', recordingSchema), 403: forbidden, 404: notFound },
  },
  {
    operationId: 'deleteRecording',
    method: 'delete',
    path: v1('/recordings/{id}'),
    summary: 'Delete a recording and its files (manage)',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    responses: {
      200: json('Deleted', deletedRecordingSchema),
      403: forbidden,
      404: notFound,
      409: conflict,
    },
  },
  {
    operationId: 'downloadRecording',
    method: 'get',
    path: v1('/recordings/{id}/download'),
    summary:
      'The file (download), with a bearer token or the `?token=` of a download link; Range, ETag = SHA-256; 302 to a presigned URL with STORAGE=s3',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    query: downloadQuery,
    responses: {
      200: recordingFile('The file: a WebM (VP8/VP9) or an MP4 (H.264)'),
      206: recordingFile('A byte range of it'),
      302: { description: 'A presigned URL of the file in the bucket' },
      304: { description: 'Not modified (If-None-Match)' },
      403: forbidden,
      404: notFound,
      409: conflict,
    },
  },
  {
    operationId: 'createPlayback',
    method: 'post',
    path: v1('/recordings/{id}/playback'),
    summary: 'A media URL a <video> plays without headers (view)',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    responses: { 200: json('The URL', playbackSchema), 404: notFound, 409: conflict },
  },
  {
    operationId: 'playRecording',
    method: 'get',
    path: v1('/recordings/{id}/media'),
    summary: 'The file inline, through a media URL (the policy is asked again)',
    tag: 'recordings',
    auth: 'media',
    params: recordingParams,
    query: z.object({ token: z.string() }),
    responses: {
      200: recordingFile('The file: a WebM (VP8/VP9) or an MP4 (H.264)'),
      206: recordingFile('A byte range of it'),
      403: error('Expired, tampered or another recording’s link'),
      404: notFound,
    },
  },
  {
    operationId: 'streamRecording',
    method: 'get',
    path: v1('/recordings/{id}/stream'),
    summary:
      'The HLS master playlist (view): with `?token=` of a media URL, or a bearer token; its URLs are signed',
    tag: 'recordings',
    auth: 'media',
    params: recordingParams,
    query: streamQuery,
    responses: {
      200: { description: 'The master playlist', content: 'application/vnd.apple.mpegurl' },
      403: error('Expired, tampered or another recording’s link'),
      404: notFound,
      409: error('HLS is not ready (see the recording’s `hls.status`)'),
    },
  },
  {
    operationId: 'getHlsFile',
    method: 'get',
    path: v1('/recordings/{id}/hls/{rendition}/{file}'),
    summary:
      'A variant playlist, init segment or media segment, through the signed URL a playlist gave (302 to the bucket with STORAGE=s3)',
    tag: 'recordings',
    auth: 'signed',
    params: hlsFileParams,
    query: signedStreamQuery,
    responses: {
      200: { description: 'Playlist or segment', content: 'video/mp4' },
      206: { description: 'A byte range of a segment', content: 'video/mp4' },
      302: { description: 'A presigned URL of the segment in the bucket' },
      403: error('Expired or tampered signature, or another recording’s'),
      404: notFound,
      409: conflict,
    },
  },
  {
    operationId: 'verifyRecording',
    method: 'post',
    path: v1('/recordings/{id}/verify'),
    summary:
      'Re-hash the WebM where it is stored against its SHA-256 (admin); a mismatch marks it corrupted',
    tag: 'recordings',
    auth: 'admin',
    params: recordingParams,
    responses: {
      200: json('What the check found', verifyResultSchema),
      403: forbidden,
      404: notFound,
      409: conflict,
    },
  },
  {
    operationId: 'reprocessRecording',
    method: 'post',
    path: v1('/recordings/{id}/reprocess'),
    summary: 'Produce the HLS renditions again, as a job (admin)',
    tag: 'recordings',
    auth: 'admin',
    params: recordingParams,
    responses: {
      202: json('Queued; `hls.status` follows it', recordingSchema),
      403: forbidden,
      404: notFound,
      409: conflict,
    },
  },
  {
    operationId: 'getThumbnail',
    method: 'get',
    path: v1('/recordings/{id}/thumbnail'),
    summary: 'A frame from the middle (view)',
    tag: 'recordings',
    auth: 'user',
    params: recordingParams,
    responses: {
      200: { description: 'JPEG', content: 'image/jpeg' },
      304: { description: 'Not modified (If-None-Match)' },
      404: notFound,
    },
  },
  {
    operationId: 'listShares',
    method: 'get',
    path: v1('/recordings/{id}/shares'),
    summary: 'Who the recording is shared with (share)',
    tag: 'sharing',
    auth: 'user',
    params: recordingParams,
    responses: { 200: json('Shares', shareListSchema), 403: forbidden, 404: notFound },
  },
  {
    operationId: 'createShare',
    method: 'post',
    path: v1('/recordings/{id}/shares'),
    summary: 'Share with a user or a role of the room; again: change it (share)',
    tag: 'sharing',
    auth: 'user',
    params: recordingParams,
    body: createShareBody,
    bodyExample: { role: 'student', permission: 'view' },
    responses: {
      201: json('Shared', shareSchema),
      200: json('Share changed', shareSchema),
      403: forbidden,
      404: notFound,
    },
  },
  {
    operationId: 'deleteShare',
    method: 'delete',
    path: v1('/recordings/{id}/shares/{shareId}'),
    summary: 'Revoke a share (manage, or share for one’s own)',
    tag: 'sharing',
    auth: 'user',
    params: shareParams,
    responses: { 200: json('Revoked', success), 403: forbidden, 404: notFound },
  },
  {
    operationId: 'recordingAudit',
    method: 'get',
    path: v1('/recordings/{id}/audit'),
    summary: 'The recording’s audit trail (manage)',
    tag: 'audit',
    auth: 'user',
    params: recordingParams,
    query: recordingAuditQuery,
    responses: {
      200: json('A page of audit rows', auditPageSchema),
      403: forbidden,
      404: notFound,
    },
  },
  {
    operationId: 'listAudit',
    method: 'get',
    path: v1('/audit'),
    summary: 'The whole audit trail, filtered',
    tag: 'audit',
    auth: 'admin',
    query: listAuditQuery,
    responses: { 200: json('A page of audit rows', auditPageSchema) },
  },
  {
    operationId: 'uploadSlice',
    method: 'put',
    path: v1('/recordings/{id}/slices/{seq}'),
    summary: 'One MediaRecorder slice, in order (the recorder bot)',
    tag: 'recorder',
    auth: 'recorder',
    params: recordingParams.extend({ seq: z.coerce.number().int().min(0) }),
    body: 'binary',
    responses: {
      201: json('Appended', z.object({ seq: z.number().int(), bytes: z.number().int() })),
      200: json('Identical retry', z.object({ seq: z.number().int(), duplicate: z.literal(true) })),
      403: error('Not this recording’s token'),
      409: error('Out of order, different bytes, or not accepting slices'),
      413: error('Slice too large'),
    },
  },
  {
    operationId: 'storageReport',
    method: 'get',
    path: v1('/admin/storage'),
    summary: 'Bytes used per room and per owner, free space, the largest recordings',
    tag: 'admin',
    auth: 'admin',
    responses: { 200: json('The report', storageReportSchema) },
  },
  {
    operationId: 'listRecorderBots',
    method: 'get',
    path: v1('/admin/recorders'),
    summary: 'Running recorder bots with live stats and console',
    tag: 'admin',
    auth: 'admin',
    responses: { 200: json('Bots', recorderBotListSchema) },
  },
  {
    operationId: 'recorderPreview',
    method: 'get',
    path: v1('/admin/recorders/{id}/preview.jpg'),
    summary: 'What a bot draws right now',
    tag: 'admin',
    auth: 'admin',
    params: recordingParams,
    responses: {
      200: { description: 'JPEG', content: 'image/jpeg' },
      404: error('No running bot for this recording'),
      503: error('The bot cannot take a preview now'),
    },
  },
  {
    operationId: 'listWebhookDeliveries',
    method: 'get',
    path: v1('/admin/webhooks/deliveries'),
    summary: 'Recent webhook delivery attempts and their status codes',
    tag: 'admin',
    auth: 'admin',
    query: listDeliveriesQuery,
    responses: { 200: json('A page of attempts', webhookDeliveryPageSchema) },
  },
  {
    operationId: 'addSyntheticParticipant',
    method: 'post',
    path: v1('/admin/rooms/{roomId}/synthetic-participants'),
    summary: 'Add an ffmpeg-fed participant (RTP targets answered)',
    tag: 'admin',
    auth: 'admin',
    params: z.object({ roomId: roomIdSchema }),
    body: syntheticParticipantBody,
    responses: { 201: json('Added', syntheticParticipantSchema) },
  },
  {
    operationId: 'removeSyntheticParticipant',
    method: 'delete',
    path: v1('/admin/rooms/{roomId}/synthetic-participants/{peerId}'),
    summary: 'Remove a synthetic participant',
    tag: 'admin',
    auth: 'admin',
    params: syntheticParticipantParams,
    responses: { 200: json('Removed', syntheticParticipantRemovedSchema), 404: notFound },
  },
];
