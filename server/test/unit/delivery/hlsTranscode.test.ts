import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HlsRendition } from '#protocol/delivery';
import {
  AUDIO_BITRATE,
  AUDIO_RENDITION,
  INIT_SEGMENT,
  VARIANT_PLAYLIST,
  audioArgs,
  avcCodecOf,
  codecsString,
  h264Level,
  masterPlaylist,
  parseVariantPlaylist,
  renditionsFor,
  transcodeArgs,
  type RenditionSpec,
} from '#server/delivery/hlsTranscode';

describe('h264Level', () => {
  // H.264 Table A-1: [level, MaxFS (macroblocks), MaxMBPS (macroblocks/s)].
  it.each([
    // 40x23 = 920 MBs, 27 600 MB/s: level 3 (1 620, 40 500).
    [640, 360, 30, '3.0'],
    // 80x45 = 3 600 MBs, 108 000 MB/s: exactly level 3.1's limits.
    [1280, 720, 30, '3.1'],
    // 216 000 MB/s: over 3.1's 108 000, exactly 3.2's 216 000.
    [1280, 720, 60, '3.2'],
    // 120x68 = 8 160 MBs (1080 rounds up to 68 rows), 244 800 MB/s: level 4 (8 192, 245 760).
    [1920, 1080, 30, '4.0'],
    // 489 600 MB/s: level 4.2 (8 704, 522 240).
    [1920, 1080, 60, '4.2'],
    // 240x135 = 32 400 MBs, 972 000 MB/s: level 5.1 (36 864, 983 040).
    [3840, 2160, 30, '5.1'],
    // 1 944 000 MB/s: level 5.2 (36 864, 2 073 600).
    [3840, 2160, 60, '5.2'],
  ])('%ix%i@%i → %s', (width, height, fps, level) => {
    expect(h264Level(width, height, fps)).toBe(level);
  });

  it('counts partial macroblocks: one pixel over a level’s frame size moves up a level', () => {
    // 1281x720: 81x45 = 3 645 MBs > 3 600.
    expect(h264Level(1281, 720, 30)).toBe('3.2');
    // 1280x721: 80x46 = 3 680 MBs.
    expect(h264Level(1280, 721, 30)).toBe('3.2');
  });

  it('frame rate alone can move the level up (macroblock rate)', () => {
    // 920 MBs: 30 fps = 27 600 (3.0), 50 fps = 46 000 (over 40 500: 3.1).
    expect(h264Level(640, 360, 50)).toBe('3.1');
  });

  it('small sizes get level 3.0 (the lowest in the table)', () => {
    expect(h264Level(320, 240, 15)).toBe('3.0');
    expect(h264Level(2, 2, 1)).toBe('3.0');
  });
});

describe('avcCodecOf', () => {
  const withAvcC = (profile: number, flags: number, level: number) =>
    Buffer.concat([
      Buffer.from('\0\0\0\x20ftypiso6', 'latin1'),
      Buffer.alloc(16),
      Buffer.from([0, 0, 0, 0x30]),
      Buffer.from('avcC', 'latin1'),
      Buffer.from([1, profile, flags, level, 0xff, 0xe1]),
    ]);

  it('reads profile, constraint flags and level from the avcC box', () => {
    expect(avcCodecOf(withAvcC(0x42, 0xc0, 0x1f))).toBe('avc1.42c01f');
    expect(avcCodecOf(withAvcC(0x64, 0x00, 0x28))).toBe('avc1.640028');
  });

  it('is null without an avcC box, or with one it cannot read', () => {
    expect(avcCodecOf(Buffer.from('no box here', 'latin1'))).toBeNull();
    expect(avcCodecOf(Buffer.from('xxxxavcC', 'latin1'))).toBeNull();
    const wrongVersion = withAvcC(0x42, 0xc0, 0x1f);
    wrongVersion[wrongVersion.indexOf('avcC', 0, 'latin1') + 4] = 2;
    expect(avcCodecOf(wrongVersion)).toBeNull();
  });
});

describe('codecsString', () => {
  it.each([
    ['3.0', 'avc1.64001e,mp4a.40.2'],
    ['3.1', 'avc1.64001f,mp4a.40.2'],
    ['3.2', 'avc1.640020,mp4a.40.2'],
    ['4.0', 'avc1.640028,mp4a.40.2'],
    ['4.2', 'avc1.64002a,mp4a.40.2'],
    ['5.1', 'avc1.640033,mp4a.40.2'],
    ['5.2', 'avc1.640034,mp4a.40.2'],
  ])('level %s → %s (High profile, AAC-LC)', (level, codecs) => {
    expect(codecsString(level)).toBe(codecs);
  });

  it('every level h264Level can return has a valid RFC 6381 avc1 string', () => {
    for (const [w, h, fps] of [
      [640, 360, 30],
      [1280, 720, 60],
      [3840, 2160, 60],
    ] as const) {
      expect(codecsString(h264Level(w, h, fps))).toMatch(/^avc1\.6400[0-9a-f]{2},mp4a\.40\.2$/);
    }
  });
});

describe('renditionsFor', () => {
  it('a 720p source gets the source and a 360p rendition, source first', () => {
    const list = renditionsFor(720, 360);
    expect(list.map((r) => r.name)).toEqual(['source', '360p']);
    expect(list[0]!.height).toBeNull();
    expect(list[1]!.height).toBe(360);
    // The low rendition is the cheaper one.
    expect(list[1]!.maxBitrate).toBeLessThan(list[0]!.maxBitrate);
    expect(list[1]!.crf).toBeGreaterThanOrEqual(list[0]!.crf);
  });

  it.each([360, 240])('a %ip source (not bigger than the low height) gets only the source', (h) => {
    expect(renditionsFor(h, 360).map((r) => r.name)).toEqual(['source']);
  });

  it('lowHeight 0 means only the source', () => {
    expect(renditionsFor(1080, 0).map((r) => r.name)).toEqual(['source']);
  });

  it('the low rendition is named after its height', () => {
    expect(renditionsFor(1080, 480).map((r) => [r.name, r.height])).toEqual([
      ['source', null],
      ['480p', 480],
    ]);
  });
});

const VOD = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.000000,
seg_00000.m4s
#EXTINF:4.000000,
seg_00001.m4s
#EXTINF:3.966667,
seg_00002.m4s
#EXTINF:0.533333,
seg_00003.m4s
#EXT-X-ENDLIST
`;

describe('parseVariantPlaylist', () => {
  it('reads the segments with their durations, the init segment and the target duration', () => {
    expect(parseVariantPlaylist(VOD)).toEqual({
      segments: [
        { uri: 'seg_00000.m4s', durationSeconds: 4 },
        { uri: 'seg_00001.m4s', durationSeconds: 4 },
        { uri: 'seg_00002.m4s', durationSeconds: 3.966667 },
        { uri: 'seg_00003.m4s', durationSeconds: 0.533333 },
      ],
      mapUri: 'init.mp4',
      targetDuration: 4,
    });
  });

  it('copes with CRLF line ends, blank lines and EXTINF titles', () => {
    const text = VOD.replace('#EXTINF:4.000000,\nseg_00001', '#EXTINF:4.000000,title\n\nseg_00001')
      .split('\n')
      .join('\r\n');
    const parsed = parseVariantPlaylist(text);
    expect(parsed.segments.map((s) => s.uri)).toEqual([
      'seg_00000.m4s',
      'seg_00001.m4s',
      'seg_00002.m4s',
      'seg_00003.m4s',
    ]);
    expect(parsed.segments[1]!.durationSeconds).toBe(4);
    expect(parsed.mapUri).toBe('init.mp4');
    expect(parsed.targetDuration).toBe(4);
  });

  it('a playlist without map or segments gives nulls and zeros', () => {
    expect(parseVariantPlaylist('#EXTM3U\n#EXT-X-ENDLIST\n')).toEqual({
      segments: [],
      mapUri: null,
      targetDuration: 0,
    });
  });

  it('a segment without EXTINF has duration 0, and a duration does not carry over', () => {
    const parsed = parseVariantPlaylist('#EXTM3U\n#EXTINF:2.5,\na.m4s\nb.m4s\n');
    expect(parsed.segments).toEqual([
      { uri: 'a.m4s', durationSeconds: 2.5 },
      { uri: 'b.m4s', durationSeconds: 0 },
    ]);
  });
});

function rendition(name: string, width: number, height: number, bw: number): HlsRendition {
  return {
    name,
    width,
    height,
    bandwidth: bw,
    averageBandwidth: Math.round(bw * 0.75),
    codecs: codecsString(h264Level(width, height, 30)),
    durationSeconds: 12.5,
    segments: 4,
  };
}

describe('masterPlaylist', () => {
  const low = rendition('360p', 640, 360, 700_000);
  const source = rendition('source', 1280, 720, 2_400_000);

  it('lists the highest rendition first with every attribute, and the variant URIs', () => {
    const text = masterPlaylist([low, source], 30);
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=2400000,AVERAGE-BANDWIDTH=1800000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2"',
        'source/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=700000,AVERAGE-BANDWIDTH=525000,RESOLUTION=640x360,FRAME-RATE=30.000,CODECS="avc1.64001e,mp4a.40.2"',
        '360p/index.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('with audio, names the shared audio rendition and every variant joins its group', () => {
    const lines = masterPlaylist([low, source], 30, true).trimEnd().split('\n');
    expect(lines[3]).toBe(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
    );
    const infs = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(infs).toHaveLength(2);
    for (const inf of infs) expect(inf.endsWith(',AUDIO="audio"')).toBe(true);
  });

  it('does not reorder its argument, and the order does not depend on it', () => {
    const input = [low, source];
    expect(masterPlaylist(input, 30)).toBe(masterPlaylist([source, low], 30));
    expect(input).toEqual([low, source]);
  });

  it('every STREAM-INF is followed by its variant URI', () => {
    const lines = masterPlaylist([low, source], 25).trimEnd().split('\n');
    const infs = lines.flatMap((l, i) => (l.startsWith('#EXT-X-STREAM-INF:') ? [i] : []));
    expect(infs).toHaveLength(2);
    for (const i of infs) {
      for (const attr of ['BANDWIDTH=', 'AVERAGE-BANDWIDTH=', 'RESOLUTION=', 'CODECS="']) {
        expect(lines[i]).toContain(attr);
      }
      expect(lines[i]).toContain('FRAME-RATE=25.000');
      expect(lines[i + 1]).toMatch(new RegExp(`^(source|360p)/${VARIANT_PLAYLIST}$`));
    }
  });
});

describe('transcodeArgs', () => {
  const base = {
    source: { width: 1280, height: 720, durationMs: 60_000 },
    fps: 30,
    segmentSeconds: 4,
    preset: 'ultrafast' as const,
    outDir: join('out', 'hls'),
    audio: false,
  };
  const two = renditionsFor(720, 360);
  const one = renditionsFor(720, 0);

  const valueOf = (args: string[], flag: string) => {
    const i = args.indexOf(flag);
    expect(i, `${flag} present`).toBeGreaterThanOrEqual(0);
    return args[i + 1]!;
  };
  const valuesOf = (args: string[], flag: string) =>
    args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
  /** The arguments of output `n` (after the filter graph, split at each output file). */
  const outputs = (args: string[]) => {
    const start = args.indexOf('-filter_complex') + 2;
    const groups: string[][] = [];
    let current: string[] = [];
    for (let i = start; i < args.length; i++) {
      current.push(args[i]!);
      if (args[i] === '-y') {
        current.push(args[++i]!);
        groups.push(current);
        current = [];
      }
    }
    expect(current).toEqual([]);
    return groups;
  };

  it('reads the given input and reports progress on stdout', () => {
    const args = transcodeArgs({ ...base, renditions: two }, 'in.webm');
    expect(valueOf(args, '-i')).toBe('in.webm');
    expect(valueOf(args, '-progress')).toBe('pipe:1');
    expect(transcodeArgs({ ...base, renditions: two }, 'pipe:0')).toContain('pipe:0');
  });

  it('fps= is the first filter of the graph (MediaRecorder WebM declares 1000 fps)', () => {
    const graph = valueOf(
      transcodeArgs({ ...base, renditions: two }, 'in.webm'),
      '-filter_complex',
    );
    expect(graph.startsWith('[0:v:0]fps=30,')).toBe(true);
    expect(graph.match(/fps=/g)).toHaveLength(1);
    expect(
      valueOf(transcodeArgs({ ...base, fps: 25, renditions: one }, 'x'), '-filter_complex'),
    ).toMatch(/^\[0:v:0\]fps=25,/);
  });

  it('splits once into one scaled, yuv420p branch per rendition, at even sizes', () => {
    const graph = valueOf(
      transcodeArgs({ ...base, renditions: two }, 'in.webm'),
      '-filter_complex',
    );
    expect(graph).toBe(
      '[0:v:0]fps=30,split=2[s0][s1];' +
        '[s0]scale=1280:720:flags=bilinear,format=yuv420p[v0];' +
        '[s1]scale=640:360:flags=bilinear,format=yuv420p[v1]',
    );
    const odd = transcodeArgs(
      {
        ...base,
        source: { width: 853, height: 481, durationMs: 1 },
        renditions: renditionsFor(481, 240),
      },
      'x',
    );
    for (const [, w, h] of valueOf(odd, '-filter_complex').matchAll(/scale=(\d+):(\d+)/g)) {
      expect(Number(w) % 2).toBe(0);
      expect(Number(h) % 2).toBe(0);
    }
  });

  it('the one shared AAC rendition is an ffmpeg of its own (beside the video’s), reading the same input', () => {
    expect(valuesOf(transcodeArgs({ ...base, renditions: two }, 'in.webm'), '-map')).not.toContain(
      '0:a:0',
    );
    const args = audioArgs(base, 'in.webm');
    expect(valueOf(args, '-i')).toBe('in.webm');
    expect(args).not.toContain('-filter_complex');
    expect(args.filter((a) => a === '-y')).toHaveLength(1);
    const audio = args.slice(args.indexOf('-i') + 2);
    expect(valuesOf(audio, '-map')).toEqual(['0:a:0']);
    expect(audio).toContain('-vn');
    expect(valueOf(audio, '-c:a')).toBe('aac');
    expect(valueOf(audio, '-aac_coder')).toBe('fast');
    expect(valueOf(audio, '-b:a')).toBe(String(AUDIO_BITRATE));
    expect(audio.at(-1)).toBe(join(base.outDir, AUDIO_RENDITION, VARIANT_PLAYLIST));
    expect(valuesOf(args, '-f')).toEqual(['hls']);
    expect(valueOf(args, '-hls_time')).toBe('4');
  });

  it('a single rendition uses no split', () => {
    const args = transcodeArgs({ ...base, renditions: one }, 'in.webm');
    const graph = valueOf(args, '-filter_complex');
    expect(graph).not.toContain('split');
    expect(graph).toMatch(/^\[0:v:0\]fps=30,/);
    expect(graph).toContain('[v0]');
    expect(outputs(args)).toHaveLength(1);
    expect(valuesOf(args, '-f')).toEqual(['hls']);
  });

  it('fixes the GOP at fps × segment seconds: -g = -keyint_min, no scene cuts, forced keyframes', () => {
    for (const [fps, segmentSeconds] of [
      [30, 4],
      [25, 6],
      [60, 2],
    ] as const) {
      const args = transcodeArgs({ ...base, fps, segmentSeconds, renditions: two }, 'x');
      const gop = String(fps * segmentSeconds);
      expect(valuesOf(args, '-g')).toEqual([gop, gop]);
      expect(valuesOf(args, '-keyint_min')).toEqual([gop, gop]);
      expect(valuesOf(args, '-sc_threshold')).toEqual(['0', '0']);
      expect(valuesOf(args, '-force_key_frames')).toEqual([
        `expr:gte(t,n_forced*${segmentSeconds})`,
        `expr:gte(t,n_forced*${segmentSeconds})`,
      ]);
      expect(valuesOf(args, '-hls_time')).toEqual([String(segmentSeconds), String(segmentSeconds)]);
    }
  });

  it('writes one fMP4 VOD HLS output per rendition into its own folder', () => {
    const args = transcodeArgs({ ...base, renditions: two }, 'in.webm');
    const groups = outputs(args);
    expect(groups).toHaveLength(2);
    for (const [i, spec] of two.entries()) {
      const out = groups[i]!;
      const dir = join(base.outDir, spec.name);
      expect(valueOf(out, '-map')).toBe(`[v${i}]`);
      // Video only: the one audio rendition is its own output.
      expect(valuesOf(out, '-map')).toEqual([`[v${i}]`]);
      expect(out).toContain('-an');
      expect(valueOf(out, '-f')).toBe('hls');
      expect(valueOf(out, '-hls_segment_type')).toBe('fmp4');
      expect(valueOf(out, '-hls_playlist_type')).toBe('vod');
      expect(valueOf(out, '-hls_fmp4_init_filename')).toBe(INIT_SEGMENT);
      expect(valueOf(out, '-hls_segment_filename')).toBe(join(dir, 'seg_%05d.m4s'));
      expect(out.at(-1)).toBe(join(dir, VARIANT_PLAYLIST));
      expect(valueOf(out, '-c:v')).toBe('libx264');
      expect(valueOf(out, '-preset')).toBe('ultrafast');
      expect(valueOf(out, '-profile:v')).toBe('high');
      expect(valueOf(out, '-crf')).toBe(String(spec.crf));
      expect(valueOf(out, '-maxrate')).toBe(String(spec.maxBitrate));
      expect(valueOf(out, '-bufsize')).toBe(String(spec.maxBitrate * 2));
    }
    // The level matches each output's own size.
    expect(valueOf(groups[0]!, '-level:v')).toBe('3.1');
    expect(valueOf(groups[1]!, '-level:v')).toBe('3.0');
    expect(valuesOf(args, '-f')).toEqual(['hls', 'hls']);
  });

  it('with an H.264 source, copies the own-size rendition and keys the others at its keyframes', () => {
    const keyframeTimes = [0.175, 2.203, 4.2061, 6.2];
    const args = transcodeArgs({ ...base, renditions: two, copySource: { keyframeTimes } }, 'x');
    // Only the 360p goes through the graph, with the source's frame times (no fps=).
    expect(valueOf(args, '-filter_complex')).toBe(
      '[0:v:0]null[s0];[s0]scale=640:360:flags=bilinear,format=yuv420p[v0]',
    );
    const [source, low] = outputs(args);
    expect(valuesOf(source!, '-map')).toEqual(['0:v:0']);
    expect(valueOf(source!, '-c:v')).toBe('copy');
    expect(source).not.toContain('-force_key_frames');
    expect(source!.at(-1)).toBe(join(base.outDir, 'source', VARIANT_PLAYLIST));
    expect(valuesOf(low!, '-map')).toEqual(['[v0]']);
    expect(valueOf(low!, '-c:v')).toBe('libx264');
    expect(valueOf(low!, '-fps_mode')).toBe('passthrough');
    expect(valueOf(low!, '-force_key_frames')).toBe('0.175,2.203,4.206,6.200');
    // No keyframes of its own between the forced ones (they are 2 s apart, the GOP is 16 s).
    expect(Number(valueOf(low!, '-g'))).toBe(30 * 4 * 4);
    expect(valueOf(low!, '-sc_threshold')).toBe('0');
    expect(low!.at(-1)).toBe(join(base.outDir, '360p', VARIANT_PLAYLIST));
  });

  it('with an H.264 source and the source rendition only, no filter graph at all', () => {
    const args = transcodeArgs(
      { ...base, renditions: one, copySource: { keyframeTimes: [0, 2] } },
      'x',
    );
    expect(args).not.toContain('-filter_complex');
    expect(valuesOf(args, '-c:v')).toEqual(['copy']);
  });

  it('passes the preset through', () => {
    const args = transcodeArgs({ ...base, preset: 'veryfast', renditions: two }, 'x');
    expect(valuesOf(args, '-preset')).toEqual(['veryfast', 'veryfast']);
  });

  it('scales a non-16:9 source by its aspect ratio', () => {
    const renditions: RenditionSpec[] = renditionsFor(960, 360);
    const args = transcodeArgs(
      { ...base, source: { width: 1280, height: 960, durationMs: 1 }, renditions },
      'x',
    );
    expect(valueOf(args, '-filter_complex')).toContain('[s1]scale=480:360:');
  });
});
