/**
 * The images cache directory (~/.cache/sidecar-kit/images, under $SK_CACHE_DIR) and what the
 * builder and the importer share there: the podman storage, the lock that serialises builds
 * and imports of one cache, and small JSON records written atomically.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { cacheDir as skCacheDir } from '../../scripts/node-lts.mjs';
import { Podman } from './podman.js';

export function imagesCacheDir(dir?: string): string {
  return dir ?? join(skCacheDir(), 'images');
}

/** The podman (own storage) the images are built in and tests run them from. */
export function imagesPodman(opts: { readonly cacheDir?: string; readonly log?: (line: string) => void } = {}): Podman {
  const podman = new Podman(join(imagesCacheDir(opts.cacheDir), 'podman'), opts.log);
  podman.prepare();
  return podman;
}

/**
 * Runs `fn` holding the cache's lock: one build or import at a time per cache, across
 * processes (another checkout's build must not move a ref between this one's build and its
 * import). A holder that died frees it after a minute; waiting gives up after 30 minutes.
 */
export async function withImagesLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const release = await lock(dir, { lockfilePath: join(dir, 'build.lock'), stale: 60_000, update: 15_000, retries: { retries: 900, minTimeout: 2000, maxTimeout: 2000 } });
  try {
    return await fn();
  } finally {
    await release();
  }
}

export function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Writes JSON atomically (rename), creating the directory. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** A file name for a ref. */
export const refStem = (ref: string): string => ref.replace(/[^A-Za-z0-9._-]+/g, '_');
export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
