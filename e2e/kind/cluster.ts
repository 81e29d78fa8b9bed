/**
 * The kind provider of the user-journey scenario (e2e/scenario/journey.ts): tools discovery
 * (the skip reason), a throw-away kind cluster, image builds loaded into its nodes, and what
 * the scenario reads on the nodes (pod rules through crictl + nsenter, CNI conflists).
 *
 * Environment: KIND / KUBECTL / HELM (binaries), SK_KIND_CLUSTER (reuse an existing cluster;
 * it is then not deleted), SK_KIND_KEEP=1 (keep the cluster for debugging), SK_KIND_NODE_IMAGE
 * (kindest/node image), SK_E2E_KIND=1 (opt in: `npm run e2e:kind` sets it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '../../scripts/k8s-tools.js';
import { Kube, type ClusterProvider, type ScenarioImages } from '../scenario/provider.js';
import { root } from '../support/artefacts.js';
import { must as mustRun, sh, type RunOptions, type RunResult } from '../support/process.js';

export const KIND = process.env.KIND ?? 'kind';
export const TAG = 'e2e';
/** The images the suite builds: sidecar-kit's three and the proxy stand-in. */
export const IMAGES = {
  webhook: { ref: `sidecar-kit/webhook:${TAG}`, dockerfile: join(root, 'images', 'webhook.Dockerfile'), context: root },
  init: { ref: `sidecar-kit/init:${TAG}`, dockerfile: join(root, 'images', 'init.Dockerfile'), context: root },
  cni: { ref: `sidecar-kit/cni:${TAG}`, dockerfile: join(root, 'images', 'cni.Dockerfile'), context: root },
  proxy: { ref: `sidecar-kit/proxy-standin:${TAG}`, dockerfile: join(root, 'e2e', 'kind', 'proxy-standin', 'Dockerfile'), context: join(root, 'e2e', 'kind', 'proxy-standin') },
} as const;
export const APP_IMAGE = 'busybox:1.36';

/** The shared runner with the kind suite's budget: 5 minutes unless `timeoutMs` says otherwise. */
export function run(argv: readonly string[], opts: RunOptions = {}): RunResult {
  return sh(argv, { timeoutMs: 300_000, ...opts });
}

export function must(argv: readonly string[], opts: RunOptions = {}): string {
  return mustRun(argv, { timeoutMs: 300_000, ...opts });
}

/** Why this machine cannot run the kind suite, or the tools it will use. */
export function kindTools(): { reason: string } | { kubectl: string; helm: string } {
  const docker = run(['docker', 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 });
  if (docker.code !== 0) return { reason: `no Docker engine (docker info: ${(docker.stderr || 'docker not found').trim().split('\n').at(-1)})` };
  if (run([KIND, 'version'], { timeoutMs: 20_000 }).code !== 0) return { reason: `kind not found (put it on PATH or set $KIND)` };
  if (process.env.SK_E2E_KIND !== '1') return { reason: 'creating kind clusters is opt-in: SK_E2E_KIND=1 (npm run e2e:kind sets it)' };
  const kubectl = findTool('kubectl');
  if ('reason' in kubectl) return { reason: kubectl.reason };
  const helm = findTool('helm');
  if ('reason' in helm) return { reason: helm.reason };
  return { kubectl: kubectl.path, helm: helm.path };
}

export class KindCluster implements ClusterProvider {
  readonly name = 'kind';
  readonly clusterName = process.env.SK_KIND_CLUSTER ?? `sk-e2e-${process.pid}`;
  private readonly reused = process.env.SK_KIND_CLUSTER !== undefined;
  /** Made by setUp(): nothing is written while the suite is only collected (or skipped). */
  private dir = '';
  private created = false;
  readonly skipReason: string | undefined;
  readonly tools: { kubectl: string; helm: string };
  readonly images: ScenarioImages = { hub: 'sidecar-kit', tag: TAG, proxyHub: 'sidecar-kit', proxyName: 'proxy-standin', proxyTag: TAG, app: APP_IMAGE };
  readonly chartValues: readonly string[] = [];
  /** The test process is not reachable from inside kind's nodes in general. */
  readonly hostAddressFromApiServer = undefined;
  private readonly kube: Kube;

  constructor() {
    const tools = kindTools();
    this.skipReason = 'reason' in tools ? tools.reason : undefined;
    this.tools = 'reason' in tools ? { kubectl: '', helm: '' } : tools;
    this.kube = new Kube(() => this.kubeconfig, this.tools);
  }

  get kubeconfig(): string {
    return join(this.dir, 'kubeconfig');
  }

  async setUp(): Promise<void> {
    this.create();
    this.loadImages();
  }

  async tearDown(): Promise<void> {
    this.delete();
  }

  /** Creates the cluster (a control plane and one worker) and writes its kubeconfig. */
  create(): void {
    this.dir = mkdtempSync(join(tmpdir(), 'sk-e2e-kind-'));
    if (!this.reused) {
      const config = join(this.dir, 'kind.yaml');
      writeFileSync(config, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n');
      const image = process.env.SK_KIND_NODE_IMAGE ? ['--image', process.env.SK_KIND_NODE_IMAGE] : [];
      must([KIND, 'create', 'cluster', '--name', this.clusterName, '--config', config, '--wait', '180s', ...image], { timeoutMs: 600_000 });
      this.created = true;
    }
    writeFileSync(this.kubeconfig, must([KIND, 'get', 'kubeconfig', '--name', this.clusterName]));
  }

  /** Builds the images (docker build) and loads them, with the app image, into every node. */
  loadImages(): void {
    for (const img of Object.values(IMAGES)) must(['docker', 'build', '-f', img.dockerfile, '-t', img.ref, img.context], { timeoutMs: 1_200_000 });
    if (run(['docker', 'image', 'inspect', APP_IMAGE]).code !== 0) must(['docker', 'pull', APP_IMAGE]);
    must([KIND, 'load', 'docker-image', '--name', this.clusterName, APP_IMAGE, ...Object.values(IMAGES).map((i) => i.ref)], { timeoutMs: 600_000 });
  }

  /** Runs a shell command on a node (kind nodes are containers named after the node). */
  onNode(node: string, script: string): string {
    return must(['docker', 'exec', node, 'sh', '-c', script]);
  }

  private nodes(): string[] {
    return this.kube.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(/\s+/);
  }

  nodeConflists(): string[] {
    return this.nodes().map((n) => this.onNode(n, 'cat /etc/cni/net.d/*.conflist'));
  }

  /** iptables rules in a pod's network namespace, read from its node (both iptables variants). */
  async podRules(namespace: string, pod: string): Promise<string> {
    const node = this.kube.kubectl(['get', 'pod', '-n', namespace, pod, '-o', 'jsonpath={.spec.nodeName}']).trim();
    const script = [
      `id=$(crictl pods --namespace ${namespace} --name '^${pod}$' --state ready -q | head -n1)`,
      `pid=$(crictl inspectp -o go-template --template '{{.info.pid}}' "$id")`,
      'nsenter -t "$pid" -n iptables-nft-save 2>/dev/null; nsenter -t "$pid" -n iptables-legacy-save 2>/dev/null; true',
    ].join(' && ');
    return this.onNode(node, script);
  }

  delete(): void {
    if (this.created && process.env.SK_KIND_KEEP !== '1') run([KIND, 'delete', 'cluster', '--name', this.clusterName], { timeoutMs: 300_000 });
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
