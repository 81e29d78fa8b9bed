/**
 * A throw-away kind cluster for the kind suite: tools discovery (the skip reason), cluster
 * life cycle, image builds loaded into the nodes, and thin kubectl/helm/docker wrappers that
 * throw with the tool's message.
 *
 * Environment: KIND / KUBECTL / HELM (binaries), SK_KIND_CLUSTER (reuse an existing cluster;
 * it is then not deleted), SK_KIND_KEEP=1 (keep the cluster for debugging), SK_KIND_NODE_IMAGE
 * (kindest/node image), SK_E2E_KIND=1 (opt in: `npm run e2e:kind` sets it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '../../scripts/k8s-tools.js';
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

export class KindCluster {
  readonly name = process.env.SK_KIND_CLUSTER ?? `sk-e2e-${process.pid}`;
  private readonly reused = process.env.SK_KIND_CLUSTER !== undefined;
  /** Made by create(): nothing is written while the suite is only collected (or skipped). */
  private dir = '';
  private created = false;

  get kubeconfig(): string {
    return join(this.dir, 'kubeconfig');
  }

  constructor(private readonly tools: { kubectl: string; helm: string }) {}

  /** Creates the cluster (a control plane and one worker) and writes its kubeconfig. */
  create(): void {
    this.dir = mkdtempSync(join(tmpdir(), 'sk-e2e-kind-'));
    if (!this.reused) {
      const config = join(this.dir, 'kind.yaml');
      writeFileSync(config, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n');
      const image = process.env.SK_KIND_NODE_IMAGE ? ['--image', process.env.SK_KIND_NODE_IMAGE] : [];
      must([KIND, 'create', 'cluster', '--name', this.name, '--config', config, '--wait', '180s', ...image], { timeoutMs: 600_000 });
      this.created = true;
    }
    writeFileSync(this.kubeconfig, must([KIND, 'get', 'kubeconfig', '--name', this.name]));
  }

  /** Builds the images (docker build) and loads them, with the app image, into every node. */
  loadImages(): void {
    for (const img of Object.values(IMAGES)) must(['docker', 'build', '-f', img.dockerfile, '-t', img.ref, img.context], { timeoutMs: 1_200_000 });
    if (run(['docker', 'image', 'inspect', APP_IMAGE]).code !== 0) must(['docker', 'pull', APP_IMAGE]);
    must([KIND, 'load', 'docker-image', '--name', this.name, APP_IMAGE, ...Object.values(IMAGES).map((i) => i.ref)], { timeoutMs: 600_000 });
  }

  kubectl(args: readonly string[], input?: string): string {
    return must([this.tools.kubectl, '--kubeconfig', this.kubeconfig, ...args], { input });
  }

  tryKubectl(args: readonly string[]): RunResult {
    return run([this.tools.kubectl, '--kubeconfig', this.kubeconfig, ...args]);
  }

  /** Applies objects (as JSON, one List). */
  apply(objects: readonly unknown[]): void {
    this.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }

  getJson<T>(args: readonly string[]): T {
    return JSON.parse(this.kubectl(['get', ...args, '-o', 'json'])) as T;
  }

  helm(args: readonly string[]): string {
    return must([this.tools.helm, '--kubeconfig', this.kubeconfig, ...args], { timeoutMs: 600_000 });
  }

  /** Runs a shell command on a node (kind nodes are containers named after the node). */
  onNode(node: string, script: string): string {
    return must(['docker', 'exec', node, 'sh', '-c', script]);
  }

  /** iptables rules in a pod's network namespace, read from its node (both iptables variants). */
  podRules(namespace: string, pod: string): string {
    const node = this.kubectl(['get', 'pod', '-n', namespace, pod, '-o', 'jsonpath={.spec.nodeName}']).trim();
    const script = [
      `id=$(crictl pods --namespace ${namespace} --name '^${pod}$' --state ready -q | head -n1)`,
      `pid=$(crictl inspectp -o go-template --template '{{.info.pid}}' "$id")`,
      'nsenter -t "$pid" -n iptables-nft-save 2>/dev/null; nsenter -t "$pid" -n iptables-legacy-save 2>/dev/null; true',
    ].join(' && ');
    return this.onNode(node, script);
  }

  async until(what: string, cond: () => boolean, ms = 180_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  delete(): void {
    if (this.created && process.env.SK_KIND_KEEP !== '1') run([KIND, 'delete', 'cluster', '--name', this.name], { timeoutMs: 300_000 });
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
