import { describe, expect, it } from 'vitest';
import {
  finishedContentType,
  finishedFile,
  formatForCodec,
  RAW_FILE,
  segmentPath,
} from '#server/recording/recordingFiles';

describe('recording files', () => {
  it('an H.264 recording is finished as an MP4, every other as a WebM', () => {
    expect(formatForCodec('h264')).toBe('mp4');
    for (const codec of ['vp8', 'vp9', null, undefined]) expect(formatForCodec(codec)).toBe('webm');
  });

  it('names and types the finished file by the row’s format (rows from before MP4: WebM)', () => {
    expect(finishedFile('mp4')).toBe('recording.mp4');
    expect(finishedContentType('mp4')).toBe('video/mp4');
    for (const format of ['webm', null, undefined, 'matroska']) {
      expect(finishedFile(format)).toBe('recording.webm');
      expect(finishedContentType(format)).toBe('video/webm');
    }
  });

  it('the first bot’s raw segment is the WebM name whatever the codec (Chromium’s muxer)', () => {
    expect(segmentPath('/d', 0)).toBe(`/d/${RAW_FILE}`);
    expect(segmentPath('/d', 2)).toBe('/d/recording.2.webm');
  });
});
