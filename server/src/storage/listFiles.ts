/** The files under a directory, for trees of recording files (a recording, its HLS tree, the store). */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * Every file below `root` (recursively), relative to it with `/` separators,
 * sorted; a missing directory has none.
 */
export async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return found.sort();
}
