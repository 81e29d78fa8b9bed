/**
 * sidecar-kit's container images built without a Docker engine or a registry, and handed to
 * containerd. podman (daemonless, from Debian) builds `images/*.Dockerfile` unchanged but for
 * their base-image build argument; the bases are made here:
 *
 *   debian   mmdebstrap's minbase bookworm rootfs (Debian's packages are reachable)
 *   node     debian + the pinned Node.js 24 LTS (scripts/node-lts.mjs) + its npm release
 *   python   debian + Debian's python3 (the proxy stand-in's base)
 *
 * and the images the product and the e2e clusters run:
 *
 *   webhook, init, cni   images/<name>.Dockerfile (NODE_IMAGE = node)
 *   proxy                e2e/kind/proxy-standin (PYTHON_IMAGE = python)
 *   app, pause           e2e/images/base/busybox.Dockerfile (Debian's busybox-static)
 *
 * Every image is recorded with the content hash of what it was built from (Dockerfile, the files of
 * its context the .dockerignore lets through, build args, its base image's id) in keys/:
 * a rerun whose inputs are unchanged builds nothing. podman's storage, the docker-archives for
 * containerd and npm's download cache live under ~/.cache/sidecar-kit/images/ (SK_CACHE_DIR),
 * so a warm rerun takes seconds; one build or import runs at a time per cache (a lock file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './artefacts.js';
import { Builder, recipes } from './image-build.js';
import { imagesCacheDir, withImagesLock } from './image-cache.js';
import { importUnlocked } from './image-import.js';
import { privilegedSkipReason } from './process.js';

export { BASE_IMAGES, NPM_VERSION } from './image-build.js';
export { imagesCacheDir, imagesPodman } from './image-cache.js';

/** The images buildImages makes (the names of ImageRefs' fields). */
export const IMAGE_NAMES = ['webhook', 'init', 'cni', 'proxy', 'pause', 'app'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];
/** Fully qualified references (containerd's normalised form), by image. */
export type ImageRefs = Readonly<Record<ImageName, string>>;

/** Where the chart's default `images.hub: sidecar-kit` resolves to in a container runtime. */
export const DEFAULT_HUB = 'docker.io/sidecar-kit';
export interface BuildImagesOptions {
  /** Registry/path of the images (default DEFAULT_HUB, the chart's default `images.hub`). */
  readonly hub?: string;
  /** Tag of every image (default: the chart's appVersion, the chart's default `images.tag`). */
  readonly tag?: string;
  /** Build only these (and the bases they need); the refs of all are returned either way. */
  readonly only?: readonly ImageName[];
  /** Default: $SK_CACHE_DIR/images, i.e. ~/.cache/sidecar-kit/images. */
  readonly cacheDir?: string;
  /** Progress and the builders' output, line by line. */
  readonly log?: (line: string) => void;
}

/** The chart's appVersion: the tag its default values render. */
export function chartAppVersion(): string {
  const chart = parse(readFileSync(join(root, 'charts', 'sidecar-kit', 'Chart.yaml'), 'utf8')) as { appVersion?: unknown };
  return String(chart.appVersion);
}

/** The references buildImages gives the images (nothing is built). */
export function imageRefs(opts: Pick<BuildImagesOptions, 'hub' | 'tag'> = {}): ImageRefs {
  const hub = (opts.hub ?? DEFAULT_HUB).replace(/\/+$/, '');
  const tag = opts.tag ?? chartAppVersion();
  const name: Record<ImageName, string> = { webhook: 'webhook', init: 'init', cni: 'cni', proxy: 'proxy-standin', pause: 'pause', app: 'app' };
  return Object.fromEntries(IMAGE_NAMES.map((n) => [n, `${hub}/${name[n]}:${tag}`])) as Record<ImageName, string>;
}

/** Why this machine cannot build the images, or undefined when it can. */
export function imagesSkipReason(): string | undefined {
  return privilegedSkipReason({
    why: 'podman builds with its own storage, mmdebstrap',
    tools: ['podman', 'mmdebstrap', 'runc'],
    install: 'podman mmdebstrap runc',
  });
}

/**
 * Builds the images (those of `only`, default all) with podman and returns the references of
 * all six; unchanged inputs build nothing. Bases come first: debian, then node and python.
 * With `importInto`, the built images also go into that containerd under the same lock (so
 * no other checkout's build can move a ref in between).
 */
export async function buildImages(opts: BuildImagesOptions & { readonly importInto?: Omit<ImportImagesOptions, 'cacheDir'> } = {}): Promise<ImageRefs> {
  const refs = imageRefs(opts);
  const dir = imagesCacheDir(opts.cacheDir);
  const log = opts.log ?? (() => undefined);
  const wanted = new Set<ImageName>(opts.only ?? IMAGE_NAMES);
  await withImagesLock(dir, async () => {
    const b = new Builder(dir, log);
    const r = recipes(refs);
    await b.debian();
    if (['webhook', 'init', 'cni'].some((n) => wanted.has(n as ImageName))) await b.dockerfile(r.node);
    if (wanted.has('proxy')) await b.dockerfile(r.python);
    for (const name of IMAGE_NAMES) if (wanted.has(name)) await b.dockerfile(r[name]);
    if (b.built > 0) await b.pruneOld();
    if (opts.importInto) await importUnlocked([...wanted].map((n) => refs[n]), dir, { log, ...opts.importInto });
  });
  return refs;
}

export interface ImportImagesOptions {
  /** containerd's socket (`ctr -a`). */
  readonly containerdAddress: string;
  /** containerd namespace (default `k8s.io`, the CRI's). */
  readonly namespace?: string;
  /** The ctr binary (default `ctr` on PATH). */
  readonly ctr?: string;
  /** Further names per ref (e.g. the sandbox image's `registry.k8s.io/pause:…`), tagged in containerd. */
  readonly aliases?: Readonly<Record<string, readonly string[]>>;
  readonly cacheDir?: string;
  readonly log?: (line: string) => void;
}

/**
 * Hands images from the build storage to containerd: the refs containerd lacks (or holds with
 * other content) are written by one `podman save -m` (docker-archive, shared layers once,
 * cached under the cache dir by refs and image ids) and read by one `ctr images import`
 * (unpacked for containerd's default snapshotter); refs it already holds as built are skipped.
 * Then the aliases are tagged. Holds the cache's lock (no build moves a ref meanwhile).
 * Throws naming what failed.
 */
export async function importImages(refs: ImageRefs | readonly string[], opts: ImportImagesOptions): Promise<void> {
  const list = [...new Set(Array.isArray(refs) ? (refs as readonly string[]) : Object.values(refs as ImageRefs))];
  const dir = imagesCacheDir(opts.cacheDir);
  await withImagesLock(dir, () => importUnlocked(list, dir, opts));
}
