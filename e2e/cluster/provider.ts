/**
 * The local-cluster provider of the user-journey scenario: the single-node cluster of
 * local-cluster.ts (reused when `npm run cluster:up` left one running, else started and taken
 * down afterwards), the product's images imported into its containerd, and the node's view for
 * the scenario (pod rules through the CRI + nsenter, the CNI conflists in the node's directory).
 *
 * Environment: SK_CLUSTER_KEEP=1 keeps a cluster this suite started.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from '../../scripts/k8s-tools.js';
import { Kube, type ClusterProvider, type ScenarioImages } from '../scenario/provider.js';
import { CriClient } from '../support/cri.js';
import { sh } from '../support/process.js';
import { buildSkipReason } from './binaries.js';
import { clusterSkipReason, LocalCluster } from './local-cluster.js';
import { buildProductImages, chartValues, imagesSkipReason, nodeImages, PRODUCT_NAMESPACE, scenarioImages } from './product.js';

export class LocalClusterProvider implements ClusterProvider {
  readonly name = 'the local cluster';
  readonly skipReason: string | undefined;
  readonly tools: { kubectl: string; helm: string };
  readonly cluster = new LocalCluster();
  readonly hostAddressFromApiServer = this.cluster.net.hostIp;
  private startedHere = false;
  private imagesCache: ScenarioImages | undefined;
  private readonly kube: Kube;

  constructor() {
    const kubectl = findTool('kubectl');
    const helm = findTool('helm');
    this.skipReason = clusterSkipReason() ?? buildSkipReason() ?? imagesSkipReason() ?? ('reason' in kubectl ? kubectl.reason : undefined) ?? ('reason' in helm ? helm.reason : undefined);
    this.tools = { kubectl: 'path' in kubectl ? kubectl.path : 'kubectl', helm: 'path' in helm ? helm.path : 'helm' };
    this.kube = new Kube(() => this.kubeconfig, this.tools);
  }

  get kubeconfig(): string {
    return this.cluster.kubeconfig;
  }

  get images(): ScenarioImages {
    if (!this.imagesCache) throw new Error('images are known after setUp()');
    return this.imagesCache;
  }

  get chartValues(): readonly string[] {
    return chartValues(this.cluster);
  }

  async setUp(): Promise<void> {
    this.startedHere = !(await this.cluster.healthy());
    const refs = await buildProductImages();
    await this.cluster.up(nodeImages(refs));
    // A cluster left by `npm run cluster:up` carries the developer's release: start clean.
    await this.reset();
    this.imagesCache = scenarioImages(refs);
  }

  /** Removes the product and the scenario's namespaces from a reused cluster. */
  private async reset(): Promise<void> {
    const releases = this.kube.tryKubectl(['get', 'secrets', '-n', PRODUCT_NAMESPACE, '-l', 'owner=helm', '-o', 'jsonpath={.items[*].metadata.labels.name}']).stdout.trim().split(/\s+/).filter((r) => r !== '');
    for (const r of new Set(releases)) this.kube.helm(['uninstall', r, '--namespace', PRODUCT_NAMESPACE, '--wait']);
    const namespaces = [PRODUCT_NAMESPACE, 'shop', 'shop-cni', 'plain', 'fleet', 'fleet-cni', 'tagged', 'cov', 'psa-cni', 'psa-init', 'jobs'];
    this.kube.tryKubectl(['delete', 'namespace', ...namespaces, '--ignore-not-found', '--wait=false']);
    await this.kube.until('the namespaces of an earlier run to be gone', () => namespaces.every((n) => this.kube.tryKubectl(['get', 'namespace', n]).code !== 0), 900_000, 3000);
  }

  async tearDown(): Promise<void> {
    if (this.startedHere && process.env.SK_CLUSTER_KEEP !== '1') await this.cluster.down();
  }

  nodeConflists(): string[] {
    const dir = this.cluster.paths.cniConfDir;
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.conflist')).sort() : [];
    return [files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')];
  }

  async podRules(namespace: string, pod: string): Promise<string> {
    const cri = new CriClient(this.cluster.paths.containerdSocket);
    try {
      const sandbox = (await cri.listPodSandboxes()).find((s) => s.metadata.namespace === namespace && s.metadata.name === pod && s.state === 0);
      if (!sandbox) throw new Error(`no ready sandbox of ${namespace}/${pod} on the node`);
      const netns = await cri.netnsPath(sandbox.id);
      return ['iptables-nft-save', 'iptables-legacy-save'].map((tool) => sh(['nsenter', `--net=${netns}`, '--', tool]).stdout).join('');
    } finally {
      cri.close();
    }
  }
}
