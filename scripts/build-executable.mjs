// Builds the `sidecar-kit` single executable: the whole CLI (but the in-cluster `webhook` and
// `cni-install`, which run from the images) as one file that needs no Node installed, started
// from a V8 start-up snapshot holding kube-inject's code compiled and its schemas built
// (src/cli/executable-main.ts; the SEA recipe is scripts/sea.mjs, shared with the CNI plugin).
// Checks that the result runs from an empty directory with a bare environment.
//
// usage: node scripts/build-executable.mjs [OUTDIR]   (default: $SK_OUTDIR or dist)
// output: OUTDIR/bin/sidecar-kit (Linux, this machine's architecture, on the pinned Node 24 LTS)
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSea, seaNodeVersion } from './sea.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? process.env.SK_OUTDIR ?? join(root, 'dist'));
const version = JSON.parse((await import('node:fs')).readFileSync(join(root, 'package.json'), 'utf8')).version;

const built = await buildSea({
  entry: join(root, 'src/cli/executable-main.ts'),
  target: join(outdir, 'bin', 'sidecar-kit'),
  define: { 'process.env.SK_BUNDLED_BUILD': '"executable"' },
  // Minified, the snapshot is ~30 % smaller and a run starts ~10 ms sooner (docs/oracle.md).
  minify: true,
  check: (_staging, run) => {
    const p = run(['--version']);
    if (p.status !== 0 || !p.stdout.includes(version)) throw new Error(`the built executable answered --version with ${p.status}: ${p.stdout}${p.stderr}`);
    return `--version -> ${p.stdout.trim()}`;
  },
});
process.stdout.write(`built ${built.target} on Node ${seaNodeVersion(built.node)}: ${(built.bundleBytes / 1e6).toFixed(1)} MB of code (${built.answer})\n`);
