/**
 * Entry of the recorder page (bundled to recorder.js): reads the contract's
 * parameters, exposes `window[RECORDER_GLOBAL]`, and runs the recording.
 * Loaded by index.html as a module; no inline script (CSP script-src 'self').
 */
import {
  formatSignal,
  parseRecorderParams,
  RECORDER_GLOBAL,
  WARM_PARAM,
  type RecorderPageApi,
  type RecorderSignal,
} from '#protocol/recorderPage';
import { recordingLayoutSchema } from '#protocol/layout';
import { RecorderPage } from './RecorderPage';

function showError(message: string): void {
  let element = document.querySelector<HTMLDivElement>('[data-testid="recorder-error"]');
  if (!element) {
    element = document.createElement('div');
    element.className = 'error';
    element.dataset.testid = 'recorder-error';
    element.setAttribute('role', 'alert');
    document.body.append(element);
  }
  element.textContent = message;
}

function signal(value: RecorderSignal): void {
  console.info(formatSignal(value));
}

function log(message: string): void {
  console.info(`[recorder] ${message}`);
}

function main(): void {
  const canvas = document.querySelector<HTMLCanvasElement>('canvas#composite');
  const page = new RecorderPage({
    canvas: canvas ?? document.createElement('canvas'),
    workerUrl: new URL('compositor-worker.js', import.meta.url),
    signal,
    showError,
    log,
  });
  let begun = false;
  const begin = (search: string, hash: string): boolean => {
    if (begun) return false;
    begun = true;
    const parsed = parseRecorderParams(search, hash);
    if (!parsed.ok) {
      page.fail(parsed.message);
      return false;
    }
    if (!canvas) {
      page.fail('the page has no canvas#composite');
      return false;
    }
    void page.run(parsed.params);
    return true;
  };
  const api: RecorderPageApi = {
    get state() {
      return page.state;
    },
    stats: () => page.stats(),
    stop: () => page.stop(),
    setLayout: (layout) => page.setLayout(recordingLayoutSchema.parse(layout)),
    begin,
  };
  Object.defineProperty(window, RECORDER_GLOBAL, { value: api, enumerable: true });

  if (new URLSearchParams(location.search).get(WARM_PARAM) === '1') {
    // Loaded ahead of a recording: the bot calls begin() when one starts.
    log('warm: waiting for a recording');
    page.warmUp();
    return;
  }
  const { search, hash } = location;
  // The token has been read: keep it out of the address bar and history.
  if (hash) history.replaceState(null, '', location.pathname + search);
  begin(search, hash);
}

main();
