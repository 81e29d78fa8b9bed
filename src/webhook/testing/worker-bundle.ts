/**
 * The admission worker script bundled as scripts/build.mjs bundles it, into a temporary folder: a
 * thread loads it in a fraction of the time the sources take through tsx. Tests pass it to
 * `createAdmissionWorkerPool` (`worker`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export async function bundleAdmissionWorker(): Promise<{ url: URL; remove(): void }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sk-hostile-worker-'));
  const url = pathToFileURL(path.join(dir, 'webhook-worker.mjs'));
  await build({
    entryPoints: [fileURLToPath(new URL('../admission-worker.ts', import.meta.url))],
    outfile: fileURLToPath(url),
    bundle: true,
    format: 'esm',
    platform: 'node',
    banner: { js: "import { createRequire as __skCreateRequire } from 'node:module'; const require = __skCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return { url, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
