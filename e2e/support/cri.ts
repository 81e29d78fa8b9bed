/**
 * A minimal CRI v1 client over containerd's socket: the calls a kubelet makes to run a pod
 * sandbox (which runs the CNI chain) and an init container in it.
 */
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROTO = join(dirname(fileURLToPath(import.meta.url)), 'cri.proto');

export interface PodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** Where containerd writes container logs (CRI log format). */
  readonly logDirectory?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly args?: readonly string[];
  readonly mounts?: readonly { containerPath: string; hostPath: string; readonly?: boolean }[];
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  /** Log file, relative to the sandbox's log directory. */
  readonly logPath?: string;
  /** Capabilities added after dropping ALL (istio-init: NET_ADMIN, NET_RAW). */
  readonly addCapabilities?: readonly string[];
  /** Default true. */
  readonly readonlyRootfs?: boolean;
}

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

export class CriClient {
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(socket: string) {
    const def = loader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: grpc.ServiceClientConstructor } } };
    this.client = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure()) as grpc.Client & Record<string, Unary>;
  }

  private call<T>(method: string, req: unknown, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = this.client[method] as Unary;
      fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  version(): Promise<{ runtimeName: string; runtimeApiVersion: string }> {
    return this.call('Version', { version: 'v1' });
  }

  /** Verbose status; containerd puts the loaded CNI configuration under info.cniconfig. */
  status(): Promise<{ info: Record<string, string> }> {
    return this.call('Status', { verbose: true });
  }

  static sandboxConfig(pod: PodSpec): Record<string, unknown> {
    return {
      metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, attempt: 0 },
      hostname: pod.name,
      logDirectory: pod.logDirectory ?? '',
      labels: pod.labels ?? {},
      annotations: pod.annotations ?? {},
      linux: {},
    };
  }

  async runPodSandbox(pod: PodSpec): Promise<string> {
    const r = await this.call<{ podSandboxId: string }>('RunPodSandbox', { config: CriClient.sandboxConfig(pod) });
    return r.podSandboxId;
  }

  stopPodSandbox(id: string): Promise<unknown> {
    return this.call('StopPodSandbox', { podSandboxId: id });
  }

  removePodSandbox(id: string): Promise<unknown> {
    return this.call('RemovePodSandbox', { podSandboxId: id });
  }

  async podIp(id: string): Promise<string> {
    const r = await this.call<{ status: { network: { ip: string } } }>('PodSandboxStatus', { podSandboxId: id });
    return r.status.network.ip;
  }

  /** The sandbox's network namespace path (containerd's verbose sandbox info). */
  async netnsPath(id: string): Promise<string> {
    const r = await this.call<{ info: Record<string, string> }>('PodSandboxStatus', { podSandboxId: id, verbose: true });
    const info = JSON.parse(r.info.info ?? '{}') as { runtimeSpec?: { linux?: { namespaces?: { type: string; path?: string }[] } } };
    const path = info.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network')?.path;
    if (!path) throw new Error(`no network namespace in the runtime spec of sandbox ${id}`);
    return path;
  }

  async createContainer(sandboxId: string, pod: PodSpec, c: ContainerSpec): Promise<string> {
    const ids = (v: number | undefined) => (v === undefined ? undefined : { value: v });
    const r = await this.call<{ containerId: string }>('CreateContainer', {
      podSandboxId: sandboxId,
      sandboxConfig: CriClient.sandboxConfig(pod),
      config: {
        metadata: { name: c.name, attempt: 0 },
        image: { image: c.image },
        command: c.command,
        args: c.args ?? [],
        logPath: c.logPath ?? '',
        mounts: (c.mounts ?? []).map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly ?? true })),
        linux: {
          securityContext: {
            capabilities: { addCapabilities: c.addCapabilities ?? [], dropCapabilities: ['ALL'] },
            runAsUser: ids(c.runAsUser),
            runAsGroup: ids(c.runAsGroup),
            readonlyRootfs: c.readonlyRootfs ?? true,
            noNewPrivs: true,
          },
        },
      },
    });
    return r.containerId;
  }

  startContainer(id: string): Promise<unknown> {
    return this.call('StartContainer', { containerId: id });
  }

  removeContainer(id: string): Promise<unknown> {
    return this.call('RemoveContainer', { containerId: id });
  }

  async containerStatus(id: string): Promise<{ state: string; exitCode: number; reason: string; message: string }> {
    const r = await this.call<{ status: { state: string; exitCode: number; reason: string; message: string } }>('ContainerStatus', { containerId: id });
    return r.status;
  }

  /** Waits until the container exited; returns its status. */
  async waitExited(id: string, timeoutMs: number): Promise<{ exitCode: number; reason: string; message: string }> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.containerStatus(id);
      if (s.state === 'CONTAINER_EXITED') return s;
      if (Date.now() > end) throw new Error(`container ${id} still ${s.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Every sandbox; `state` 0 is SANDBOX_READY. */
  async listPodSandboxes(): Promise<{ id: string; metadata: { name: string; namespace: string; uid: string }; state: number }[]> {
    return (await this.call<{ items: { id: string; metadata: { name: string; namespace: string; uid: string }; state: number }[] }>('ListPodSandbox', {})).items;
  }

  async listContainers(): Promise<{ id: string; podSandboxId: string }[]> {
    return (await this.call<{ containers: { id: string; podSandboxId: string }[] }>('ListContainers', {})).containers;
  }

  close(): void {
    this.client.close();
  }
}
