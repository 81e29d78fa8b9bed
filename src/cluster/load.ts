/**
 * Loads the cluster client only when a command needs a cluster. In the built CLI the client is a
 * bundle of its own (dist/lib/cluster-client.js, scripts/build.mjs) behind a computed specifier,
 * so the bundler cannot inline it: an offline `kube-inject` parses none of it (measured in
 * docs/inject.md). From source (tsx, vitest) the module is imported directly.
 */
import type { ClusterClient, ClusterOptions } from './types.js';

const bundled = process.env.SK_BUNDLED_BUILD === '1';

interface ClientModule {
  connectCluster(opts: ClusterOptions): Promise<ClusterClient>;
}

export async function connectCluster(opts: ClusterOptions): Promise<ClusterClient> {
  let mod: ClientModule;
  if (bundled) {
    // Relative to dist/commands/<command>.js.
    const specifier = `../lib/${'cluster-client'}.js`;
    mod = (await import(specifier)) as ClientModule;
  } else {
    mod = await import('./client.js');
  }
  return mod.connectCluster(opts);
}
