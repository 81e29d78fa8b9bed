/**
 * `npm run images:build [-- options]`: builds sidecar-kit's images without a Docker engine
 * (e2e/support/images.ts: podman + a Debian rootfs made here + Node 24 LTS) and prints their
 * references as `<name>=<ref>` lines; with --containerd, also imports them into containerd.
 * Progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { buildImages, IMAGE_NAMES, imagesSkipReason, type ImageName } from '../e2e/support/images.js';

const USAGE = `usage: npm run images:build -- [options]
  --hub <hub>            registry/path of the images (default docker.io/sidecar-kit, the chart's default)
  --tag <tag>            tag of the images (default: the chart's appVersion)
  --only <names>         comma-separated subset of ${IMAGE_NAMES.join(',')}
  --containerd <socket>  also import the images into this containerd (ctr's --address)
  --namespace <ns>       containerd namespace (default k8s.io)
  --ctr <path>           ctr binary (default ctr)
  -q, --quiet            no build output on stderr
`;

function fail(message: string): never {
  process.stderr.write(`images:build: ${message}\n${USAGE}`);
  process.exit(2);
}

let values: ReturnType<typeof parse>['values'];
function parse() {
  return parseArgs({
    options: {
      hub: { type: 'string' },
      tag: { type: 'string' },
      only: { type: 'string' },
      containerd: { type: 'string' },
      namespace: { type: 'string', default: 'k8s.io' },
      ctr: { type: 'string', default: 'ctr' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
try {
  values = parse().values;
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const only = values.only?.split(',').map((s) => s.trim()) as ImageName[] | undefined;
const bad = only?.filter((n) => !(IMAGE_NAMES as readonly string[]).includes(n));
if (bad && bad.length > 0) fail(`--only: unknown image ${bad.join(', ')} (known: ${IMAGE_NAMES.join(', ')})`);
const reason = imagesSkipReason();
if (reason !== undefined) fail(`cannot build images here: ${reason}`);

const log = values.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
const started = Date.now();
const refs = await buildImages({
  ...(values.hub ? { hub: values.hub } : {}),
  ...(values.tag ? { tag: values.tag } : {}),
  ...(only ? { only } : {}),
  ...(log ? { log } : {}),
  ...(values.containerd ? { importInto: { containerdAddress: values.containerd, namespace: values.namespace, ctr: values.ctr } } : {}),
});
const where = values.containerd ? `built and imported into ${values.containerd} (${values.namespace})` : 'built';
process.stderr.write(`[images] ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
for (const n of only ?? IMAGE_NAMES) process.stdout.write(`${n}=${refs[n]}\n`);
