/**
 * Puts the product on the local cluster: the images (built without Docker by
 * e2e/support/images.ts, under the chart's default hub and tag) imported into the node's
 * containerd, charts/sidecar-kit from the working tree installed with helm, the webhook Ready.
 */
import { CHART_DIR } from '../../charts/sidecar-kit/tests/helm.js';
import { findTool } from '../../scripts/k8s-tools.js';
import type { ScenarioImages } from '../scenario/provider.js';
import { buildImages, importImages, type ImageRefs } from '../support/images.js';
import { must, sh } from '../support/process.js';
import type { LocalCluster, NodeImages } from './local-cluster.js';

export { imagesSkipReason } from '../support/images.js';

export const PRODUCT_NAMESPACE = 'sidecar-kit';
export const RELEASE = 'sk';

const defaultLog = (line: string) => process.stderr.write(`cluster: ${line}\n`);

/** Builds the images (content-hash cached: seconds when nothing changed); progress lines only, not the builders' output. */
export function buildProductImages(log: (line: string) => void = defaultLog): Promise<ImageRefs> {
  return buildImages({ log: (line) => (line.startsWith('[images]') ? log(line) : undefined) });
}

/** The node's sandbox image and the import of every image into its containerd. */
export function nodeImages(refs: ImageRefs, log: (line: string) => void = defaultLog): NodeImages {
  return { sandbox: refs.pause, load: ({ address, ctr }) => importImages(refs, { containerdAddress: address, ctr, log }) };
}

/** What the chart needs to run on this cluster's node: its CNI directories. */
export function chartValues(cluster: LocalCluster): string[] {
  return [`cni.hostConfDir=${cluster.paths.cniConfDir}`, `cni.hostBinDir=${cluster.paths.cniBinDir}`, `cni.agentRunDir=${cluster.paths.cniAgentRunDir}`];
}

function split(ref: string): { hub: string; name: string; tag: string } {
  const m = /^(.*)\/([^/:]+):([^/:]+)$/.exec(ref);
  if (!m) throw new Error(`unexpected image reference ${ref}`);
  return { hub: m[1] as string, name: m[2] as string, tag: m[3] as string };
}

export function scenarioImages(refs: ImageRefs): ScenarioImages {
  const w = split(refs.webhook);
  for (const n of ['init', 'cni'] as const) {
    const o = split(refs[n]);
    if (o.hub !== w.hub || o.tag !== w.tag || o.name !== n) throw new Error(`the chart names its images <hub>/<name>:<tag>: ${refs[n]} does not fit ${refs.webhook}`);
  }
  const proxy = split(refs.proxy);
  return { hub: w.hub, tag: w.tag, proxyHub: proxy.hub, proxyName: proxy.name, proxyTag: proxy.tag, app: refs.app };
}

/** The chart's values for these images on this cluster. */
export function productValues(cluster: LocalCluster, img: ScenarioImages): string[] {
  return [
    `images.hub=${img.hub}`,
    `images.tag=${img.tag}`,
    `global.hub=${img.proxyHub}`,
    `global.tag=${img.proxyTag}`,
    `global.proxy.image=${img.proxyName}`,
    'global.imagePullPolicy=IfNotPresent',
    ...chartValues(cluster),
  ];
}

/** Installs (or upgrades) the chart from the working tree and waits until the webhook is Ready. */
export function installProduct(cluster: LocalCluster, refs: ImageRefs, log: (line: string) => void = defaultLog): void {
  const helm = findTool('helm');
  if ('reason' in helm) throw new Error(helm.reason);
  log(`helm upgrade --install ${RELEASE} ${CHART_DIR} --namespace ${PRODUCT_NAMESPACE}`);
  const values = productValues(cluster, scenarioImages(refs));
  must([helm.path, '--kubeconfig', cluster.kubeconfig, 'upgrade', '--install', RELEASE, CHART_DIR, '--namespace', PRODUCT_NAMESPACE, '--create-namespace', '--wait', '--timeout', '5m', ...values.flatMap((v) => ['--set', v])], { timeoutMs: 360_000 });
  // Ready replicas; then the caBundle the webhook writes itself (self-signed mode).
  const kubectl = findTool('kubectl');
  if ('reason' in kubectl) throw new Error(kubectl.reason);
  const end = Date.now() + 120_000;
  for (;;) {
    const bundle = sh([kubectl.path, '--kubeconfig', cluster.kubeconfig, 'get', 'mutatingwebhookconfigurations', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'jsonpath={.items[*].webhooks[*].clientConfig.caBundle}']).stdout.trim();
    if (bundle !== '') break;
    if (Date.now() > end) throw new Error('the webhook did not write its caBundle within 2 minutes');
    sh(['sleep', '1']);
  }
  log('the webhook is Ready and its caBundle in place');
}
