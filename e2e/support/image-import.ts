/**
 * Images from the build storage into containerd (`podman save` → `ctr images import`), skipping
 * what containerd already holds as built.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { imagesPodman, readJson, sha256, writeJson } from './image-cache.js';
import type { ImportImagesOptions } from './images.js';
import type { Podman } from './podman.js';
import { run } from './process.js';

/**
 * Hands images from the build storage to containerd: the refs containerd lacks (or holds with
 * other content) are written by one `podman save -m` (docker-archive, shared layers once,
 * cached under the cache dir by refs and image ids) and read by one `ctr images import`
 * (unpacked for containerd's default snapshotter); refs it already holds as built are skipped.
 * Then the aliases are tagged. Throws naming what failed.
 */
export async function importUnlocked(list: readonly string[], dir: string, opts: ImportImagesOptions): Promise<void> {
  const log = opts.log ?? (() => undefined);
  const podman = imagesPodman({ cacheDir: dir, log });
  const ctr = [opts.ctr ?? 'ctr', '-a', opts.containerdAddress, '-n', opts.namespace ?? 'k8s.io'];
  const digestsFile = join(dir, 'keys', 'containerd-digests.json');
  const digests = readJson<Record<string, string>>(digestsFile) ?? {};
  const ids = new Map<string, string>();
  for (const ref of list) {
    const img = await podman.inspect(ref);
    if (!img) throw new Error(`images: ${ref} is not in the build storage (${podman.dir}); run buildImages first`);
    ids.set(ref, img.id);
  }
  const need: string[] = [];
  for (const ref of list) {
    const want = digests[`${ref}@${ids.get(ref)}`];
    if (want === undefined || (await containerdDigest(ctr, ref)) !== want) need.push(ref);
  }
  if (need.length > 0) {
    const archive = await saveArchive(podman, join(dir, 'archives'), need.map((ref) => `${ref}@${ids.get(ref)}`));
    log(`[images] ctr import ${need.join(' ')}`);
    const r = await run([...ctr, 'images', 'import', archive], { timeoutMs: 900_000 });
    if (r.code !== 0) throw new Error(`images: ctr import of ${need.join(', ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
    for (const ref of need) {
      const d = await containerdDigest(ctr, ref);
      if (d === undefined) throw new Error(`images: containerd has no ${ref} after importing it`);
      digests[`${ref}@${ids.get(ref)}`] = d;
    }
    writeJson(digestsFile, digests);
  }
  for (const ref of list) {
    for (const alias of opts.aliases?.[ref] ?? []) {
      const t = await run([...ctr, 'images', 'tag', '--force', ref, alias], { timeoutMs: 60_000 });
      if (t.code !== 0) throw new Error(`images: ctr tag ${ref} ${alias} failed: ${t.stderr.trim()}`);
    }
  }
}

/** The manifest digest containerd holds for `ref`, if any. */
async function containerdDigest(ctr: readonly string[], ref: string): Promise<string | undefined> {
  const r = await run([...ctr, 'images', 'ls', `name==${ref}`], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`images: ctr images ls failed (${r.code}): ${r.stderr.trim()}`);
  const row = r.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((cols) => cols[0] === ref);
  return row?.[2];
}

/** One docker-archive of `refIds` (`ref@id`), reused while they are unchanged; keeps the 4 newest. */
async function saveArchive(podman: Podman, dir: string, refIds: readonly string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${sha256([...refIds].sort().join('\n')).slice(0, 24)}.tar`);
  if (existsSync(archive)) {
    utimesSync(archive, new Date(), new Date());
    return archive;
  }
  const tmp = `${archive}.${process.pid}.tmp`;
  await podman.save(refIds.map((r) => r.slice(0, r.lastIndexOf('@'))), tmp);
  renameSync(tmp, archive);
  const old = readdirSync(dir)
    .filter((f) => f.endsWith('.tar'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(4);
  for (const { f } of old) rmSync(join(dir, f), { force: true });
  return archive;
}
