/**
 * The local cluster's programs, built from Go modules into a cache outside the work tree:
 * Kubernetes' kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kube-proxy
 * (module `go/`: k8s.io/kubernetes with every staging module replaced by its published release)
 * and containerd v2 with its runc shim and ctr (module `go/containerd/`). Each module's pinned
 * versions live in its go.mod only; the cache directory is keyed by the pinned version and a
 * hash of go.mod + go.sum, so a change of either rebuilds and an unchanged checkout reuses.
 *
 * The Go build and module caches are Go's own (GOCACHE / GOMODCACHE as the environment sets
 * them), shared with the project's other Go builds (Istio's oracle compiles the same k8s.io
 * packages). Build: CGO off, -trimpath, stripped.
 *
 * Environment: SK_CACHE_DIR (default ~/.cache/sidecar-kit), GO (the go command, default `go`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sh } from '../support/process.js';

const GO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'go');

interface Module {
  /** The -X flags that stamp the version into the programs, for a pinned version. */
  readonly stamp: (version: string) => string[];
  /** Directory of the go.mod. */
  readonly dir: string;
  /** The module whose version names the cache directory. */
  readonly pinned: string;
  /** Cache directory prefix. */
  readonly prefix: string;
  /** Main packages, built into the cache directory under their last path element. */
  readonly packages: readonly string[];
}

/**
 * Kubernetes' release builds stamp their version at link time (hack/lib/version.sh): without
 * it every component reports v0.0.0-master, and the Node's kubeletVersion, which the webhook's
 * native-sidecar decision reads, would be wrong.
 */
function k8sStamp(version: string): string[] {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  const vars = { gitVersion: version, gitMajor: m?.[1] ?? '', gitMinor: m?.[2] ?? '', gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z' };
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`));
}

const K8S: Module = {
  stamp: k8sStamp,
  dir: GO_DIR,
  pinned: 'k8s.io/kubernetes',
  prefix: 'k8s',
  packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'].map((c) => `k8s.io/kubernetes/cmd/${c}`),
};

const CONTAINERD: Module = {
  stamp: (version) => [`-X github.com/containerd/containerd/v2/version.Version=${version}`],
  dir: join(GO_DIR, 'containerd'),
  pinned: 'github.com/containerd/containerd/v2',
  prefix: 'containerd',
  packages: ['containerd', 'containerd-shim-runc-v2', 'ctr'].map((c) => `github.com/containerd/containerd/v2/cmd/${c}`),
};

export interface ClusterBinaries {
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly containerd: string;
  readonly containerdShim: string;
  readonly ctr: string;
  /** The directory holding containerd's shim (put first on containerd's PATH). */
  readonly containerdBinDir: string;
  readonly kubernetesVersion: string;
  readonly containerdVersion: string;
}

export function cacheRoot(): string {
  return process.env.SK_CACHE_DIR ?? join(homedir(), '.cache', 'sidecar-kit');
}

/** The version `mod.pinned` is required at in its go.mod. */
export function pinnedVersion(mod: Module): string {
  const gomod = readFileSync(join(mod.dir, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*(?:require\\s+)?${mod.pinned.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(gomod);
  if (!m?.[1]) throw new Error(`${join(mod.dir, 'go.mod')} does not require ${mod.pinned}`);
  return m[1];
}

function ldflags(mod: Module): string {
  return ['-s', '-w', ...mod.stamp(pinnedVersion(mod))].join(' ');
}

/** `<cache>/<prefix>-<version>-<hash of go.mod + go.sum + link flags>`: where one module's programs live. */
export function binDir(mod: Module): string {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum']) h.update(readFileSync(join(mod.dir, f)));
  h.update(ldflags(mod));
  return join(cacheRoot(), `${mod.prefix}-${pinnedVersion(mod)}-${h.digest('hex').slice(0, 12)}`);
}

/**
 * The go command: $GO, else `go` on PATH when it is Go >= 1.26 (the modules need it), else the
 * toolchain under /usr/local/go (Debian's golang-go, 1.19, may come first on PATH).
 */
function goCommand(): string {
  if (process.env.GO) return process.env.GO;
  const v = /go1\.(\d+)/.exec(sh(['go', 'version'], { env: { GOTOOLCHAIN: 'local' } }).stdout)?.[1];
  if (v !== undefined && Number(v) >= 26) return 'go';
  return existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
}

const base = (pkg: string) => pkg.slice(pkg.lastIndexOf('/') + 1);

function built(mod: Module): boolean {
  const dir = binDir(mod);
  return mod.packages.every((p) => existsSync(join(dir, base(p))));
}

/**
 * Builds a module's programs unless its cache directory has them; a build goes to a temporary
 * directory renamed into place, so an interrupted build is never taken for a finished one.
 */
function build(mod: Module, log: (line: string) => void): void {
  if (built(mod)) return;
  const dir = binDir(mod);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  const started = Date.now();
  log(`building ${mod.packages.map(base).join(', ')} (${mod.pinned} ${pinnedVersion(mod)}) into ${dir}: minutes on a cold Go cache`);
  const r = sh([goCommand(), 'build', '-trimpath', `-ldflags=${ldflags(mod)}`, '-o', `${tmp}/`, ...mod.packages], {
    timeoutMs: 90 * 60_000,
    // GOTOOLCHAIN=local: never download another Go; -mod=readonly: go.sum is committed.
    env: { CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' },
    cwd: mod.dir,
  });
  if (r.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`go build in ${mod.dir} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-4000)}`);
  }
  writeFileSync(join(tmp, 'BUILD'), `${mod.pinned} ${pinnedVersion(mod)}\nbuilt in ${Math.round((Date.now() - started) / 1000)} s\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`built in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Why the programs cannot be had (no Go), or undefined. */
export function buildSkipReason(): string | undefined {
  if (built(K8S) && built(CONTAINERD)) return undefined;
  const go = sh([goCommand(), 'version'], { env: { GOTOOLCHAIN: 'local' } });
  if (go.code !== 0) return `no Go toolchain to build Kubernetes and containerd from their modules (go version: ${(go.stderr || 'go not found').trim()})`;
  if (!/go1\.(2[6-9]|[3-9]\d)/.test(go.stdout)) return `Go >= 1.26 is needed to build Kubernetes v1.36 from its modules (found: ${go.stdout.trim()})`;
  return undefined;
}

/** The programs, built first where the cache lacks them. */
export function clusterBinaries(log: (line: string) => void = () => undefined): ClusterBinaries {
  build(K8S, log);
  build(CONTAINERD, log);
  const k = binDir(K8S);
  const c = binDir(CONTAINERD);
  return {
    kubeApiserver: join(k, 'kube-apiserver'),
    kubeControllerManager: join(k, 'kube-controller-manager'),
    kubeScheduler: join(k, 'kube-scheduler'),
    kubelet: join(k, 'kubelet'),
    kubeProxy: join(k, 'kube-proxy'),
    containerd: join(c, 'containerd'),
    containerdShim: join(c, 'containerd-shim-runc-v2'),
    ctr: join(c, 'ctr'),
    containerdBinDir: c,
    kubernetesVersion: pinnedVersion(K8S),
    containerdVersion: pinnedVersion(CONTAINERD),
  };
}
