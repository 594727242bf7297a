/**
 * Chromium command-line flags for a recorder bot. Each group exists for a
 * reason learned the hard way:
 * - headless servers: no sandbox as root, no GPU;
 * - closed networks: no background networking, updates, sync or QUIC
 *   (otherwise Chromium keeps retrying connections it can never make);
 * - recording: autoplay without a gesture (or MediaRecorder produces nothing),
 *   and no throttling of timers or renderers of a page nobody looks at.
 */
export function recorderChromiumFlags({
  width,
  height,
}: {
  width: number;
  height: number;
}): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
    '--no-default-browser-check',
    '--mute-audio',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
    '--disable-renderer-backgrounding',
    '--disable-features=Translate,MediaRouter,OptimizationHints',
    `--window-size=${width},${height}`,
  ];
}
