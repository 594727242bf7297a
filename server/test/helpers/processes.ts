/** Finds processes by their command line (Linux /proc), for asserting that tests leave none behind. */
import { readdir, readFile } from 'node:fs/promises';
import { browsersUnder } from '#recorder-bot/orphanBrowsers';

export async function pidsMatching(fragment: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(fragment)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Every live descendant of `pid` (children, their children, …), from /proc/<pid>/stat. */
export async function descendantsOf(pid: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parentOf]
      .filter(([, ppid]) => frontier.includes(ppid))
      .map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** True while a process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Main processes (not renderers, GPU, utility...) of the browsers whose profile is under `root`. */
export async function browserMainsUnder(root: string): Promise<number[]> {
  const mains: number[] = [];
  for (const pid of await browsersUnder(root)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('--type=')) mains.push(pid);
  }
  return mains;
}
