// Bundles the CLI into dist/ with esbuild: a tiny entry (dist/sidecar-kit.js) and one
// self-contained, unsplit bundle per subcommand (dist/commands/<name>.js). The entry imports only
// the command being run, so `istio-iptables` (an init container) and the CNI path never parse the
// webhook's dependencies nor a chunk shared with them: start-up time is on the pod's critical path.
// Code shared between commands is duplicated on disk, which costs nothing at run time.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

// SK_OUTDIR lets parallel work build into its own folder without disturbing dist/.
const outdir = process.env.SK_OUTDIR ?? 'dist';
rmSync(outdir, { recursive: true, force: true });

// CommonJS dependencies bundled into ESM still call require() for Node built-ins.
const banner = "import { createRequire as __skCreateRequire } from 'node:module'; const require = __skCreateRequire(import.meta.url);";

const commands = {
  'kube-inject': 'src/kubeinject/command.ts',
  'kube-uninject': 'src/kubeinject/uninject-command.ts',
  'check-inject': 'src/checkinject/command.ts',
  tag: 'src/tag/command.ts',
  'istio-iptables': 'src/init/command.ts',
  'cni-rules': 'src/cni/rules-cli.ts',
  'cni-install': 'src/cni/install-cli.ts',
  webhook: 'src/webhook/command.ts',
  // The admission worker thread's script, started by the webhook command (admission-workers.ts).
  'webhook-worker': 'src/webhook/admission-worker.ts',
  coverage: 'src/coverage/command.ts',
  preflight: 'src/coverage/preflight-command.ts',
  version: 'src/cli/version-command.ts',
};

const common = {
  outdir,
  bundle: true,
  splitting: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minifySyntax: true,
  legalComments: 'none',
  define: { 'process.env.SK_BUNDLED_BUILD': '"1"' },
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: { 'sidecar-kit': 'src/cli/main.ts' }, banner: { js: `#!/usr/bin/env node\n${banner}` } }),
  build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(commands).map(([name, src]) => [`commands/${name}`, src])),
    banner: { js: banner },
  }),
  // The Kubernetes API client of the cluster-facing commands (src/cluster/load.ts imports it by
  // a computed specifier): one copy on disk, parsed only by a command that talks to a cluster.
  build({ ...common, entryPoints: { 'lib/cluster-client': 'src/cluster/client.ts' }, banner: { js: banner } }),
]);

// The bundles are ES modules. Copied without the repository's package.json (container images,
// the CNI installer), Node would first try them as CommonJS and compile each file twice to find
// out (~2 ms per start); a package.json beside them says "module" up front.
mkdirSync(outdir, { recursive: true });
writeFileSync(`${outdir}/package.json`, `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
