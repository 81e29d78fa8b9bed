/**
 * A throw-away "node" for the CNI and local e2e suites: containerd (CRI plugin, runc) running
 * inside its own network namespace, a CNI configuration of Debian's real bridge + host-local +
 * portmap and a busybox "pause" image, running the built artefacts (see artefacts.ts).
 * It plays the kubelet's part: sandboxes, our CLI as a container of a sandbox (istio-init,
 * istio-validation), the CNI installer, and the proxy's listeners for traffic checks.
 * All traffic stays inside namespaces it creates (198.51.100.0/24).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import type { Artefacts } from './artefacts.js';
import { CriClient, type PodSpec } from './cri.js';
import { asUser, must, privilegedSkipReason, sh, until, type RunResult } from './process.js';
import { connectArgv, startListener } from './traffic.js';

export const PAUSE_IMAGE = 'localhost/sk-pause:e2e';
const CNI_PLUGINS = '/usr/lib/cni';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The node's address on the pod bridge (the bridge plugin's gateway). */
export const GATEWAY = '198.51.100.1';

/** Why this machine cannot run the suite, or undefined when it can. */
export function skipReason(): string | undefined {
  return privilegedSkipReason({
    why: 'containerd, network namespaces, iptables',
    tools: ['containerd', 'containerd-shim-runc-v2', 'runc', 'ctr', 'podman', 'ip', 'nsenter', 'setpriv', 'iptables-save', 'openssl', 'busybox'],
    files: [...['bridge', 'host-local', 'portmap', 'loopback'].map((p) => join(CNI_PLUGINS, p)), '/usr/bin/python3'],
    install: 'containerd runc podman containernetworking-plugins busybox-static iproute2 util-linux iptables openssl python3',
  });
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
        ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet: '198.51.100.0/24', gateway: GATEWAY }]], routes: [{ dst: '0.0.0.0/0' }] },
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
  inNetns(netnsPath: string, argv: readonly string[], uid?: number): RunResult {
    return sh(['nsenter', `--net=${netnsPath}`, '--', ...asUser(uid), ...argv]);
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

  /** Creates a pod sandbox (containerd runs the node's CNI chain): its id, netns and IP. */
  async runPod(spec: PodSpec): Promise<{ id: string; netns: string; ip: string }> {
    const id = await this.cri.runPodSandbox({ ...spec });
    this.sandboxes.add(id);
    return { id, netns: await this.cri.netnsPath(id), ip: await this.cri.podIp(id) };
  }

  async removePod(id: string): Promise<void> {
    await this.cri.stopPodSandbox(id);
    await this.cri.removePodSandbox(id);
    this.sandboxes.delete(id);
  }

  /**
   * Runs our CLI bundle as a container of the sandbox, as the kubelet runs an injected init
   * container: the host's Node and the bundle, bind-mounted read-only, as the entrypoint, with
   * the injected args and security context. `writableRun`: a writable /run (iptables' lock).
   */
  async runCliContainer(
    sandboxId: string,
    spec: PodSpec,
    c: { name: string; cli: string; args: readonly string[]; runAsUser: number; runAsGroup: number; addCapabilities?: readonly string[]; readonlyRootfs?: boolean; writableRun?: boolean },
    timeoutMs: number,
  ): Promise<{ exitCode: number; log: string }> {
    const logDirectory = join(this.dir, 'logs', spec.name);
    mkdirSync(logDirectory, { recursive: true });
    const hostDirs = [...new Set(['/usr', '/lib', '/lib64', '/etc/alternatives', dirname(dirname(process.execPath)), dirname(c.cli)])].filter((p) => existsSync(p));
    const mounts: { containerPath: string; hostPath: string; readonly?: boolean }[] = hostDirs.map((p) => ({ containerPath: p, hostPath: p }));
    if (c.writableRun) {
      const run = join(this.dir, 'run-dirs', `${spec.name}-${c.name}`);
      mkdirSync(run, { recursive: true });
      chmodSync(run, 0o1777);
      mounts.push({ containerPath: '/run', hostPath: run, readonly: false });
    }
    const id = await this.cri.createContainer(sandboxId, { ...spec, logDirectory }, {
      name: c.name,
      image: PAUSE_IMAGE,
      command: [process.execPath, c.cli],
      args: c.args,
      mounts,
      runAsUser: c.runAsUser,
      runAsGroup: c.runAsGroup,
      ...(c.addCapabilities !== undefined ? { addCapabilities: c.addCapabilities } : {}),
      ...(c.readonlyRootfs !== undefined ? { readonlyRootfs: c.readonlyRootfs } : {}),
      logPath: `${c.name}.log`,
    });
    await this.cri.startContainer(id);
    const status = await this.cri.waitExited(id, timeoutMs);
    await this.cri.removeContainer(id);
    const logFile = join(logDirectory, `${c.name}.log`);
    return { exitCode: status.exitCode, log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '' };
  }

  /** The node's conflist as it is now. */
  conflist(): { plugins: { type: string }[] } {
    return JSON.parse(readFileSync(join(this.netDir, '10-podnet.conflist'), 'utf8')) as { plugins: { type: string }[] };
  }

  /**
   * Starts `cni-install` with the node's directories and a debug plugin log (run dir's
   * plugin.log), plus `args`; resolves once our entry is chained and containerd loaded it.
   */
  async installPlugin(art: Artefacts, args: readonly string[]): Promise<ChildProcess> {
    const installer = this.track(
      spawn(process.execPath, [
        art.cli, 'cni-install',
        '--mounted-cni-net-dir', this.netDir,
        '--mounted-cni-bin-dir', this.binDir,
        '--cni-agent-run-dir', this.runDir,
        '--service-account-dir', this.saDir,
        '--plugin-binary', art.plugin,
        '--plugin-log-level', 'debug',
        '--plugin-log-file', join(this.runDir, 'plugin.log'),
        ...args,
      ], { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    let stderr = '';
    installer.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    installer.once('exit', (code) => {
      if (code !== 0) process.stderr.write(`cni-install exited ${code}: ${stderr}\n`);
    });
    await until('our conflist entry', () => this.conflist().plugins.at(-1)?.type === 'istio-cni');
    // containerd reloads the directory on change; wait until the CRI reports our plugin loaded.
    await until('containerd to load the new conflist', async () => ((await this.cri.status()).info.cniconfig ?? '').includes('istio-cni'));
    return installer;
  }

  /** The plugin's log (see installPlugin), '' before it wrote one. */
  pluginLog(): string {
    const f = join(this.runDir, 'plugin.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** The proxy's listeners in a pod (15001 outbound, 15006 inbound) and an upstream on the node at GATEWAY:8080; returns a closer. */
  async proxyListeners(podNetns: string, podIp: string): Promise<() => void> {
    const ready = (n: string) => join(this.dir, `${n}-${podIp}.ready`);
    const enter = (netns: string) => ['nsenter', `--net=${netns}`, '--'];
    const kids = [
      this.track(await startListener(enter(podNetns), ready('out'), 'out15001', ['0.0.0.0:15001'])),
      this.track(await startListener(enter(podNetns), ready('in'), 'in15006', ['0.0.0.0:15006'])),
      this.track(await startListener(enter(this.netnsPath), ready('up'), 'upstream', [`${GATEWAY}:8080`])),
    ];
    return () => kids.forEach((k) => k.kill('SIGTERM'));
  }

  /** One connection from a network namespace (as `uid`): the listener's line or `ERR <class>`. */
  connect(netnsPath: string, host: string, port: number, uid?: number): string {
    return this.inNetns(netnsPath, connectArgv(host, port), uid).stdout.trim();
  }

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

/**
 * The capture Istio promises for a default pod, proven with connections from and to the pod's
 * netns: outbound from the app's uid lands on 15001 with its original destination, uid 1337
 * goes straight to the upstream, inbound lands on 15006, and the excluded inbound port 15021
 * is not redirected (nothing answers).
 */
export async function expectPodCapture(node: TestNode, netns: string, ip: string): Promise<void> {
  const close = await node.proxyListeners(netns, ip);
  try {
    expect(node.connect(netns, GATEWAY, 8080, 1000)).toMatch(new RegExp(`^tag=out15001 .*orig=${GATEWAY}:8080 peer=`));
    expect(node.connect(netns, GATEWAY, 8080, 1337)).toMatch(new RegExp(`^tag=upstream local=${GATEWAY}:8080 orig=none peer=`));
    expect(node.connect(node.netnsPath, ip, 8080)).toMatch(new RegExp(`^tag=in15006 .*orig=${ip.replace(/\./g, '\\.')}:8080 peer=`));
    expect(node.connect(node.netnsPath, ip, 15021)).toMatch(/^ERR /);
  } finally {
    close();
  }
}
