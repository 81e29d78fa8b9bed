/**
 * Istio's own istiod (`pilot-discovery`) and proxy agent (`pilot-agent`), built from the
 * istio.io/istio module pinned in oracle/go.mod (the project's one pin: the oracle module lists
 * both commands as `tool`s, so go.sum covers them), plus the Envoy stand-in (oracle/cmd/
 * envoy-standin) that takes Envoy's place beside the real agent. Built once into the cache
 * outside the work tree:
 *
 *   <cache>/istio-pilot-<version>-<hash of go.mod, go.sum, link flags>/{pilot-discovery,pilot-agent}
 *   <cache>/envoy-standin-<hash of go.mod, go.sum, its sources>/envoy
 *
 * Same Go flags as the oracle's build (CGO off, -trimpath), so the packages the oracle already
 * compiled (most of them) come from Go's build cache. Test infrastructure only: nothing ships.
 *
 * Environment: SK_CACHE_DIR (default ~/.cache/sidecar-kit), SK_GO (the go command).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { goBinary, istioVersion, ORACLE_SRC } from '../../scripts/istio-oracle.mjs';
import { sh } from '../support/process.js';

export const PILOT_PACKAGES = ['istio.io/istio/pilot/cmd/pilot-discovery', 'istio.io/istio/pilot/cmd/pilot-agent'] as const;
const STANDIN_DIR = join(ORACLE_SRC, 'cmd', 'envoy-standin');

export interface IstioBinaries {
  readonly pilotDiscovery: string;
  readonly pilotAgent: string;
  /** The Envoy stand-in (installed as /usr/local/bin/envoy in the proxy image). */
  readonly envoyStandin: string;
  /** The pinned istio.io/istio version. */
  readonly version: string;
}

function cacheRoot(): string {
  return process.env.SK_CACHE_DIR ?? join(homedir(), '.cache', 'sidecar-kit');
}

/** The commit of the pinned pseudo-version (v0.0.0-<date>-<commit>), or the version itself. */
function gitRevision(version: string): string {
  return /-([0-9a-f]{12})$/.exec(version)?.[1] ?? version;
}

/**
 * Istio's release builds stamp pkg/version at link time; the agent reports it to istiod as
 * ISTIO_VERSION (istiod picks config features by proxy version): `<VERSION file>-dev`, as
 * Istio's own development builds call themselves, and the pseudo-version's commit.
 */
function pilotLdflags(version: string, line: string): string {
  return ['-s', '-w', `-X istio.io/istio/pkg/version.buildVersion=${line}-dev`, `-X istio.io/istio/pkg/version.buildGitRevision=${gitRevision(version)}`, '-X istio.io/istio/pkg/version.buildStatus=Clean'].join(' ');
}

function hashOf(files: readonly string[], extra: string): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f}\0`).update(readFileSync(f)).update('\0');
  h.update(extra);
  return h.digest('hex').slice(0, 12);
}

function modFiles(): string[] {
  return ['go.mod', 'go.sum'].map((f) => join(ORACLE_SRC, f));
}

/** The Istio minor line of the module (e.g. `1.31`), from its VERSION file. */
export function istioLine(moduleDir: string): string {
  const m = /^(\d+\.\d+)/.exec(readFileSync(join(moduleDir, 'VERSION'), 'utf8').trim());
  if (!m?.[1]) throw new Error(`${join(moduleDir, 'VERSION')} names no Istio version`);
  return m[1];
}

function goBuild(dir: string, packages: readonly string[], ldflags: string, log: (line: string) => void): void {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  const started = Date.now();
  log(`building ${packages.join(', ')} (istio.io/istio ${istioVersion()}) into ${dir}: minutes on a cold Go cache`);
  const r = sh([goBinary(), 'build', '-trimpath', `-ldflags=${ldflags}`, '-o', `${tmp}/`, ...packages], {
    timeoutMs: 90 * 60_000,
    env: { CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
    cwd: ORACLE_SRC,
  });
  if (r.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`go build ${packages.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-4000)}`);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(join(tmp, 'BUILD'), `istio.io/istio ${istioVersion()}\n${packages.join('\n')}\nbuilt in ${seconds} s\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`built in ${seconds} s`);
}

/** Builds what the cache lacks (a directory is renamed into place only when complete). */
export function istioBinaries(moduleDir: string, log: (line: string) => void = () => undefined): IstioBinaries {
  const version = istioVersion();
  const ldflags = pilotLdflags(version, istioLine(moduleDir));
  const pilotDir = join(cacheRoot(), `istio-pilot-${version}-${hashOf(modFiles(), ldflags)}`);
  if (!PILOT_PACKAGES.every((p) => existsSync(join(pilotDir, p.slice(p.lastIndexOf('/') + 1))))) goBuild(pilotDir, PILOT_PACKAGES, ldflags, log);
  const standinSources = readdirSync(STANDIN_DIR).filter((f) => f.endsWith('.go')).sort().map((f) => join(STANDIN_DIR, f));
  const standinDir = join(cacheRoot(), `envoy-standin-${hashOf([...modFiles(), ...standinSources], '-s -w')}`);
  if (!existsSync(join(standinDir, 'envoy-standin'))) goBuild(standinDir, ['./cmd/envoy-standin'], '-s -w', log);
  return {
    pilotDiscovery: join(pilotDir, 'pilot-discovery'),
    pilotAgent: join(pilotDir, 'pilot-agent'),
    envoyStandin: join(standinDir, 'envoy-standin'),
    version,
  };
}
