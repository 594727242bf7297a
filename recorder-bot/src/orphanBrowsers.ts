/**
 * Finds and kills recorder browsers that a previous process left behind.
 * Every bot's Chromium runs with `--user-data-dir` under one profile root
 * per server (DATA_DIR/bots), so a browser whose command line names that
 * root, and whose launcher is not this process, is an orphan: the process
 * that owned it is gone. Complements the parent-death signal
 * (bin/chromium-with-parent-death), for machines without setpriv and for
 * browsers started before it existed. Linux (/proc) only; elsewhere a no-op.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface OrphanSweepResult {
  killed: number[];
  profilesRemoved: number;
}

/** Pids whose command line has `--user-data-dir=<profileRoot>/…`. */
export async function browsersUnder(profileRoot: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const marker = `--user-data-dir=${profileRoot.replace(/\/+$/, '')}/`;
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').some((arg) => arg.startsWith(marker))) pids.push(pid);
  }
  return pids;
}

/**
 * Kills (SIGKILL) every browser under `profileRoot` and removes the profile
 * directories. Call it before this process launches any bot there.
 */
export async function killOrphanBrowsers(profileRoot: string): Promise<OrphanSweepResult> {
  const killed: number[] = [];
  for (const pid of await browsersUnder(profileRoot)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Already gone.
    }
  }
  let profilesRemoved = 0;
  const profiles = await readdir(profileRoot).catch(() => [] as string[]);
  for (const name of profiles) {
    // The killed browsers' children may still be writing for a moment: retry.
    await rm(join(profileRoot, name), {
      recursive: true,
      force: true,
      maxRetries: 10,
      retryDelay: 100,
    });
    profilesRemoved += 1;
  }
  return { killed, profilesRemoved };
}
