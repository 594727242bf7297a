/**
 * Bundles the browser code into dist/web with esbuild: the classroom UI
 * (classroom.js + classroom.css) and, once they exist, the recorder page
 * (recorder.js) and its compositor worker (compositor-worker.js).
 * Usage: npm run build:web [-- --watch]
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/web');

/** Output name (without extension) -> entry file, relative to the project root. */
const candidates: Record<string, string> = {
  classroom: 'classroom-ui/src/main.ts',
  recorder: 'recorder-page/src/main.ts',
  'compositor-worker': 'recorder-page/src/compositor.worker.ts',
};

async function main(): Promise<void> {
  const watch = process.argv.includes('--watch');
  const entryPoints = Object.entries(candidates)
    .filter(([, file]) => existsSync(join(root, file)))
    .map(([out, file]) => ({ out, in: join(root, file) }));
  if (!entryPoints.some((e) => e.out === 'classroom')) {
    throw new Error(`missing entry ${candidates.classroom}`);
  }

  await rm(outdir, { recursive: true, force: true });
  const options: esbuild.BuildOptions = {
    absWorkingDir: root,
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    sourcemap: true,
    // Worker and pages are separate files with stable names: the pages and
    // the recorder bot refer to them by name.
    splitting: false,
    entryNames: '[name]',
    legalComments: 'linked',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  };

  if (watch) {
    const context = await esbuild.context(options);
    await context.watch();
    process.stdout.write(`watching; bundles in ${relative(process.cwd(), outdir) || outdir}\n`);
    return;
  }
  const result = await esbuild.build({ ...options, metafile: true });
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.map') || file.endsWith('.LEGAL.txt')) continue;
    process.stdout.write(`${file}  ${(output.bytes / 1024).toFixed(1)} KiB\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `build:web failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
