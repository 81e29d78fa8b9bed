/**
 * The images the e2e/istio suite runs besides the product's (e2e/support/images.ts), built with
 * the same podman builder and cache, under the names Istio's charts and samples use (nothing
 * here can be pulled):
 *
 *   <hub>/pilot:<tag>     istiod: Istio's pilot-discovery from the pinned module
 *   <hub>/proxyv2:<tag>   Istio's pilot-agent from the pinned module + Envoy's bootstrap template
 *                         from the module + the Envoy stand-in (oracle/cmd/envoy-standin)
 *   each image of Istio's samples the suite deploys (bookinfo, httpbin, helloworld, tcp-echo,
 *   curl): a busybox stand-in listening on the sample's ports (e2e/istio/images/sample.Dockerfile)
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_IMAGES, Builder, recipes } from '../support/image-build.js';
import { imagesCacheDir, sha256, withImagesLock } from '../support/image-cache.js';
import { importUnlocked } from '../support/image-import.js';
import { imageRefs } from '../support/images.js';
import type { IstioBinaries } from './binaries.js';

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'images');

/** Ports each sample image listens on (from the samples' containerPort; curl only sleeps). */
export const SAMPLE_PORTS: Readonly<Record<string, string>> = {
  'examples-bookinfo-details-v1': '9080',
  'examples-bookinfo-ratings-v1': '9080',
  'examples-bookinfo-reviews-v1': '9080',
  'examples-bookinfo-reviews-v2': '9080',
  'examples-bookinfo-reviews-v3': '9080',
  'examples-bookinfo-productpage-v1': '9080',
  'go-httpbin': '8080',
  curl: '',
  'examples-helloworld-v1': '5000',
  'examples-helloworld-v2': '5000',
  'tcp-echo-server': '9000',
};

export interface IstioImageRefs {
  readonly pilot: string;
  readonly proxyv2: string;
  /** The sample images built (their refs, as the samples name them). */
  readonly samples: readonly string[];
}

/** `registry/path/name:tag` -> name. */
export function imageName(ref: string): string {
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.includes(':') ? last.slice(0, last.indexOf(':')) : last;
}

/**
 * Builds istiod's and the proxy's images as `<hub>/pilot:<tag>` and `<hub>/proxyv2:<tag>`, and a
 * stand-in for every sample image of `sampleRefs` (names must be in SAMPLE_PORTS), then imports
 * them into the containerd of `importInto`. Unchanged inputs build nothing.
 */
export async function buildIstioImages(opts: {
  readonly bins: IstioBinaries;
  readonly moduleDir: string;
  readonly hub: string;
  readonly tag: string;
  readonly sampleRefs: readonly string[];
  readonly importInto?: { readonly containerdAddress: string; readonly ctr: string };
  readonly log?: (line: string) => void;
}): Promise<IstioImageRefs> {
  const log = opts.log ?? (() => undefined);
  const dir = imagesCacheDir();
  const refs: IstioImageRefs = { pilot: `${opts.hub}/pilot:${opts.tag}`, proxyv2: `${opts.hub}/proxyv2:${opts.tag}`, samples: [...new Set(opts.sampleRefs)] };
  const bootstrap = join(opts.moduleDir, 'tools', 'packaging', 'common', 'envoy_bootstrap.json');
  await withImagesLock(dir, async () => {
    const b = new Builder(dir, log);
    await b.debian();
    // the busybox app image (the product's recipe) is the samples' base
    const app = recipes(imageRefs()).app;
    await b.dockerfile(app);
    await b.dockerfile({
      ref: refs.pilot,
      dockerfile: join(HERE, 'pilot.Dockerfile'),
      context: (ctx) => copyFileSync(opts.bins.pilotDiscovery, join(ctx, 'pilot-discovery')),
      args: { DEBIAN_IMAGE: BASE_IMAGES.debian },
      parents: [BASE_IMAGES.debian],
      inputs: { pilotDiscovery: opts.bins.pilotDiscovery },
    });
    await b.dockerfile({
      ref: refs.proxyv2,
      dockerfile: join(HERE, 'proxyv2.Dockerfile'),
      context: (ctx) => {
        copyFileSync(opts.bins.pilotAgent, join(ctx, 'pilot-agent'));
        copyFileSync(opts.bins.envoyStandin, join(ctx, 'envoy'));
        copyFileSync(bootstrap, join(ctx, 'envoy_bootstrap.json'));
      },
      args: { DEBIAN_IMAGE: BASE_IMAGES.debian },
      parents: [BASE_IMAGES.debian],
      inputs: { pilotAgent: opts.bins.pilotAgent, envoy: opts.bins.envoyStandin, bootstrap: sha256(readFileSync(bootstrap)) },
    });
    const script = join(HERE, 'sample-app');
    for (const ref of refs.samples) {
      const ports = SAMPLE_PORTS[imageName(ref)];
      if (ports === undefined) throw new Error(`no stand-in is known for the sample image ${ref} (e2e/istio/images.ts SAMPLE_PORTS)`);
      await b.dockerfile({
        ref,
        dockerfile: join(HERE, 'sample.Dockerfile'),
        context: (ctx) => copyFileSync(script, join(ctx, 'sample-app')),
        args: { APP_IMAGE: app.ref, SAMPLE_PORTS: ports },
        parents: [app.ref],
        inputs: { script: sha256(readFileSync(script)) },
      });
    }
    if (b.built > 0) await b.pruneOld();
    if (opts.importInto) await importUnlocked([refs.pilot, refs.proxyv2, ...refs.samples], dir, { log, ...opts.importInto });
  });
  return refs;
}
