/**
 * What the user-journey scenario (journey.ts) needs from a cluster, whichever runs it: a kind
 * cluster (e2e/kind, needs Docker) or the local single-node cluster built from Kubernetes' Go
 * modules (e2e/cluster). The scenario itself only talks to the cluster through kubectl and helm
 * (Kube) and asks the provider for the few things that live on the node.
 */
import { must as mustRun, run as runAsync, sh, type RunOptions, type RunResult } from '../support/process.js';

/** Image references the chart and the sample workloads are given. */
export interface ScenarioImages {
  /** `images.hub` / `images.tag` of the chart: `<hub>/webhook|init|cni:<tag>` must exist on the nodes. */
  readonly hub: string;
  readonly tag: string;
  /** The proxy stand-in as `<proxyHub>/<proxyName>:<proxyTag>` (`global.hub`, `global.proxy.image`, `global.tag`). */
  readonly proxyHub: string;
  readonly proxyName: string;
  readonly proxyTag: string;
  /** A busybox image with sh, httpd, wget and sleep, for the sample workloads. */
  readonly app: string;
}

export interface ClusterProvider {
  /** Short name in test titles: `kind`, `local`. */
  readonly name: string;
  /** Why this machine cannot run the scenario on this provider, or undefined. */
  readonly skipReason: string | undefined;
  /** Creates (or reuses) the cluster and puts the images on its nodes. */
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  readonly kubeconfig: string;
  readonly tools: { readonly kubectl: string; readonly helm: string };
  readonly images: ScenarioImages;
  /** Chart values this cluster needs besides the images (e.g. its CNI directories). */
  readonly chartValues: readonly string[];
  /** iptables rules (iptables-save of both variants) in a pod's network namespace, read on its node. */
  podRules(namespace: string, pod: string): Promise<string>;
  /** Every node's CNI configuration files, concatenated per node. */
  nodeConflists(): string[];
  /**
   * An address of this machine the API server can reach (for a second webhook served by the
   * test itself), or undefined where there is none.
   */
  readonly hostAddressFromApiServer: string | undefined;
}

/** kubectl and helm against one cluster, throwing with the tool's message. */
export class Kube {
  constructor(
    private readonly kubeconfigPath: () => string,
    private readonly tools: { readonly kubectl: string; readonly helm: string },
  ) {}

  run(argv: readonly string[], opts: RunOptions = {}): RunResult {
    return sh(argv, { timeoutMs: 300_000, ...opts });
  }

  kubectl(args: readonly string[], input?: string): string {
    return mustRun([this.tools.kubectl, '--kubeconfig', this.kubeconfigPath(), ...args], { input, timeoutMs: 300_000 });
  }

  tryKubectl(args: readonly string[], input?: string, timeoutMs = 300_000): RunResult {
    return this.run([this.tools.kubectl, '--kubeconfig', this.kubeconfigPath(), ...args], { timeoutMs, ...(input === undefined ? {} : { input }) });
  }

  /** tryKubectl without blocking the event loop: a webhook this process serves must answer meanwhile. */
  tryKubectlAsync(args: readonly string[], input?: string): Promise<RunResult> {
    return runAsync([this.tools.kubectl, '--kubeconfig', this.kubeconfigPath(), ...args], { timeoutMs: 300_000, ...(input === undefined ? {} : { input }) });
  }

  /** Applies objects (as JSON, one List). */
  apply(objects: readonly unknown[]): void {
    this.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  }

  getJson<T>(args: readonly string[]): T {
    return JSON.parse(this.kubectl(['get', ...args, '-o', 'json'])) as T;
  }

  helm(args: readonly string[]): string {
    return mustRun([this.tools.helm, '--kubeconfig', this.kubeconfigPath(), ...args], { timeoutMs: 600_000 });
  }

  async until(what: string, cond: () => boolean, ms = 180_000, everyMs = 2000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
