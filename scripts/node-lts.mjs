// The Node.js LTS release every shipped artefact is built on and run with (the CNI single
// executable, the images), fetched from npm's `node-linux-<arch>` package (the official binary
// tarball, checked by npm against the registry's integrity hash) into a cache outside the work
// tree, so machines whose own Node is older still build on the supported runtime.
//
// usage: node scripts/node-lts.mjs            prints the path of the cached `node` binary
//        import { nodeLts } from './node-lts.mjs'; const node = nodeLts();
// env:   SK_CACHE_DIR (default ~/.cache/sidecar-kit)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned release: change it here only. */
export const NODE_LTS_VERSION = '24.22.3';

export function cacheDir() {
  return resolve(process.env.SK_CACHE_DIR ?? join(homedir(), '.cache', 'sidecar-kit'));
}

/** Returns the path of the pinned Node binary, downloading it once. */
export function nodeLts() {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!arch || process.platform !== 'linux') throw new Error(`node-lts: no npm binary package for ${process.platform}/${process.arch}`);
  const dir = join(cacheDir(), `node-v${NODE_LTS_VERSION}-linux-${arch}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir(), { recursive: true });
  const work = mkdtempSync(join(cacheDir(), '.node-lts-'));
  try {
    execFileSync('npm', ['pack', '--silent', `node-linux-${arch}@${NODE_LTS_VERSION}`], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('node-lts: npm pack produced no tarball');
    execFileSync('tar', ['-xzf', tgz], { cwd: work });
    // The package holds the official release tree under package/ (bin/node, include/, lib/).
    const out = execFileSync(join(work, 'package', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (out !== `v${NODE_LTS_VERSION}`) throw new Error(`node-lts: the downloaded binary reports ${out}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

/**
 * The Node binary shipped artefacts are built with: the running one when it is already of the
 * pinned LTS major (e.g. inside a node:24 image), else the pinned release from the cache.
 */
export function nodeForArtefacts() {
  const major = (v) => v.replace(/^v/, '').split('.')[0];
  return major(process.versions.node) === major(NODE_LTS_VERSION) ? process.execPath : nodeLts();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${nodeLts()}\n`);
}
