/**
 * A real single-node Kubernetes on this machine, without Docker: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, containerd (CRI, runc), kubelet and kube-proxy, all
 * running as processes of the host inside one network namespace of their own (the "node"),
 * which a veth pair joins to the host: the host reaches the API server at the node's address, and
 * nothing in the node has a route anywhere else. Pods get addresses from Debian's bridge +
 * host-local + portmap plugins; Services are kube-proxy's iptables rules inside the node, which
 * is also where the API server dials admission webhooks through their Service.
 *
 * The processes outlive the command that started them (`npm run cluster:up`); their ids and
 * start times are recorded in the state directory so that a later `up` reuses a healthy cluster
 * and `down` (`npm run cluster:down`) stops exactly what was started, then removes the pods,
 * the netns, the mounts and the state.
 *
 * Several clusters can run side by side (one per developer task or test run): SK_CLUSTER_INDEX
 * (0-15, default 0) picks the cluster's names, addresses, cgroup root and state directory (see
 * `clusterInstance`), so their netns, veths, pod/Service ranges and kubelet cgroups never meet.
 *
 * Environment: SK_CLUSTER_INDEX, SK_CLUSTER_STATE (state directory, default
 * /var/lib/sidecar-kit-cluster, with `-<index>` for an index other than 0), ETCD (etcd binary,
 * default Debian's `etcd`).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { CriClient } from '../support/cri.js';
import { must, privilegedSkipReason, sh } from '../support/process.js';
import { clusterBinaries, type ClusterBinaries } from './binaries.js';
import { kubeconfig, makePki, type Pki } from './pki.js';

export const NODE_NAME = 'sk-node';
export const API_PORT = 6443;
const CNI_PLUGINS = '/usr/lib/cni';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One cluster's names and addresses on this machine (all in RFC 2544's benchmarking range). */
export interface ClusterInstance {
  readonly index: number;
  /** The node's network namespace. */
  readonly netns: string;
  /** The host's end of the veth pair. */
  readonly hostIf: string;
  /** The host's and the node's ends of the veth pair (a /30). */
  readonly hostIp: string;
  readonly nodeIp: string;
  readonly podCidr: string;
  readonly podGateway: string;
  readonly serviceCidr: string;
  /** The `kubernetes` Service's ClusterIP (the first address of the Service range). */
  readonly apiServiceIp: string;
  /** The kubelet's cgroup root: `kubepods` lives under it in every v1 controller. */
  readonly cgroupRoot: string;
  readonly stateDir: string;
}

/**
 * The cluster of index `index` (0-15): netns `sk-cluster` (index 0) or `sk-cluster<index>`, veth
 * 198.18.0.<4i+1>/30 ↔ .<4i+2>, pods 198.18.<16+i>.0/24, Services 198.18.<32+i>.0/24.
 */
export function clusterInstance(index = Number(process.env.SK_CLUSTER_INDEX ?? '0')): ClusterInstance {
  if (!Number.isInteger(index) || index < 0 || index > 15) throw new Error(`SK_CLUSTER_INDEX: ${String(index)}: expected an integer 0-15`);
  const suffix = index === 0 ? '' : String(index);
  return {
    index,
    netns: `sk-cluster${suffix}`,
    hostIf: `skc${suffix}-host`,
    hostIp: `198.18.0.${4 * index + 1}`,
    nodeIp: `198.18.0.${4 * index + 2}`,
    podCidr: `198.18.${16 + index}.0/24`,
    podGateway: `198.18.${16 + index}.1`,
    serviceCidr: `198.18.${32 + index}.0/24`,
    apiServiceIp: `198.18.${32 + index}.1`,
    cgroupRoot: `/sk-cluster${suffix}`,
    stateDir: process.env.SK_CLUSTER_STATE ?? `/var/lib/sidecar-kit-cluster${index === 0 ? '' : `-${index}`}`,
  };
}

export function stateDir(): string {
  return clusterInstance().stateDir;
}

/** Why this machine cannot run the cluster, or undefined when it can. */
export function clusterSkipReason(): string | undefined {
  return privilegedSkipReason({
    why: 'a kubelet, containerd and network namespaces',
    tools: ['runc', 'ip', 'nsenter', 'iptables', 'iptables-save', 'openssl', 'podman', 'busybox', process.env.ETCD ?? 'etcd'],
    files: ['bridge', 'host-local', 'portmap', 'loopback'].map((p) => join(CNI_PLUGINS, p)),
    install: 'etcd-server runc podman containernetworking-plugins busybox-static iproute2 util-linux iptables openssl conntrack',
  });
}

interface Proc {
  readonly name: string;
  readonly pid: number;
  /** /proc/<pid>/stat field 22: tells a recycled pid from ours. */
  readonly start: string;
}

function procStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const alive = (p: Proc) => procStart(p.pid) === p.start;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Paths of one cluster's state. */
export class ClusterPaths {
  readonly pki: string;
  readonly logs: string;
  readonly procs: string;
  readonly kubeconfig: string;
  readonly containerdSocket: string;
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  readonly cniAgentRunDir: string;
  readonly kubeletDir: string;
  readonly netnsPath: string;

  constructor(readonly dir = stateDir(), netns = clusterInstance().netns) {
    this.netnsPath = `/run/netns/${netns}`;
    this.pki = join(dir, 'pki');
    this.logs = join(dir, 'logs');
    this.procs = join(dir, 'procs.json');
    this.kubeconfig = join(dir, 'admin.kubeconfig');
    this.containerdSocket = join(dir, 'containerd', 'containerd.sock');
    this.cniConfDir = join(dir, 'cni', 'net.d');
    this.cniBinDir = join(dir, 'cni', 'bin');
    this.cniAgentRunDir = join(dir, 'cni', 'run');
    this.kubeletDir = join(dir, 'kubelet');
  }

  config(name: string): string {
    return join(this.dir, 'config', name);
  }
}

export interface UpOptions {
  readonly log?: (line: string) => void;
}

/** What the node's containerd must hold before the kubelet starts. */
export interface NodeImages {
  /** The sandbox ("pause") image containerd pins. */
  readonly sandbox: string;
  /** Puts images into the node's containerd (`ctr`: its ctr binary; `address`: its socket). */
  readonly load: (containerd: { readonly address: string; readonly ctr: string }) => Promise<void>;
}

export class LocalCluster {
  readonly paths: ClusterPaths;
  private readonly log: (line: string) => void;

  constructor(
    readonly net: ClusterInstance = clusterInstance(),
    opts: UpOptions = {},
  ) {
    this.paths = new ClusterPaths(net.stateDir, net.netns);
    this.log = opts.log ?? ((l) => process.stderr.write(`cluster: ${l}\n`));
  }

  get kubeconfig(): string {
    return this.paths.kubeconfig;
  }

  get server(): string {
    return `https://${this.net.nodeIp}:${API_PORT}`;
  }

  private readProcs(): Proc[] {
    try {
      return JSON.parse(readFileSync(this.paths.procs, 'utf8')) as Proc[];
    } catch {
      return [];
    }
  }

  private recordProc(p: Proc): void {
    writeFileSync(this.paths.procs, `${JSON.stringify([...this.readProcs().filter((q) => q.name !== p.name), p], null, 2)}\n`);
  }

  /** True when every recorded process is alive and the API server and the node are ready. */
  async healthy(): Promise<boolean> {
    const procs = this.readProcs();
    if (procs.length < DAEMONS.length || !procs.every(alive)) return false;
    try {
      return (await this.apiGet('/readyz')).status === 200 && (await this.nodeReady());
    } catch {
      return false;
    }
  }

  /** GET on the API server as the admin (the host's view). */
  apiGet(path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
    const pki = join(this.paths.pki);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.server}${path}`,
        { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')), timeout: timeoutMs },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  private async nodeReady(): Promise<boolean> {
    const node = await this.kubectlJson<{ status: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${NODE_NAME}`);
    return node.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  /**
   * Starts the cluster, or reuses it when it is already up and healthy; a half-started or
   * stale one is taken down first. Builds the programs on first use (see binaries.ts).
   */
  async up(images: NodeImages): Promise<void> {
    if (await this.healthy()) {
      this.log(`reusing the running cluster (${this.paths.dir})`);
      await images.load({ address: this.paths.containerdSocket, ctr: clusterBinaries().ctr });
      return;
    }
    if (existsSync(this.paths.dir) || existsSync(this.paths.netnsPath)) {
      this.log('a previous cluster is not healthy: taking it down first');
      await this.down();
    }
    const bins = clusterBinaries(this.log);
    const started = Date.now();
    for (const d of [this.paths.logs, this.paths.cniConfDir, this.paths.cniBinDir, this.paths.cniAgentRunDir, this.paths.kubeletDir, join(this.paths.dir, 'config'), join(this.paths.dir, 'containerd')]) mkdirSync(d, { recursive: true });
    const pki = makePki(this.paths.pki, { nodeName: NODE_NAME, nodeIp: this.net.nodeIp, apiServiceIp: this.net.apiServiceIp });
    this.writeConfigs(pki, images.sandbox);
    this.makeCgroupRoot();
    this.network();
    await this.startEtcd();
    await this.startApiserver(pki, bins);
    this.daemon('kube-controller-manager', [
      bins.kubeControllerManager,
      `--kubeconfig=${this.paths.config('controller-manager.kubeconfig')}`,
      `--authentication-kubeconfig=${this.paths.config('controller-manager.kubeconfig')}`,
      `--authorization-kubeconfig=${this.paths.config('controller-manager.kubeconfig')}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.ca.cert}`,
      `--cluster-signing-cert-file=${pki.ca.cert}`,
      `--cluster-signing-key-file=${pki.ca.key}`,
      `--service-cluster-ip-range=${this.net.serviceCidr}`,
      '--use-service-account-credentials=true',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ]);
    this.daemon('kube-scheduler', [
      bins.kubeScheduler,
      `--kubeconfig=${this.paths.config('scheduler.kubeconfig')}`,
      `--authentication-kubeconfig=${this.paths.config('scheduler.kubeconfig')}`,
      `--authorization-kubeconfig=${this.paths.config('scheduler.kubeconfig')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ]);
    await this.startContainerd(bins, images);
    this.daemon('kubelet', [
      bins.kubelet,
      `--config=${this.paths.config('kubelet.yaml')}`,
      `--kubeconfig=${this.paths.config('kubelet.kubeconfig')}`,
      `--root-dir=${this.paths.kubeletDir}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${this.net.nodeIp}`,
      '--v=1',
    ]);
    this.daemon('kube-proxy', [bins.kubeProxy, `--config=${this.paths.config('kube-proxy.yaml')}`, '--v=1']);
    await this.waitReady();
    this.log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s (Kubernetes ${bins.kubernetesVersion}, containerd ${bins.containerdVersion})`);
  }

  /** Runs `argv` in the node's netns, detached, logging to logs/<name>.log; records it. */
  private daemon(name: string, argv: readonly string[], env: Record<string, string> = {}): void {
    const out = openSync(join(this.paths.logs, `${name}.log`), 'a');
    // nsenter, not `ip netns exec`: the latter remounts /sys (containerd and kubelet lose cgroups).
    const child = spawn('nsenter', [`--net=${this.paths.netnsPath}`, '--', ...argv], { detached: true, stdio: ['ignore', out, out], env: { PATH, HOME: '/root', ...env } });
    closeSync(out);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${name} did not start`);
    child.unref();
    // nsenter execs the program in place: the pid is the daemon's.
    let start: string | undefined;
    for (let i = 0; i < 50 && start === undefined; i++) start = procStart(pid);
    this.recordProc({ name, pid, start: start ?? '' });
  }

  logTail(name: string, chars = 3000): string {
    try {
      return readFileSync(join(this.paths.logs, `${name}.log`), 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }

  private async waitFor(what: string, daemon: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      try {
        if (await cond()) return;
      } catch {
        // not yet
      }
      const p = this.readProcs().find((q) => q.name === daemon);
      if (p && !alive(p)) throw new Error(`${daemon} exited while waiting for ${what}:\n${this.logTail(daemon)}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; ${daemon} log:\n${this.logTail(daemon)}`);
      await sleep(250);
    }
  }

  /** The node netns, a veth pair to the host, forwarding and bridge netfilter inside. */
  private network(): void {
    const { netns, hostIf, hostIp, nodeIp } = this.net;
    must(['ip', 'netns', 'add', netns]);
    const inNode = (argv: string[]) => must(['nsenter', `--net=${this.paths.netnsPath}`, '--', ...argv]);
    must(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    must(['ip', 'addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    must(['ip', 'link', 'set', hostIf, 'up']);
    inNode(['ip', 'addr', 'add', `${nodeIp}/30`, 'dev', 'eth0']);
    inNode(['ip', 'link', 'set', 'eth0', 'up']);
    inNode(['ip', 'link', 'set', 'lo', 'up']);
    // A route for the Service range: the node's own processes (the API server calling
    // webhooks, the CNI plugin reading pods) need one before kube-proxy's DNAT applies. On-link
    // on the veth: a ClusterIP without endpoints is never resolved there (the host answers ARP
    // only for its own address) and goes nowhere. (No dummy device in these kernels.)
    inNode(['ip', 'route', 'add', this.net.serviceCidr, 'dev', 'eth0']);
    inNode(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    // Pod -> ClusterIP -> pod on the same bridge must pass through kube-proxy's rules.
    inNode(['sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']);
  }

  private async startEtcd(): Promise<void> {
    const dataDir = join(this.paths.dir, 'etcd');
    this.daemon('etcd', [
      process.env.ETCD ?? 'etcd',
      '--name=sk-node',
      `--data-dir=${dataDir}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=sk-node=http://127.0.0.1:2380',
      '--listen-metrics-urls=http://127.0.0.1:2381',
      '--quota-backend-bytes=2147483648',
      '--unsafe-no-fsync=true',
    ], { ETCD_UNSUPPORTED_ARCH: '' });
    await this.waitFor('etcd', 'etcd', () => sh(['nsenter', `--net=${this.paths.netnsPath}`, '--', 'sh', '-c', 'exec 3<>/dev/tcp/127.0.0.1/2379'], { timeoutMs: 2000 }).code === 0 || this.logTail('etcd').includes('ready to serve client requests'), 60_000);
  }

  private async startApiserver(pki: Pki, bins: ClusterBinaries): Promise<void> {
    this.daemon('kube-apiserver', [
      bins.kubeApiserver,
      '--etcd-servers=http://127.0.0.1:2379',
      `--advertise-address=${this.net.nodeIp}`,
      '--bind-address=0.0.0.0',
      `--secure-port=${API_PORT}`,
      `--service-cluster-ip-range=${this.net.serviceCidr}`,
      `--tls-cert-file=${pki.apiserver.cert}`,
      `--tls-private-key-file=${pki.apiserver.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`,
      `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.ca.cert}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--api-audiences=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=lease',
      '--profiling=false',
    ]);
    await this.waitFor('the API server', 'kube-apiserver', async () => (await this.apiGet('/readyz', 2000)).status === 200, 180_000);
  }

  private async startContainerd(bins: ClusterBinaries, images: NodeImages): Promise<void> {
    for (const p of ['bridge', 'host-local', 'portmap', 'loopback']) {
      const link = join(this.paths.cniBinDir, p);
      if (!existsSync(link)) symlinkSync(join(CNI_PLUGINS, p), link);
    }
    this.daemon('containerd', [bins.containerd, '--config', this.paths.config('containerd.toml')], { PATH: `${bins.containerdBinDir}:${PATH}` });
    await this.waitFor('containerd', 'containerd', () => existsSync(this.paths.containerdSocket), 60_000);
    await images.load({ address: this.paths.containerdSocket, ctr: bins.ctr });
  }

  private kubectlJson<T>(path: string): Promise<T> {
    return this.apiGet(path).then((r) => {
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 300)}`);
      return JSON.parse(r.body) as T;
    });
  }

  /** The node registered and Ready, its default ServiceAccount and root CA published. */
  private async waitReady(): Promise<void> {
    await this.waitFor('the node to register and be Ready', 'kubelet', () => this.nodeReady(), 180_000);
    await this.waitFor('the default ServiceAccount', 'kube-controller-manager', async () => (await this.apiGet('/api/v1/namespaces/default/serviceaccounts/default')).status === 200, 120_000);
    await this.waitFor('kube-root-ca.crt', 'kube-controller-manager', async () => (await this.apiGet('/api/v1/namespaces/default/configmaps/kube-root-ca.crt')).status === 200, 120_000);
    await this.waitFor('the kubernetes Service rules', 'kube-proxy', () => sh(['nsenter', `--net=${this.paths.netnsPath}`, '--', 'iptables-save', '-t', 'nat']).stdout.includes(this.net.apiServiceIp), 120_000);
  }

  private writeConfigs(pki: Pki, sandboxImage: string): void {
    const server = this.server;
    writeFileSync(this.paths.kubeconfig, kubeconfig(server, pki.ca.cert, pki.admin));
    writeFileSync(this.paths.config('controller-manager.kubeconfig'), kubeconfig(server, pki.ca.cert, pki.controllerManager));
    writeFileSync(this.paths.config('scheduler.kubeconfig'), kubeconfig(server, pki.ca.cert, pki.scheduler));
    writeFileSync(this.paths.config('kubelet.kubeconfig'), kubeconfig(server, pki.ca.cert, pki.kubelet));
    writeFileSync(this.paths.config('kube-proxy.kubeconfig'), kubeconfig(server, pki.ca.cert, pki.kubeProxy));
    const resolv = this.paths.config('resolv.conf');
    // Pods get no name server: nothing in the node may reach outside it.
    writeFileSync(resolv, 'options ndots:1\n');
    writeFileSync(
      join(this.paths.cniConfDir, '10-sk-podnet.conflist'),
      `${JSON.stringify(
        {
          cniVersion: '1.0.0',
          name: 'sk-podnet',
          plugins: [
            {
              type: 'bridge',
              bridge: 'skc-br0',
              isGateway: true,
              ipMasq: false,
              hairpinMode: true,
              ipam: { type: 'host-local', dataDir: join(this.paths.dir, 'cni', 'ipam'), ranges: [[{ subnet: this.net.podCidr, gateway: this.net.podGateway }]], routes: [{ dst: '0.0.0.0/0' }] },
            },
            { type: 'portmap', capabilities: { portMappings: true } },
          ],
        },
        null,
        2,
      )}\n`,
    );
    const c = join(this.paths.dir, 'containerd');
    writeFileSync(
      this.paths.config('containerd.toml'),
      `version = 3
root = "${c}/root"
state = "${c}/state"
temp = "${c}/tmp"
[grpc]
  address = "${this.paths.containerdSocket}"
[ttrpc]
  address = "${this.paths.containerdSocket}.ttrpc"
[debug]
  address = "${this.paths.containerdSocket}.debug"
# NRI's socket is a fixed host path: another containerd 2 on the machine may own it.
[plugins.'io.containerd.nri.v1.nri']
  disable = true
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${sandboxImage}"
[plugins.'io.containerd.cri.v1.runtime']
  # no CAP_SYS_RESOURCE here: a negative oom_score_adj would make runc fail
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["${this.paths.cniBinDir}"]
    conf_dir = "${this.paths.cniConfDir}"
    max_conf_num = 1
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "runc"
        SystemdCgroup = false
[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
`,
    );
    writeFileSync(
      this.paths.config('kubelet.yaml'),
      `${JSON.stringify(
        {
          apiVersion: 'kubelet.config.k8s.io/v1beta1',
          kind: 'KubeletConfiguration',
          containerRuntimeEndpoint: `unix://${this.paths.containerdSocket}`,
          // cgroup v1 only on these machines, no systemd
          failCgroupV1: false,
          cgroupDriver: 'cgroupfs',
          // this cluster's own hierarchy, so clusters side by side never share kubepods
          cgroupRoot: this.net.cgroupRoot,
          // no CAP_SYS_RESOURCE: a negative score cannot be set
          oomScoreAdj: 0,
          failSwapOn: false,
          authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.ca.cert } },
          authorization: { mode: 'Webhook' },
          tlsCertFile: pki.kubeletServing.cert,
          tlsPrivateKeyFile: pki.kubeletServing.key,
          address: this.net.nodeIp,
          healthzBindAddress: '127.0.0.1',
          readOnlyPort: 0,
          resolvConf: resolv,
          podLogsDir: join(this.paths.dir, 'pod-logs'),
          staticPodPath: '',
          maxPods: 300,
          serializeImagePulls: false,
          imageGCHighThresholdPercent: 100,
          imageGCLowThresholdPercent: 99,
          evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
          protectKernelDefaults: false,
          registerNode: true,
          nodeStatusUpdateFrequency: '4s',
          syncFrequency: '10s',
          fileCheckFrequency: '10s',
          shutdownGracePeriod: '0s',
          localStorageCapacityIsolation: true,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      this.paths.config('kube-proxy.yaml'),
      `${JSON.stringify(
        {
          apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
          kind: 'KubeProxyConfiguration',
          clientConnection: { kubeconfig: this.paths.config('kube-proxy.kubeconfig') },
          hostnameOverride: NODE_NAME,
          mode: 'iptables',
          clusterCIDR: this.net.podCidr,
          bindAddress: this.net.nodeIp,
          healthzBindAddress: '127.0.0.1:10256',
          metricsBindAddress: '127.0.0.1:10249',
          // leave the netns' conntrack sysctls alone (some are VM-wide)
          conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
          iptables: { masqueradeAll: false, syncPeriod: '10s', minSyncPeriod: '0s' },
        },
        null,
        2,
      )}\n`,
    );
  }

  /**
   * Stops what `up` started and removes it: pods (through the CRI, so CNI DEL runs), the
   * daemons (SIGTERM, then SIGKILL), the shims of this containerd, the netns, mounts under the
   * state directory, the kubelet's pod cgroups, and the state directory itself.
   */
  async down(): Promise<void> {
    const procs = this.readProcs();
    const containerd = procs.find((p) => p.name === 'containerd');
    // The kubelet first: it would recreate what we remove.
    for (const name of ['kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager']) await this.stopProc(procs.find((p) => p.name === name));
    if (containerd && alive(containerd) && existsSync(this.paths.containerdSocket)) {
      const cri = new CriClient(this.paths.containerdSocket);
      try {
        for (const c of await cri.listContainers()) await cri.removeContainer(c.id).catch(() => undefined);
        for (const s of await cri.listPodSandboxes()) {
          await cri.stopPodSandbox(s.id).catch(() => undefined);
          await cri.removePodSandbox(s.id).catch(() => undefined);
        }
      } catch (err) {
        this.log(`could not remove the pods through the CRI: ${(err as Error).message}`);
      } finally {
        cri.close();
      }
    }
    await this.stopProc(containerd);
    // Shims of this containerd (each names our socket on its command line), if any survived.
    for (const pid of this.shimPids()) await this.stopProc({ name: 'containerd-shim', pid, start: procStart(pid) ?? '' });
    for (const name of ['kube-apiserver', 'etcd']) await this.stopProc(procs.find((p) => p.name === name));
    sh(['ip', 'link', 'del', this.net.hostIf]);
    sh(['ip', 'netns', 'del', this.net.netns]);
    this.unmountUnder(this.paths.dir);
    this.removePodCgroups();
    rmSync(this.paths.dir, { recursive: true, force: true });
  }

  private shimPids(): number[] {
    const out: number[] = [];
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
        if (cmd.startsWith(`${join(this.paths.dir)}`) || (cmd.includes('containerd-shim') && cmd.includes(this.paths.containerdSocket))) out.push(Number(e));
      } catch {
        // gone
      }
    }
    return out;
  }

  private async stopProc(p: Proc | undefined): Promise<void> {
    if (!p || !alive(p)) return;
    process.kill(p.pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(p); i++) await sleep(100);
    if (alive(p)) process.kill(p.pid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(p); i++) await sleep(100);
  }

  private unmountUnder(dir: string): void {
    for (let round = 0; round < 5; round++) {
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' ')).filter((m) => m === dir || m.startsWith(`${dir}/`));
      if (mounts.length === 0) return;
      for (const m of mounts.sort().reverse()) sh(['umount', '-l', m]);
    }
  }

  /** The kubelet requires its cgroup root to exist in every v1 controller. */
  private makeCgroupRoot(): void {
    const root = '/sys/fs/cgroup';
    if (!existsSync(root)) return;
    for (const controller of readdirSync(root)) {
      const dir = join(root, controller);
      // skip the v2 mount of hybrid hosts (it holds only hugetlb) and symlinked joint controllers
      if (!statSync(dir).isDirectory() || existsSync(join(dir, 'cgroup.controllers'))) continue;
      mkdirSync(join(dir, this.net.cgroupRoot), { recursive: true });
    }
  }

  /** This cluster's cgroupfs hierarchy (its root under every v1 controller), deepest first. */
  private removePodCgroups(): void {
    const root = '/sys/fs/cgroup';
    if (!existsSync(root)) return;
    const rmTree = (d: string): void => {
      let entries: string[] = [];
      try {
        entries = readdirSync(d).filter((e) => {
          try {
            return statSync(join(d, e)).isDirectory();
          } catch {
            return false;
          }
        });
      } catch {
        return;
      }
      for (const e of entries) rmTree(join(d, e));
      sh(['rmdir', d]);
    };
    for (const controller of readdirSync(root)) {
      const k = join(root, controller, this.net.cgroupRoot);
      if (existsSync(k)) rmTree(k);
    }
  }
}

/** Names of the processes a healthy cluster runs. */
export const DAEMONS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'containerd', 'kubelet', 'kube-proxy'] as const;
