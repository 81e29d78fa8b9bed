// Builds the CNI plugin executable `istio-cni`: a Node single-executable application (SEA), so
// the node's host — which has no Node — can run it. Steps: bundle src/cni/plugin-main.ts with
// esbuild as one CommonJS file (SEA requires CJS and resolves no modules), build a SEA blob
// with a V8 startup snapshot of that bundle, inject the blob into a copy of this Node binary
// with postject, then check the result runs from an empty directory with a bare environment.
//
// usage: node scripts/build-cni-plugin.mjs [OUTDIR]   (default: $SK_OUTDIR or dist)
// output: OUTDIR/istio-cni (next to the CLI bundle, where `cni-install` looks for it)
// It is built on Node 24 LTS (scripts/node-lts.mjs: this Node when it is 24, else the pinned
// release, fetched once into ~/.cache/sidecar-kit); SK_SEA_NODE=<node binary> builds it on
// another release (the blob and the binary must come from the same release).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeForArtefacts } from './node-lts.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? process.env.SK_OUTDIR ?? join(root, 'dist'));
const work = mkdtempSync(join(tmpdir(), 'sk-cni-sea-'));
const target = join(outdir, 'istio-cni');
const seaNode = resolve(process.env.SK_SEA_NODE ?? nodeForArtefacts());

try {
  const bundle = join(work, 'plugin.cjs');
  await build({
    entryPoints: [join(root, 'src/cni/plugin-main.ts')],
    outfile: bundle,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  });

  const blob = join(work, 'sea.blob');
  writeFileSync(
    join(work, 'sea-config.json'),
    JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: true }),
  );
  // The snapshot builder warns that SEA is experimental; only failures matter here.
  const sea = spawnSync(seaNode, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work, encoding: 'utf8' });
  // Warnings other than the "experimental" notice mean something in the snapshot is unsafe.
  const warnings = sea.stderr.split('\n').filter((l) => /Warning|Error/.test(l) && !/ExperimentalWarning: Single executable/.test(l));
  if (sea.status !== 0 || warnings.length > 0) throw new Error(`building the SEA blob failed:\n${sea.stderr}`);

  mkdirSync(outdir, { recursive: true });
  const staging = join(work, 'istio-cni');
  copyFileSync(seaNode, staging);
  chmodSync(staging, 0o755);
  // postject's ELF library prints harmless warnings on stderr; keep them for failures only.
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  execFileSync(process.execPath, [postject, staging, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  // Self-containment check: run it where no node_modules and no Node settings can help.
  const empty = mkdtempSync(join(tmpdir(), 'sk-cni-sea-run-'));
  const out = execFileSync(staging, [], { cwd: empty, env: { CNI_COMMAND: 'VERSION', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, input: '{}' });
  rmSync(empty, { recursive: true, force: true });
  const version = JSON.parse(out.toString());
  if (!Array.isArray(version.supportedVersions) || !version.supportedVersions.includes('1.0.0')) {
    throw new Error(`the built plugin answered VERSION with ${out}`);
  }
  copyFileSync(staging, `${target}.tmp`);
  chmodSync(`${target}.tmp`, 0o755);
  execFileSync('mv', ['-f', `${target}.tmp`, target]);
  process.stdout.write(`built ${target} on Node ${execFileSync(seaNode, ['--version'], { encoding: 'utf8' }).trim()} (CNI VERSION -> ${version.supportedVersions.join(', ')})\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
