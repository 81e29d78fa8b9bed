// Builds the CNI plugin executable `istio-cni`: a Node single-executable application (SEA) with
// a V8 start-up snapshot of src/cni/plugin-main.ts (scripts/sea.mjs), so the node's host — which
// has no Node — can run it, then checks that it answers CNI VERSION from an empty directory with
// a bare environment.
//
// usage: node scripts/build-cni-plugin.mjs [OUTDIR]   (default: $SK_OUTDIR or dist)
// output: OUTDIR/istio-cni (next to the CLI bundle, where `cni-install` looks for it)
// It is built on Node 24 LTS (see scripts/sea.mjs; SK_SEA_NODE=<node binary> picks another).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSea, seaNodeVersion } from './sea.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? process.env.SK_OUTDIR ?? join(root, 'dist'));

const built = await buildSea({
  entry: join(root, 'src/cni/plugin-main.ts'),
  target: join(outdir, 'istio-cni'),
  check: (_staging, run) => {
    const p = run([], { env: { CNI_COMMAND: 'VERSION' }, input: '{}' });
    const version = p.status === 0 ? JSON.parse(p.stdout) : undefined;
    if (!Array.isArray(version?.supportedVersions) || !version.supportedVersions.includes('1.0.0')) {
      throw new Error(`the built plugin answered VERSION with ${p.status}: ${p.stdout}${p.stderr}`);
    }
    return `CNI VERSION -> ${version.supportedVersions.join(', ')}`;
  },
});
process.stdout.write(`built ${built.target} on Node ${seaNodeVersion(built.node)} (${built.answer})\n`);
