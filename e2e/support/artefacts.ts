/**
 * The built artefacts the e2e suites run: the CLI bundle ($SK_CLI, else dist/ as `npm test`
 * builds it, else a fresh build of this checkout into a temporary directory) and the CNI
 * plugin executable.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let cached: string | undefined;
let freshBuild: string | undefined;

/** The CLI bundle's path (built at most once per test file). */
export function cliPath(): string {
  if (cached) return cached;
  if (process.env.SK_CLI) return (cached = process.env.SK_CLI);
  const dist = join(root, 'dist', 'sidecar-kit.js');
  if (existsSync(dist)) return (cached = dist);
  freshBuild = mkdtempSync(join(tmpdir(), 'sk-e2e-build-'));
  chmodSync(freshBuild, 0o755); // istio-validation runs the CLI as uid 1337
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, env: { ...process.env, SK_OUTDIR: freshBuild }, stdio: 'inherit' });
  return (cached = join(freshBuild, 'sidecar-kit.js'));
}

/** Removes the fresh build cliPath made, if any. */
export function removeFreshBuild(): void {
  if (freshBuild === undefined) return;
  rmSync(freshBuild, { recursive: true, force: true });
  freshBuild = undefined;
  cached = undefined;
}

export interface Artefacts {
  readonly cli: string;
  readonly plugin: string;
  /** Removes what was built for this run. */
  readonly cleanup: () => void;
}

/**
 * The CLI bundle (see cliPath) and the SEA plugin ($SK_CNI_PLUGIN, else built now into a
 * temporary directory: ~10 s).
 */
export function buildArtefacts(): Artefacts {
  const cli = cliPath();
  let plugin = process.env.SK_CNI_PLUGIN ?? '';
  let out: string | undefined;
  if (!plugin) {
    out = mkdtempSync(join(tmpdir(), 'sk-e2e-cni-plugin-'));
    execFileSync(process.execPath, [join(root, 'scripts', 'build-cni-plugin.mjs'), out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    plugin = join(out, 'istio-cni');
  }
  return {
    cli,
    plugin,
    cleanup: () => {
      removeFreshBuild();
      if (out !== undefined) rmSync(out, { recursive: true, force: true });
    },
  };
}
