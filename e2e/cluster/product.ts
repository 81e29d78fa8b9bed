/**
 * Puts the product on the local cluster: the images on the node (built without Docker by
 * e2e/support/images.ts, imported into the node's containerd), charts/sidecar-kit from the
 * working tree installed with helm, the webhook Ready.
 */
import { createHash } from 'node:crypto';
import { CHART_DIR } from '../../charts/sidecar-kit/tests/helm.js';
import { findTool } from '../../scripts/k8s-tools.js';
import type { ScenarioImages } from '../scenario/provider.js';
import { must } from '../support/process.js';
import type { LocalCluster } from './local-cluster.js';

export const PRODUCT_NAMESPACE = 'sidecar-kit';
export const RELEASE = 'sk';
/** The repository part every image gets on the node, so the chart's `<hub>/<name>:<tag>` finds them. */
const HUB = 'localhost/sidecar-kit';

/** Full references of the images on the node. */
export interface ProductImages {
  readonly webhook: string;
  readonly init: string;
  readonly cni: string;
  readonly proxy: string;
  readonly app: string;
}

/** Why the images cannot be had here, or undefined. */
export function imagesSkipReason(): string | undefined {
  return 'the product images are not built here yet (e2e/support/images.ts, issue 10 §2)';
}

/** What the chart needs to run on this cluster's node: its CNI directories. */
export function chartValues(cluster: LocalCluster): string[] {
  return [`cni.hostConfDir=${cluster.paths.cniConfDir}`, `cni.hostBinDir=${cluster.paths.cniBinDir}`, `cni.agentRunDir=${cluster.paths.cniAgentRunDir}`];
}

/**
 * The images on the node under one hub and one tag (the chart names all three with the same
 * `images.tag`): the tag is a hash of the built references, so a rebuilt image gets a new one.
 */
export async function productImages(cluster: LocalCluster): Promise<ProductImages> {
  void cluster;
  void HUB;
  void createHash;
  throw new Error('the product images (e2e/support/images.ts) are not available yet');
}

export function scenarioImages(refs: ProductImages): ScenarioImages {
  const split = (ref: string) => {
    const m = /^(.*)\/([^/:]+):([^/:]+)$/.exec(ref);
    if (!m) throw new Error(`unexpected image reference ${ref}`);
    return { hub: m[1] as string, name: m[2] as string, tag: m[3] as string };
  };
  const w = split(refs.webhook);
  const proxy = split(refs.proxy);
  return { hub: w.hub, tag: w.tag, proxyHub: proxy.hub, proxyName: proxy.name, proxyTag: proxy.tag, app: refs.app };
}

/** Installs (or upgrades) the chart from the working tree and waits until the webhook is Ready. */
export async function installProduct(cluster: LocalCluster, log: (line: string) => void = (l) => process.stderr.write(`cluster: ${l}\n`)): Promise<void> {
  const helm = findTool('helm');
  if ('reason' in helm) throw new Error(helm.reason);
  const img = scenarioImages(await productImages(cluster));
  const values = [
    `images.hub=${img.hub}`,
    `images.tag=${img.tag}`,
    `global.hub=${img.proxyHub}`,
    `global.tag=${img.proxyTag}`,
    `global.proxy.image=${img.proxyName}`,
    'global.imagePullPolicy=IfNotPresent',
    ...chartValues(cluster),
  ];
  log(`helm upgrade --install ${RELEASE} ${CHART_DIR}`);
  must([helm.path, '--kubeconfig', cluster.kubeconfig, 'upgrade', '--install', RELEASE, CHART_DIR, '--namespace', PRODUCT_NAMESPACE, '--create-namespace', '--wait', '--timeout', '5m', ...values.flatMap((v) => ['--set', v])], { timeoutMs: 360_000 });
  log('webhook Ready');
}
