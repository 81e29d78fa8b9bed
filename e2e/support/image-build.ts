/**
 * How each image is made (the recipes) and the builder that makes only what changed: every
 * image is recorded (keys/) with the sha256 of what it was built from — Dockerfile, the files
 * of its context the .dockerignore lets through, build args, target, its base image's id —
 * and an image of the same key is reused, re-tagged if it was built under another ref.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import { NODE_LTS_VERSION, nodeLts } from '../../scripts/node-lts.mjs';
import { root } from './artefacts.js';
import { contextDigest } from './context-digest.js';
import { imagesPodman, readJson, refStem, sha256, writeJson } from './image-cache.js';
import type { ImageName, ImageRefs } from './images.js';
import type { Podman } from './podman.js';
import { run, sh } from './process.js';

/** The npm release Node.js NODE_LTS_VERSION ships (its CHANGELOG names it); the node base carries it. */
export const NPM_VERSION = '11.19.1';
/** Bump to rebuild every image (a change in how images are built that their inputs do not show). */
const RECIPE_VERSION = '1';
const BASE_HUB = 'localhost/sidecar-kit-base';
/** Untagged images (earlier builds, build-stage layers) older than this are removed after a build. */
const PRUNE_AFTER = '48h';
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
/**
 * mmdebstrap's arguments before the output path: minbase, no docs/man/locales, apt keeping no
 * package caches (what debian:*-slim's dpkg/apt config does; the options stay in the rootfs,
 * so `apt-get install` in a Dockerfile leaves ~75 MB less); /usr merged by mmdebstrap's own
 * hook, as Debian's images have it (otherwise init-system-helpers pulls usrmerge and ~50 MB of
 * perl).
 */
const MMDEBSTRAP_ARGS = [
  '--variant=minbase',
  '--mode=auto',
  '--format=tar',
  '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
  '--aptopt=Acquire::Languages "none"',
  '--aptopt=Dir::Cache::pkgcache ""',
  '--aptopt=Dir::Cache::srcpkgcache ""',
  ...['DPkg::Post-Invoke', 'APT::Update::Post-Invoke'].map((hook) => `--aptopt=${hook} { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; }`),
  ...['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*'].map((p) => `--dpkgopt=path-exclude=${p}`),
  '--dpkgopt=path-include=/usr/share/doc/*/copyright',
  'bookworm',
];

export interface DockerfileRecipe {
  readonly ref: string;
  readonly dockerfile: string;
  /** The context directory, or a function preparing one (then `inputs` must describe it). */
  readonly context: string | ((dir: string) => void);
  readonly ignorefile?: string;
  readonly target?: string;
  /** Build args (a base image is passed by its ref; its id enters the key through `parents`). */
  readonly args?: Readonly<Record<string, string>>;
  /** Refs of the base images (their ids go into the key). */
  readonly parents: readonly string[];
  /** What else the result depends on (versions of a prepared context). */
  readonly inputs?: unknown;
}

/** One build session (the caller holds the cache's lock): the podman storage, the ids of the images built or found so far, the build-time npm settings. */
export class Builder {
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
      this.built++;
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
      this.built++;
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

  /** How many images this session built (not found in the cache). */
  built = 0;

  /**
   * Removes untagged images older than PRUNE_AFTER: previous builds and their build stages
   * (a source change leaves ~300 MB). Younger ones stay, so the layer cache of the build stage
   * (npm ci: ~85 s) survives a rebuild; an unchanged lockfile costs one npm ci every two days of use.
   */
  async pruneOld(): Promise<void> {
    const r = await this.podman.exec(['image', 'prune', '-f', '--filter', `until=${PRUNE_AFTER}`], 300_000);
    if (r.code !== 0) this.log(`[images] prune failed (ignored): ${r.stderr.trim()}`);
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

/** What each image is built from (the bases first need building too). */
export function recipes(refs: ImageRefs): Record<ImageName | 'node' | 'python', DockerfileRecipe> {
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

