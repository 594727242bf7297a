/**
 * Launching and tearing down one recorder Chromium: shared by the bot that
 * launches its own browser and by the warm browsers launched ahead of time.
 * Every browser gets a fresh profile directory under the profile root (the
 * orphan sweep looks there) and runs under the parent-death launcher.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import puppeteer, { type Browser } from 'puppeteer-core';
import { recorderChromiumFlags } from './chromiumFlags';

/** Runs the real Chromium with the kernel's parent-death signal set (see the script). */
const PARENT_DEATH_LAUNCHER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../bin/chromium-with-parent-death',
);
/** A browser that does not close within this is SIGKILLed. */
const CLOSE_GRACE_MS = 5_000;
/** Prefix of every bot profile directory (the orphan sweep and the tests look for it). */
export const PROFILE_PREFIX = 'recorder-bot-';

export interface RecorderBrowser {
  browser: Browser;
  userDataDir: string;
}

export async function launchRecorderBrowser({
  chromiumPath,
  profileRoot,
  width,
  height,
  nice = 0,
}: {
  chromiumPath: string;
  profileRoot: string;
  width: number;
  height: number;
  /** Niceness of the browser's processes (0: normal priority). */
  nice?: number;
}): Promise<RecorderBrowser> {
  await mkdir(profileRoot, { recursive: true });
  const userDataDir = await mkdtemp(join(profileRoot, PROFILE_PREFIX));
  try {
    const browser = await puppeteer.launch({
      executablePath: PARENT_DEATH_LAUNCHER,
      env: {
        ...process.env,
        CLASSROOM_CHROMIUM_BIN: chromiumPath,
        CLASSROOM_CHROMIUM_NICE: nice ? String(nice) : '',
      },
      headless: true,
      args: recorderChromiumFlags({ width, height }),
      userDataDir,
      defaultViewport: { width, height },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      protocolTimeout: 30_000,
    });
    return { browser, userDataDir };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** Closes the browser (SIGKILL if it lingers) and removes its profile. Never rejects. */
export async function closeRecorderBrowser(
  browser: Browser | undefined,
  userDataDir: string | undefined,
  log: Logger,
): Promise<void> {
  const removeProfile = () =>
    userDataDir
      ? // Its child processes may still write for a moment after the browser exits: retry.
        rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(
          (error: unknown) =>
            log.warn({ err: error, userDataDir }, 'could not remove the bot profile'),
        )
      : undefined;
  if (!browser) {
    await removeProfile();
    return;
  }
  const pid = browser.process()?.pid;
  const kill = () => {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(kill, CLOSE_GRACE_MS);
  await browser.close().catch(kill);
  clearTimeout(timer);
  await removeProfile();
}

/**
 * Sets the niceness of a browser and all its processes (a warm browser taken
 * over by a recording gets back the normal priority). Lowering it needs
 * CAP_SYS_NICE (root); without it the browser keeps its niceness: false.
 */
export async function reniceBrowser(pid: number, priority: number): Promise<boolean> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  let ok = true;
  for (const member of tree) {
    try {
      setPriority(member, priority);
    } catch {
      ok = false;
    }
  }
  return ok;
}
