/**
 * `npm run images:build [-- options]`: builds sidecar-kit's images without a Docker engine
 * (e2e/support/images.ts: podman + a Debian rootfs made here + Node 24 LTS) and prints their
 * references as `<name>=<ref>` lines; with --containerd, also imports them into containerd.
 * Progress goes to stderr.
 */
import { Command } from 'commander';
import { buildImages, IMAGE_NAMES, imagesSkipReason, importImages, type ImageName } from '../e2e/support/images.js';

const program = new Command('images:build')
  .description('build the webhook, init, cni, proxy stand-in, pause and app images with podman')
  .option('--hub <hub>', 'registry/path of the images (default docker.io/sidecar-kit, the chart default)')
  .option('--tag <tag>', "tag of the images (default: the chart's appVersion)")
  .option('--only <names>', `comma-separated subset of ${IMAGE_NAMES.join(',')}`)
  .option('--containerd <socket>', "import the images into this containerd (ctr's --address)")
  .option('--namespace <ns>', 'containerd namespace', 'k8s.io')
  .option('--ctr <path>', 'ctr binary', 'ctr')
  .option('-q, --quiet', 'no build output on stderr')
  .parse();

const o = program.opts<{ hub?: string; tag?: string; only?: string; containerd?: string; namespace: string; ctr: string; quiet?: boolean }>();
const only = o.only?.split(',').map((s) => s.trim()) as ImageName[] | undefined;
const bad = only?.filter((n) => !(IMAGE_NAMES as readonly string[]).includes(n));
if (bad && bad.length > 0) program.error(`--only: unknown image ${bad.join(', ')} (known: ${IMAGE_NAMES.join(', ')})`);
const reason = imagesSkipReason();
if (reason !== undefined) program.error(`cannot build images here: ${reason}`);

const log = o.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
const started = Date.now();
const refs = await buildImages({ ...(o.hub ? { hub: o.hub } : {}), ...(o.tag ? { tag: o.tag } : {}), ...(only ? { only } : {}), ...(log ? { log } : {}) });
process.stderr.write(`[images] built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
const chosen = only ?? IMAGE_NAMES;
if (o.containerd) {
  const t = Date.now();
  await importImages(chosen.map((n) => refs[n]), { containerdAddress: o.containerd, namespace: o.namespace, ctr: o.ctr, ...(log ? { log } : {}) });
  process.stderr.write(`[images] imported into ${o.containerd} (${o.namespace}) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}
for (const n of chosen) process.stdout.write(`${n}=${refs[n]}\n`);
