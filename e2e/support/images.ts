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
 * so a warm rerun takes seconds; one build runs at a time per cache (a lock file).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { parse } from 'yaml';
import { cacheDir as skCacheDir, NODE_LTS_VERSION, nodeLts } from '../../scripts/node-lts.mjs';
import { root } from './artefacts.js';
import { contextDigest } from './context-digest.js';
import { Podman } from './podman.js';
import { privilegedSkipReason, run, sh } from './process.js';

/** The images buildImages makes (the names of ImageRefs' fields). */
export const IMAGE_NAMES = ['webhook', 'init', 'cni', 'proxy', 'pause', 'app'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];
/** Fully qualified references (containerd's normalised form), by image. */
export type ImageRefs = Readonly<Record<ImageName, string>>;

/** Where the chart's default `images.hub: sidecar-kit` resolves to in a container runtime. */
export const DEFAULT_HUB = 'docker.io/sidecar-kit';
/** The npm release Node.js NODE_LTS_VERSION ships (its CHANGELOG names it); the node base carries it. */
export const NPM_VERSION = '11.19.1';
/** Bump to rebuild every image (a change in how images are built that their inputs do not show). */
const RECIPE_VERSION = '1';
const BASE_HUB = 'localhost/sidecar-kit-base';
export const BASE_IMAGES = {
  debian: `${BASE_HUB}/debian:bookworm`,
  node: `${BASE_HUB}/node:${NODE_LTS_VERSION}-bookworm`,
  python: `${BASE_HUB}/python:3-bookworm`,
} as const;

const DEBIAN_MIRRORS = [
  'deb http://deb.debian.org/debian bookworm main',
  'deb http://deb.debian.org/debian bookworm-updates main',
  'deb http://deb.debian.org/debian-security bookworm-security main',
];
/** mmdebstrap's arguments before the output path: minbase, no docs/man/locales (like debian:*-slim). */
const MMDEBSTRAP_ARGS = [
  '--variant=minbase',
  '--mode=auto',
  '--format=tar',
  '--aptopt=Acquire::Languages "none"',
  ...['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*'].map((p) => `--dpkgopt=path-exclude=${p}`),
  '--dpkgopt=path-include=/usr/share/doc/*/copyright',
  'bookworm',
];

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

export function imagesCacheDir(dir?: string): string {
  return dir ?? join(skCacheDir(), 'images');
}

/** The podman (own storage) the images are built in and tests run them from. */
export function imagesPodman(opts: Pick<BuildImagesOptions, 'cacheDir' | 'log'> = {}): Podman {
  const podman = new Podman(join(imagesCacheDir(opts.cacheDir), 'podman'), opts.log);
  podman.prepare();
  return podman;
}

/** Why this machine cannot build the images, or undefined when it can. */
export function imagesSkipReason(): string | undefined {
  return privilegedSkipReason({
    why: 'podman builds with its own storage, mmdebstrap',
    tools: ['podman', 'mmdebstrap', 'runc'],
    install: 'podman mmdebstrap runc',
  });
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Writes JSON atomically (rename), creating the directory. */
function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** A file name for a ref. */
const refStem = (ref: string): string => ref.replace(/[^A-Za-z0-9._-]+/g, '_');
const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

interface DockerfileRecipe {
  readonly ref: string;
  readonly dockerfile: string;
  /** The context directory, or a function preparing one (then `inputs` must describe it). */
  readonly context: string | ((dir: string) => void);
  readonly ignorefile?: string;
  readonly target?: string;
  /** Build args; values that are keys of `parents` name a base image by its ref. */
  readonly args?: Readonly<Record<string, string>>;
  /** Refs of the base images (their ids go into the key). */
  readonly parents: readonly string[];
  /** What else the result depends on (versions of a prepared context). */
  readonly inputs?: unknown;
}

/** One build session: the podman storage, the lock, the build-time npm settings. */
class Builder {
  readonly podman: Podman;
  readonly ids = new Map<string, string>();

  constructor(
    readonly dir: string,
    readonly log: (line: string) => void,
  ) {
    this.podman = imagesPodman({ cacheDir: dir, log });
  }

  /** The base image made by mmdebstrap (imported as a single layer). */
  async debian(): Promise<string> {
    const ref = BASE_IMAGES.debian;
    const key = sha256(JSON.stringify({ v: RECIPE_VERSION, args: MMDEBSTRAP_ARGS, mirrors: DEBIAN_MIRRORS }));
    const have = await this.cached(ref, key);
    if (have !== undefined) return this.remember(ref, have);
    const tmp = join(this.dir, 'podman', 'tmp', `debian-${process.pid}.tar`);
    this.log(`[images] mmdebstrap bookworm (minbase) -> ${ref}`);
    const started = Date.now();
    try {
      const r = await run(['mmdebstrap', ...MMDEBSTRAP_ARGS, tmp, ...DEBIAN_MIRRORS], { timeoutMs: 1_800_000, onLine: this.log });
      if (r.code !== 0) throw new Error(`mmdebstrap failed (${r.code}): ${r.stderr.slice(-3000)}`);
      const id = await this.podman.importRootfs(tmp, ref, ['CMD ["bash"]']);
      this.record(ref, key, id);
      this.log(`[images] ${ref} made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return this.remember(ref, id);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Builds `r` unless an image with its key exists; returns the image id. */
  async dockerfile(r: DockerfileRecipe): Promise<string> {
    const parentIds = r.parents.map((p) => {
      const id = this.ids.get(p);
      if (id === undefined) throw new Error(`images: ${r.ref} needs ${p} built first`);
      return id;
    });
    const ignoreText = r.ignorefile ? readFileSync(r.ignorefile, 'utf8') : '';
    const key = sha256(
      JSON.stringify({
        v: RECIPE_VERSION,
        dockerfile: readFileSync(r.dockerfile, 'utf8'),
        ignoreText,
        target: r.target ?? '',
        args: r.args ?? {},
        parentIds,
        context: typeof r.context === 'string' ? contextDigest(r.context, ignoreText) : '',
        inputs: r.inputs ?? null,
      }),
    );
    const have = await this.cached(r.ref, key);
    if (have !== undefined) return this.remember(r.ref, have);
    let context = typeof r.context === 'string' ? r.context : '';
    if (typeof r.context === 'function') {
      context = join(this.dir, 'podman', 'tmp', `context-${process.pid}`);
      rmSync(context, { recursive: true, force: true });
      mkdirSync(context, { recursive: true });
      r.context(context);
    }
    this.log(`[images] building ${r.ref}`);
    const started = Date.now();
    try {
      const id = await this.podman.build({
        ref: r.ref,
        dockerfile: r.dockerfile,
        context,
        ...(r.ignorefile ? { ignorefile: r.ignorefile } : {}),
        ...(r.target ? { target: r.target } : {}),
        buildArgs: r.args ?? {},
        volumes: [`${this.npmBuildDir()}:/usr/local/etc`],
      });
      this.record(r.ref, key, id);
      this.log(`[images] ${r.ref} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return this.remember(r.ref, id);
    } finally {
      if (typeof r.context === 'function') rmSync(context, { recursive: true, force: true });
    }
  }

  /**
   * The id of `ref` when the storage holds an image built from `key`: the one last built as
   * `ref`, or one built from the same inputs under another ref (then tagged `ref` too).
   */
  private async cached(ref: string, key: string): Promise<string | undefined> {
    const rec = readJson<{ key?: string; id?: string }>(this.keyFile(ref));
    if (rec?.key === key) {
      const img = await this.podman.inspect(ref);
      if (img !== undefined && img.id === rec.id) return img.id;
    }
    const byKey = readJson<{ id?: string }>(join(this.dir, 'keys', 'by-key', `${key}.json`));
    if (byKey?.id === undefined || (await this.podman.inspect(byKey.id)) === undefined) return undefined;
    await this.podman.must(['tag', byKey.id, ref]);
    this.record(ref, key, byKey.id);
    return byKey.id;
  }

  private record(ref: string, key: string, id: string): void {
    writeJson(this.keyFile(ref), { ref, key, id });
    writeJson(join(this.dir, 'keys', 'by-key', `${key}.json`), { id });
  }

  private keyFile(ref: string): string {
    return join(this.dir, 'keys', `${refStem(ref)}.json`);
  }

  private remember(ref: string, id: string): string {
    this.ids.set(ref, id);
    return id;
  }

  private npmDir: string | undefined;

  /**
   * npm's settings for RUN steps, bind-mounted over /usr/local/etc (npm's global config dir
   * under the node base; an empty directory in Debian, so nothing is left in any layer): the
   * download cache under this cache dir, and the CA bundle this machine's npm trusts (its
   * `cafile`, or Node's roots plus NODE_EXTRA_CA_CERTS) when it has one — on machines whose
   * registry traffic passes a TLS-intercepting proxy the build would fail without it.
   */
  npmBuildDir(): string {
    if (this.npmDir) return this.npmDir;
    const dir = join(this.dir, 'npm-build');
    mkdirSync(join(dir, 'cache'), { recursive: true });
    const ca = hostNpmCa();
    const lines = ['cache=/usr/local/etc/cache', 'update-notifier=false', 'fund=false', 'audit=false'];
    if (ca !== undefined) {
      writeFileSync(join(dir, 'ca.crt'), ca);
      lines.push('cafile=/usr/local/etc/ca.crt');
    }
    writeFileSync(join(dir, 'npmrc'), `${lines.join('\n')}\n`);
    return (this.npmDir = dir);
  }
}

/** The CA bundle npm on this machine trusts beyond Node's defaults, if any (see npmBuildDir). */
function hostNpmCa(): string | undefined {
  const cafile = sh(['npm', 'config', 'get', 'cafile'], { timeoutMs: 20_000 }).stdout.trim();
  if (cafile && cafile !== 'null' && cafile !== 'undefined' && existsSync(cafile)) return readFileSync(cafile, 'utf8');
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra && existsSync(extra)) return `${rootCertificates.join('\n')}\n${readFileSync(extra, 'utf8')}`;
  return undefined;
}

/** A context without files (the Dockerfile copies nothing from it). */
function emptyContext(): void {}

/** The build context of the node base: the pinned Node binary and npm's package. */
function prepareNodeContext(dir: string): void {
  copyFileSync(nodeLts(), join(dir, 'node'));
  sh(['chmod', '755', join(dir, 'node')]);
  const pack = sh(['npm', 'pack', '--silent', `npm@${NPM_VERSION}`], { timeoutMs: 300_000, cwd: dir });
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (pack.code !== 0 || !tgz) throw new Error(`npm pack npm@${NPM_VERSION} failed: ${pack.stderr}`);
  const untar = sh(['tar', '-xzf', tgz], { timeoutMs: 120_000, cwd: dir });
  if (untar.code !== 0) throw new Error(`unpacking npm@${NPM_VERSION}: ${untar.stderr}`);
  renameSync(join(dir, 'package'), join(dir, 'npm'));
  rmSync(join(dir, tgz));
}

/** What each image needs built before it. */
function recipes(refs: ImageRefs): Record<ImageName | 'node' | 'python', DockerfileRecipe> {
  const productArgs = { NODE_IMAGE: BASE_IMAGES.node };
  const product = (name: 'webhook' | 'init' | 'cni'): DockerfileRecipe => ({
    ref: refs[name],
    dockerfile: join(root, 'images', `${name}.Dockerfile`),
    ignorefile: join(root, 'images', `${name}.Dockerfile.dockerignore`),
    context: root,
    args: productArgs,
    parents: [BASE_IMAGES.node],
  });
  const busybox = (target: 'app' | 'pause'): DockerfileRecipe => ({
    ref: refs[target],
    dockerfile: join(root, 'e2e', 'images', 'base', 'busybox.Dockerfile'),
    context: emptyContext,
    target,
    args: { DEBIAN_IMAGE: BASE_IMAGES.debian },
    parents: [BASE_IMAGES.debian],
  });
  return {
    node: {
      ref: BASE_IMAGES.node,
      dockerfile: join(root, 'e2e', 'images', 'base', 'node.Dockerfile'),
      context: prepareNodeContext,
      args: { DEBIAN_IMAGE: BASE_IMAGES.debian, NODE_VERSION: NODE_LTS_VERSION },
      parents: [BASE_IMAGES.debian],
      inputs: { node: NODE_LTS_VERSION, npm: NPM_VERSION, arch: process.arch },
    },
    python: {
      ref: BASE_IMAGES.python,
      dockerfile: join(root, 'e2e', 'images', 'base', 'python.Dockerfile'),
      context: emptyContext,
      args: { DEBIAN_IMAGE: BASE_IMAGES.debian },
      parents: [BASE_IMAGES.debian],
    },
    webhook: product('webhook'),
    init: product('init'),
    cni: product('cni'),
    proxy: {
      ref: refs.proxy,
      dockerfile: join(root, 'e2e', 'kind', 'proxy-standin', 'Dockerfile'),
      context: join(root, 'e2e', 'kind', 'proxy-standin'),
      args: { PYTHON_IMAGE: BASE_IMAGES.python },
      parents: [BASE_IMAGES.python],
    },
    app: busybox('app'),
    pause: busybox('pause'),
  };
}

/**
 * Builds the images (those of `only`, default all) with podman and returns the references of
 * all six; unchanged inputs build nothing. Bases come first: debian, then node and python.
 */
export async function buildImages(opts: BuildImagesOptions = {}): Promise<ImageRefs> {
  const refs = imageRefs(opts);
  const dir = imagesCacheDir(opts.cacheDir);
  mkdirSync(dir, { recursive: true });
  const log = opts.log ?? (() => undefined);
  const release = await lock(dir, { lockfilePath: join(dir, 'build.lock'), stale: 60_000, update: 15_000, retries: { retries: 900, minTimeout: 2000, maxTimeout: 2000 } });
  try {
    const b = new Builder(dir, log);
    const r = recipes(refs);
    const wanted = new Set<ImageName>(opts.only ?? IMAGE_NAMES);
    await b.debian();
    if (['webhook', 'init', 'cni'].some((n) => wanted.has(n as ImageName))) await b.dockerfile(r.node);
    if (wanted.has('proxy')) await b.dockerfile(r.python);
    for (const name of IMAGE_NAMES) if (wanted.has(name)) await b.dockerfile(r[name]);
  } finally {
    await release();
  }
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
 * Then the aliases are tagged. Throws naming what failed.
 */
export async function importImages(refs: ImageRefs | readonly string[], opts: ImportImagesOptions): Promise<void> {
  const list = [...new Set(Array.isArray(refs) ? (refs as readonly string[]) : Object.values(refs as ImageRefs))];
  const dir = imagesCacheDir(opts.cacheDir);
  const log = opts.log ?? (() => undefined);
  const podman = imagesPodman({ cacheDir: dir, log });
  const ctr = [opts.ctr ?? 'ctr', '-a', opts.containerdAddress, '-n', opts.namespace ?? 'k8s.io'];
  const digestsFile = join(dir, 'keys', 'containerd-digests.json');
  const digests = readJson<Record<string, string>>(digestsFile) ?? {};
  const ids = new Map<string, string>();
  for (const ref of list) {
    const img = await podman.inspect(ref);
    if (!img) throw new Error(`images: ${ref} is not in the build storage (${podman.dir}); run buildImages first`);
    ids.set(ref, img.id);
  }
  const need: string[] = [];
  for (const ref of list) {
    const want = digests[`${ref}@${ids.get(ref)}`];
    if (want === undefined || (await containerdDigest(ctr, ref)) !== want) need.push(ref);
  }
  if (need.length > 0) {
    const archive = await saveArchive(podman, join(dir, 'archives'), need.map((ref) => `${ref}@${ids.get(ref)}`));
    log(`[images] ctr import ${need.join(' ')}`);
    const r = await run([...ctr, 'images', 'import', archive], { timeoutMs: 900_000 });
    if (r.code !== 0) throw new Error(`images: ctr import of ${need.join(', ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
    for (const ref of need) {
      const d = await containerdDigest(ctr, ref);
      if (d === undefined) throw new Error(`images: containerd has no ${ref} after importing it`);
      digests[`${ref}@${ids.get(ref)}`] = d;
    }
    writeJson(digestsFile, digests);
  }
  for (const ref of list) {
    for (const alias of opts.aliases?.[ref] ?? []) {
      const t = await run([...ctr, 'images', 'tag', '--force', ref, alias], { timeoutMs: 60_000 });
      if (t.code !== 0) throw new Error(`images: ctr tag ${ref} ${alias} failed: ${t.stderr.trim()}`);
    }
  }
}

/** The manifest digest containerd holds for `ref`, if any. */
async function containerdDigest(ctr: readonly string[], ref: string): Promise<string | undefined> {
  const r = await run([...ctr, 'images', 'ls', `name==${ref}`], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`images: ctr images ls failed (${r.code}): ${r.stderr.trim()}`);
  const row = r.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((cols) => cols[0] === ref);
  return row?.[2];
}

/** One docker-archive of `refIds` (`ref@id`), reused while they are unchanged; keeps the 4 newest. */
async function saveArchive(podman: Podman, dir: string, refIds: readonly string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const archive = join(dir, `${sha256([...refIds].sort().join('\n')).slice(0, 24)}.tar`);
  if (existsSync(archive)) {
    utimesSync(archive, new Date(), new Date());
    return archive;
  }
  const tmp = `${archive}.${process.pid}.tmp`;
  await podman.save(refIds.map((r) => r.slice(0, r.lastIndexOf('@'))), tmp);
  renameSync(tmp, archive);
  const old = readdirSync(dir)
    .filter((f) => f.endsWith('.tar'))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .slice(4);
  for (const { f } of old) rmSync(join(dir, f), { force: true });
  return archive;
}
