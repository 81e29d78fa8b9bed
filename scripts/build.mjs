// Bundles the CLI into dist/ with esbuild. One small entry (dist/sidecar-kit.js) dispatches to
// lazily loaded chunks, so `istio-iptables` never parses the webhook's dependencies: start-up
// time is on the pod's critical path.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// SK_OUTDIR lets parallel work build into its own folder without disturbing dist/.
const outdir = process.env.SK_OUTDIR ?? 'dist';
rmSync(outdir, { recursive: true, force: true });

// CommonJS dependencies bundled into ESM still call require() for Node built-ins.
const banner = "import { createRequire as __skCreateRequire } from 'node:module'; const require = __skCreateRequire(import.meta.url);";

await build({
  entryPoints: { 'sidecar-kit': 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minifySyntax: true,
  legalComments: 'none',
  banner: { js: `#!/usr/bin/env node\n${banner}` },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
