/**
 * A throw-away "node" for the CNI e2e suite: containerd (CRI plugin, runc) running inside its
 * own network namespace, a CNI configuration of Debian's real bridge + host-local + portmap,
 * a busybox "pause" image, and the built artefacts (CLI bundle and the SEA plugin).
 * All traffic stays inside namespaces it creates (198.51.100.0/24).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CriClient } from './cri.js';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..');
export const PAUSE_IMAGE = 'localhost/sk-pause:e2e';
const CNI_PLUGINS = '/usr/lib/cni';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function sh(argv: readonly string[], opts: { input?: string; env?: Record<string, string | undefined> } = {}): Run {
  const r = spawnSync(argv[0] as string, argv.slice(1), { input: opts.input, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

export function must(argv: readonly string[], opts: { input?: string; env?: Record<string, string | undefined> } = {}): string {
  const r = sh(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

function onPath(name: string): boolean {
  return PATH.split(':').some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why this machine cannot run the suite, or undefined when it can. */
export function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (containerd, network namespaces, iptables)';
  const tools = ['containerd', 'containerd-shim-runc-v2', 'runc', 'ctr', 'podman', 'ip', 'nsenter', 'setpriv', 'iptables-save', 'openssl', 'busybox'];
  const missing = tools.filter((t) => !onPath(t));
  for (const p of ['bridge', 'host-local', 'portmap', 'loopback']) if (!existsSync(join(CNI_PLUGINS, p))) missing.push(join(CNI_PLUGINS, p));
  // /usr/bin/python3, not whatever is first on PATH: helpers run as other uids (setpriv).
  if (!existsSync('/usr/bin/python3')) missing.push('/usr/bin/python3');
  if (missing.length > 0) return `missing: ${missing.join(', ')} (apt-get install containerd runc podman containernetworking-plugins busybox-static iproute2 util-linux iptables openssl python3)`;
  return undefined;
}

export interface Artefacts {
  readonly cli: string;
  readonly plugin: string;
  /** Removes what was built for this run. */
  readonly cleanup: () => void;
}

/**
 * The CLI bundle ($SK_CLI, else dist/ as `npm test` builds it, else a fresh build) and the SEA
 * plugin ($SK_CNI_PLUGIN, else built now into a temporary directory: ~10 s).
 */
export function buildArtefacts(): Artefacts {
  let out: string | undefined;
  const scratch = () => {
    if (out === undefined) {
      out = mkdtempSync(join(tmpdir(), 'sk-e2e-cni-build-'));
      chmodSync(out, 0o755); // istio-validation runs the CLI as uid 1337
    }
    return out;
  };
  let cli = process.env.SK_CLI ?? join(root, 'dist', 'sidecar-kit.js');
  if (!existsSync(cli)) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, env: { ...process.env, SK_OUTDIR: scratch() }, stdio: 'inherit' });
    cli = join(scratch(), 'sidecar-kit.js');
  }
  let plugin = process.env.SK_CNI_PLUGIN ?? '';
  if (!plugin) {
    // Built beside the CLI bundle's copy so a fresh CLI build does not wipe it.
    const dir = join(scratch(), 'plugin');
    execFileSync(process.execPath, [join(root, 'scripts', 'build-cni-plugin.mjs'), dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    plugin = join(dir, 'istio-cni');
  }
  return { cli, plugin, cleanup: () => out !== undefined && rmSync(out, { recursive: true, force: true }) };
}

/** A CA and a server certificate for 127.0.0.1 (real TLS for the API test double). */
export function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  must(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=sk-e2e-ca', '-keyout', f('ca.key'), '-out', f('ca.crt')]);
  must(['openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=kubernetes', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n');
  must(['openssl', 'x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('san.ext'), '-out', f('server.crt')]);
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

/** The node's conflist before our installer runs: the cluster's own chain. */
export function baseConflist(dir: string): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: 'podnet',
    plugins: [
      {
        type: 'bridge',
        bridge: 'skcni0',
        isGateway: true,
        ipMasq: false,
        ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '198.51.100.0/24', gateway: '198.51.100.1' }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

export class TestNode {
  readonly dir = mkdtempSync(join(tmpdir(), 'sk-e2e-cni-'));
  readonly netns = `sk-cni-node-${process.pid}`;
  readonly netnsPath = `/run/netns/${this.netns}`;
  readonly socket = join(this.dir, 'containerd.sock');
  readonly netDir = join(this.dir, 'net.d');
  readonly binDir = join(this.dir, 'cni-bin');
  readonly runDir = join(this.dir, 'run');
  readonly saDir = join(this.dir, 'sa');
  readonly cri = new CriClient(this.socket);
  private containerd: ChildProcess | undefined;
  private readonly children: ChildProcess[] = [];

  /** Starts containerd in the node netns and imports the pause image. */
  async start(): Promise<void> {
    for (const d of [this.netDir, this.binDir, this.runDir, this.saDir, join(this.dir, 'rootfs', 'bin')]) mkdirSync(d, { recursive: true });
    for (const p of ['bridge', 'host-local', 'portmap', 'loopback']) symlinkSync(join(CNI_PLUGINS, p), join(this.binDir, p));
    writeFileSync(join(this.netDir, '10-podnet.conflist'), `${JSON.stringify(baseConflist(this.dir), null, 2)}\n`);
    writeFileSync(join(this.dir, 'config.toml'), this.containerdConfig());
    must(['ip', 'netns', 'add', this.netns]);
    must(['ip', '-n', this.netns, 'link', 'set', 'lo', 'up']);
    // nsenter, not `ip netns exec`: the latter remounts /sys and containerd loses its cgroups.
    this.containerd = spawn('nsenter', [`--net=${this.netnsPath}`, 'containerd', '--config', join(this.dir, 'config.toml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH },
    });
    this.containerd.stderr?.on('data', (d: Buffer) => writeFileSync(join(this.dir, 'containerd.log'), d, { flag: 'a' }));
    for (let i = 0; i < 200 && !existsSync(this.socket); i++) await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(this.socket)) throw new Error(`containerd did not start: ${this.containerdLog().slice(-2000)}`);
    this.importPauseImage();
  }

  containerdLog(): string {
    try {
      return readFileSync(join(this.dir, 'containerd.log'), 'utf8');
    } catch {
      return '';
    }
  }

  private containerdConfig(): string {
    return `version = 2
root = "${this.dir}/root"
state = "${this.dir}/state"
[grpc]
  address = "${this.socket}"
[plugins."io.containerd.internal.v1.opt"]
  path = "${this.dir}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  # no CAP_SYS_RESOURCE on the build machines: the pause spec's oom_score_adj would kill runc init
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${this.binDir}"
    conf_dir = "${this.netDir}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`;
  }

  /** busybox-static as the sandbox image: podman import -> docker-archive -> ctr import. */
  private importPauseImage(): void {
    const rootfs = join(this.dir, 'rootfs');
    copyFileSync(must(['sh', '-c', 'command -v busybox']).trim(), join(rootfs, 'bin', 'busybox'));
    must(['chmod', '755', join(rootfs, 'bin', 'busybox')]);
    for (const applet of ['sh', 'sleep', 'cat']) symlinkSync('busybox', join(rootfs, 'bin', applet));
    const conf = join(this.dir, 'containers.conf');
    writeFileSync(conf, `[engine]\ntmp_dir = "${this.dir}/libpod"\nevents_logger = "file"\n`);
    const podman = ['podman', '--root', join(this.dir, 'proot'), '--runroot', join(this.dir, 'prun'), '--storage-driver', 'vfs'];
    const env = { CONTAINERS_CONF: conf };
    must(['sh', '-c', `tar -C '${rootfs}' -c . | ${podman.join(' ')} import --change 'ENTRYPOINT ["/bin/sleep","2147483647"]' - ${PAUSE_IMAGE}`], { env });
    must([...podman, 'save', '--format', 'docker-archive', '-o', join(this.dir, 'pause.tar'), PAUSE_IMAGE], { env });
    must(['ctr', '-a', this.socket, '-n', 'k8s.io', 'images', 'import', join(this.dir, 'pause.tar')]);
    sh([...podman, 'rmi', '-af'], { env });
  }

  /** Runs argv inside a network namespace, optionally as another uid/gid. */
  inNetns(netnsPath: string, argv: readonly string[], uid?: number): Run {
    const asUser = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
    return sh(['nsenter', `--net=${netnsPath}`, '--', ...asUser, ...argv]);
  }

  /** Starts a long-running helper inside a network namespace; stopped by `stop()`. */
  spawnIn(netnsPath: string, argv: readonly string[], opts: { cwd?: string } = {}): ChildProcess {
    const child = spawn('nsenter', [`--net=${netnsPath}`, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    this.children.push(child);
    return child;
  }

  track(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }

  /** Sandboxes created through `runPod`, removed again by `stop()` if a test did not. */
  readonly sandboxes = new Set<string>();

  async stop(): Promise<void> {
    // Like a kubelet's garbage collection: nothing this node created may outlive it.
    const leftovers = await this.cri.listPodSandboxes().catch(() => []);
    if (leftovers.length > 0 && process.env.SK_E2E_DEBUG) process.stderr.write(`leftover sandboxes: ${JSON.stringify(leftovers.map((s) => s.metadata.name))}\n`);
    for (const c of await this.cri.listContainers().catch(() => [])) await this.cri.removeContainer(c.id).catch(() => undefined);
    for (const id of new Set([...this.sandboxes, ...leftovers.map((s) => s.id)])) {
      await this.cri.stopPodSandbox(id).catch(() => undefined);
      await this.cri.removePodSandbox(id).catch(() => undefined);
    }
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
    this.cri.close();
    if (this.containerd && this.containerd.exitCode === null) {
      const exited = new Promise((r) => this.containerd?.once('exit', r));
      this.containerd.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    sh(['ip', 'netns', 'del', this.netns]);
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${this.dir}/`));
    for (const m of mounts.sort().reverse()) sh(['umount', '-l', m]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
