// Builds a Node single-executable application (SEA) with a V8 start-up snapshot: the one recipe
// behind every executable the project ships (the CNI plugin `istio-cni`, the `sidecar-kit`
// CLI executable). Steps: bundle the entry with esbuild as one CommonJS file (SEA requires CJS
// and resolves no modules), build a SEA blob whose snapshot holds that bundle evaluated (and
// whatever its entry warmed up while the snapshot was built), inject the blob into a copy of the
// pinned Node binary with postject, run a check of the caller's on the result from an empty
// directory with a bare environment, then move it into place atomically.
//
// It is built on Node 24 LTS (scripts/node-lts.mjs: this Node when it is 24, else the pinned
// release, fetched once into ~/.cache/sidecar-kit); SK_SEA_NODE=<node binary> builds it on
// another release (the blob and the binary must come from the same release).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeForArtefacts } from './node-lts.mjs';

/** The Node binary the executables are made from (and whose version the blob must match). */
export function seaNode() {
  return resolve(process.env.SK_SEA_NODE ?? nodeForArtefacts());
}

/**
 * Builds `target` from `entry`.
 * @param {object} opts
 * @param {string} opts.entry        the TypeScript entry (it sets the snapshot's main function)
 * @param {string} opts.target       the executable to write
 * @param {Record<string, string>} [opts.define]  esbuild defines (build-time constants)
 * @param {boolean} [opts.minify]  minify the bundle (names kept): a smaller snapshot starts faster
 * @param {(staging: string, run: (args: string[], opts?: object) => import('node:child_process').SpawnSyncReturns<string>) => string} opts.check
 *   runs the staged executable (`run` starts it from an empty directory with a bare
 *   environment) and throws when it misbehaves; returns a line describing what it answered.
 * @returns {{ target: string, node: string, bundleBytes: number, answer: string }}
 */
export async function buildSea({ entry, target, define = {}, minify = false, check }) {
  const node = seaNode();
  const work = mkdtempSync(join(tmpdir(), 'sk-sea-'));
  try {
    const bundle = join(work, 'main.cjs');
    const result = await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minifySyntax: true,
      // keepNames: class and function names stay what the code says (error names, messages).
      ...(minify ? { minify: true, keepNames: true } : {}),
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
      define,
    });
    const bundleBytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);

    const blob = join(work, 'sea.blob');
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: true }));
    const sea = spawnSync(node, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    // Warnings other than the "experimental" notice mean something in the snapshot is unsafe.
    const warnings = sea.stderr.split('\n').filter((l) => /Warning|Error/.test(l) && !/ExperimentalWarning: Single executable/.test(l));
    if (sea.status !== 0 || warnings.length > 0) throw new Error(`building the SEA blob of ${entry} failed:\n${sea.stderr}`);

    const name = target.split('/').at(-1);
    const staging = join(work, name);
    copyFileSync(node, staging);
    chmodSync(staging, 0o755);
    // postject's ELF library prints harmless warnings on stderr; keep them for failures only.
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    execFileSync(process.execPath, [postject, staging, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });

    // Self-containment check: run it where no node_modules and no Node settings can help.
    const empty = mkdtempSync(join(tmpdir(), 'sk-sea-run-'));
    let answer;
    try {
      const run = (args, opts = {}) =>
        spawnSync(staging, args, { cwd: empty, encoding: 'utf8', timeout: 60_000, ...opts, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...opts.env } });
      answer = check(staging, run);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    mkdirSync(resolve(target, '..'), { recursive: true });
    copyFileSync(staging, `${target}.tmp`);
    chmodSync(`${target}.tmp`, 0o755);
    execFileSync('mv', ['-f', `${target}.tmp`, target]);
    return { target, node, bundleBytes, answer };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `vX.Y.Z` of the Node the executables are made from. */
export function seaNodeVersion(node = seaNode()) {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}
