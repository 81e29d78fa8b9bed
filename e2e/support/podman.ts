/**
 * Daemonless podman with a storage of its own: every call names the same `--root`/`--runroot`
 * and a containers.conf under `dir`, so nothing here touches the machine's default podman
 * storage, CNI networks or other users' containers. Builds use the host network (no bridge, no
 * NAT rules); containers run with the ulimits this machine allows (no CAP_SYS_RESOURCE).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { run, type RunResult } from './process.js';

export interface BuildSpec {
  readonly ref: string;
  readonly dockerfile: string;
  readonly context: string;
  readonly ignorefile?: string;
  readonly target?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** `host:container[:opts]` bind mounts for RUN steps (not committed to the image). */
  readonly volumes?: readonly string[];
}

export class Podman {
  readonly conf: string;

  /** `log` receives the tools' output line by line (builds take minutes). */
  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.conf = join(dir, 'containers.conf');
  }

  /** Writes containers.conf (idempotent); call before the first command. */
  prepare(): void {
    for (const d of ['root', 'run', 'tmp', 'cni']) mkdirSync(join(this.dir, d), { recursive: true });
    const conf = [
      '[containers]',
      // No CAP_SYS_RESOURCE on the build machines: runc cannot raise limits above the host's.
      'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
      '[engine]',
      `tmp_dir = "${join(this.dir, 'tmp')}"`,
      'events_logger = "file"',
      `events_logfile_path = "${join(this.dir, 'events.log')}"`,
      'cgroup_manager = "cgroupfs"',
      '[network]',
      `network_config_dir = "${join(this.dir, 'cni')}"`,
      '',
    ].join('\n');
    writeFileSync(this.conf, conf);
  }

  /** The argv of a podman command on this storage. */
  argv(args: readonly string[]): string[] {
    return ['podman', '--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--storage-driver', 'overlay', ...args];
  }

  get env(): Record<string, string> {
    return { CONTAINERS_CONF: this.conf };
  }

  exec(args: readonly string[], timeoutMs = 120_000, stream = false): Promise<RunResult> {
    return run(this.argv(args), { env: this.env, timeoutMs, ...(stream ? { onLine: this.log } : {}) });
  }

  async must(args: readonly string[], timeoutMs = 120_000, stream = false): Promise<string> {
    const r = await this.exec(args, timeoutMs, stream);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-4000)}`);
    return r.stdout;
  }

  /** The image's id and labels, or undefined when the storage has no such image. */
  async inspect(ref: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
    const r = await this.exec(['image', 'inspect', ref]);
    if (r.code !== 0) return undefined;
    const [img] = JSON.parse(r.stdout) as { Id: string; Labels?: Record<string, string> | null }[];
    return img ? { id: img.Id, labels: img.Labels ?? {} } : undefined;
  }

  /** Builds an image (never pulls: bases must be in the storage) and returns its id. */
  async build(spec: BuildSpec, timeoutMs = 1_800_000): Promise<string> {
    const iid = join(this.dir, 'tmp', `iid-${process.pid}-${Date.now()}`);
    await this.must(
      [
        'build',
        '--pull=never',
        '--network=host',
        '--layers',
        '--iidfile', iid,
        '-f', spec.dockerfile,
        ...(spec.ignorefile ? ['--ignorefile', spec.ignorefile] : []),
        ...(spec.target ? ['--target', spec.target] : []),
        ...Object.entries(spec.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        ...Object.entries(spec.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ...(spec.volumes ?? []).flatMap((v) => ['--volume', v]),
        '-t', spec.ref,
        spec.context,
      ],
      timeoutMs,
      true,
    );
    const id = readFileSync(iid, 'utf8').trim().replace(/^sha256:/, '');
    rmSync(iid, { force: true });
    return id;
  }

  /** Imports a rootfs tarball as an image (`changes`: Dockerfile instructions such as CMD, LABEL). */
  async importRootfs(tar: string, ref: string, changes: readonly string[]): Promise<string> {
    const out = await this.must(['import', ...changes.flatMap((c) => ['--change', c]), tar, ref], 600_000);
    return out.trim().split('\n').at(-1)?.replace(/^sha256:/, '') ?? '';
  }

  /** Writes images into one docker-archive (what `ctr images import` reads; shared layers once). */
  async save(refs: readonly string[], out: string): Promise<void> {
    await this.must(['save', '-m', '--format', 'docker-archive', '-o', out, ...refs], 900_000);
  }

  /**
   * Starts `podman system service` (the Docker-compatible API) on a unix socket in `dir`;
   * resolves once the socket answers. The returned stop() ends it.
   */
  async startService(socket: string): Promise<{ readonly url: string; readonly stop: () => Promise<void> }> {
    const [bin, ...args] = this.argv(['system', 'service', '--time=0', `unix://${socket}`]);
    const child: ChildProcess = spawn(bin as string, args, {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const stop = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const end = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`podman system service exited ${child.exitCode}: ${stderr}`);
      if (existsSync(socket) && (await ping(socket))) break;
      if (Date.now() > end) {
        await stop();
        throw new Error(`podman system service did not answer on ${socket}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return { url: `unix://${socket}`, stop };
  }
}

/** True when the Docker-compatible API on `socket` answers `GET /_ping` with 200. */
function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
