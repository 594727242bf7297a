/**
 * The composite recording's layouts, shared by the REST API (start, change
 * while recording), the bot's control channel and the recorder page.
 *
 * - `grid`: every participant in equal cells, cameras cropped to fill them.
 * - `speaker`: the active speaker large, the others in a strip below.
 * - `presentation`: a shared screen large, the speaker and the others beside it.
 * - `auto` (the default): `presentation` while someone shares a screen,
 *   `grid` otherwise.
 */
import { z } from 'zod';

export const recordingLayoutSchema = z.enum(['auto', 'grid', 'speaker', 'presentation']);
export type RecordingLayout = z.infer<typeof recordingLayoutSchema>;

/** A layout as drawn: `auto` resolved. */
export type ResolvedLayout = Exclude<RecordingLayout, 'auto'>;

export const DEFAULT_RECORDING_LAYOUT: RecordingLayout = 'auto';
