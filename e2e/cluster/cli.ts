/**
 * `npm run cluster:up` / `npm run cluster:down`: the local single-node cluster for developers
 * and for `npm run e2e:cluster`.
 *
 *   up    starts the cluster (or reuses a healthy running one), builds and imports the images,
 *         installs charts/sidecar-kit from the working tree with helm (release `sk`, namespace
 *         `sidecar-kit`) and waits until the webhook is Ready; the last line printed is
 *         `KUBECONFIG=<path>`. SK_CLUSTER_NO_CHART=1: the cluster and images only.
 *   down  stops everything `up` started and removes its netns, mounts and state.
 *   build builds the cluster's programs from their Go modules into the cache (what `up` does
 *         on first use), printing where they are; CI runs it as a step of its own.
 *
 * Progress goes to stderr; stdout carries only the KUBECONFIG line.
 */
import { clusterBinaries } from './binaries.js';
import { clusterSkipReason, LocalCluster } from './local-cluster.js';
import { buildProductImages, imagesSkipReason, installProduct, nodeImages } from './product.js';

async function main(cmd: string | undefined): Promise<void> {
  const cluster = new LocalCluster();
  switch (cmd) {
    case 'up': {
      const reason = clusterSkipReason() ?? imagesSkipReason();
      if (reason) throw new Error(`cannot start the local cluster: ${reason}`);
      const refs = await buildProductImages();
      await cluster.up(nodeImages(refs));
      if (process.env.SK_CLUSTER_NO_CHART !== '1') installProduct(cluster, refs);
      process.stdout.write(`KUBECONFIG=${cluster.kubeconfig}\n`);
      return;
    }
    case 'build': {
      const started = Date.now();
      const bins = clusterBinaries((l) => process.stderr.write(`cluster: ${l}\n`));
      process.stderr.write(`cluster: programs ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`${JSON.stringify(bins, null, 2)}\n`);
      return;
    }
    case 'down':
      await cluster.down();
      process.stderr.write(`cluster: removed (${cluster.paths.dir})\n`);
      return;
    default:
      throw new Error(`usage: cli.ts up|down|build (got ${cmd ?? 'nothing'})`);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
