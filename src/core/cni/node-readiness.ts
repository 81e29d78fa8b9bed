/**
 * Decisions about the node the installer runs on:
 *
 * - **Readiness taint.** Istio keeps meshed pods off a node until its CNI agent is ready with a
 *   taint the cluster puts on new nodes (`cni.istio.io/not-ready`, e.g. kubelet
 *   `--register-with-taints` or the node pool's taints) and istiod's node-untaint controller
 *   removes once the agent's pod is Ready. Here the installer removes it from its own node as
 *   soon as the plugin is in place: it knows that moment first-hand. `taintRemovalPatch` is
 *   Istio's atomic JSON patch (test the taints read, then replace them).
 * - **Keeping the plugin across a restart.** Istio's sidecar-mode agent takes the plugin out of
 *   the node's configuration on every SIGTERM, so pods created until its replacement runs start
 *   without capture (its repair controller then deals with them). Istio's ambient agent leaves
 *   the plugin in place while its DaemonSet still exists and still targets the node (an upgrade
 *   or a restart, not an uninstall). `shutdownPlan` makes that decision, with the same inputs.
 */

export const READINESS_TAINT_KEY = 'cni.istio.io/not-ready';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
  readonly timeAdded?: unknown;
}

export type JsonPatchOp = { op: 'test' | 'replace'; path: string; value: unknown };

/**
 * The JSON patch that removes every taint with `key` from a node whose taints are `taints`
 * (as read), or undefined when there is none. The `test` makes the patch fail (and be retried
 * from a fresh read) if the taints changed meanwhile, so no other taint is lost.
 */
export function taintRemovalPatch(taints: readonly Taint[] | null | undefined, key: string): JsonPatchOp[] | undefined {
  const current = taints ?? [];
  const kept = current.filter((t) => t.key !== key);
  if (kept.length === current.length) return undefined;
  return [
    { op: 'test', path: '/spec/taints', value: current },
    { op: 'replace', path: '/spec/taints', value: kept },
  ];
}

interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[] | null;
}
interface SelectorTerm {
  readonly matchExpressions?: readonly Requirement[] | null;
  readonly matchFields?: readonly Requirement[] | null;
}
export interface DaemonSetView {
  readonly metadata?: { readonly deletionTimestamp?: unknown } | null;
  readonly spec?: {
    readonly template?: {
      readonly spec?: {
        readonly nodeSelector?: Readonly<Record<string, string>> | null;
        readonly affinity?: { readonly nodeAffinity?: { readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms?: readonly SelectorTerm[] | null } | null } | null } | null;
      } | null;
    } | null;
  } | null;
}
export interface NodeView {
  readonly metadata?: { readonly name?: string; readonly labels?: Readonly<Record<string, string>> | null } | null;
}

/** Kubernetes' node selector requirement semantics (`k8s.io/component-helpers/.../nodeaffinity`). */
function requirementHolds(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0] ?? '')) return false;
      const [have, want] = [BigInt(value), BigInt(values[0] as string)];
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

function termHolds(t: SelectorTerm, node: NodeView): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  // An empty term matches nothing (Kubernetes).
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  return (
    exprs.every((r) => requirementHolds(r, labels[r.key])) &&
    fields.every((r) => r.key === 'metadata.name' && requirementHolds(r, node.metadata?.name))
  );
}

/** Whether the DaemonSet would (still) run a pod on `node`: its node selector and required node affinity. */
export function daemonSetTargetsNode(ds: DaemonSetView, node: NodeView): boolean {
  const spec = ds.spec?.template?.spec ?? {};
  const labels = node.metadata?.labels ?? {};
  if (!Object.entries(spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms == null || terms.some((t) => termHolds(t, node));
}

/** What a GET of the installer's own DaemonSet answered at shutdown. */
export type DaemonSetLookup =
  | { readonly kind: 'found'; readonly daemonSet: DaemonSetView; readonly node: NodeView | undefined }
  | { readonly kind: 'not-found' }
  /** 401/403: the installer's access is gone, which is what an uninstall does. */
  | { readonly kind: 'no-access'; readonly status: number }
  | { readonly kind: 'error'; readonly message: string };

export type ShutdownPlan = { readonly keep: boolean; readonly reason: string };

/** Keep the plugin in place across this shutdown, or remove it (Istio's ambient `ShouldStopCleanup`). */
export function shutdownPlan(keepOnRestart: boolean, lookup: DaemonSetLookup | undefined): ShutdownPlan {
  if (!keepOnRestart) return { keep: false, reason: 'keeping the plugin across restarts is off' };
  if (lookup === undefined) return { keep: false, reason: 'the DaemonSet is not known (no name, or no API access)' };
  switch (lookup.kind) {
    case 'not-found':
      return { keep: false, reason: 'the DaemonSet is gone: an uninstall' };
    case 'no-access':
      return { keep: false, reason: `the API refused the DaemonSet lookup (${lookup.status}): an uninstall` };
    case 'error':
      return { keep: false, reason: `the DaemonSet could not be read: ${lookup.message}` };
    case 'found':
      if (lookup.daemonSet.metadata?.deletionTimestamp != null) return { keep: false, reason: 'the DaemonSet is being deleted: an uninstall' };
      if (lookup.node === undefined) return { keep: false, reason: 'this node could not be read' };
      if (!daemonSetTargetsNode(lookup.daemonSet, lookup.node)) return { keep: false, reason: 'the DaemonSet no longer targets this node' };
      return { keep: true, reason: 'the DaemonSet still targets this node: a restart or an upgrade' };
  }
}
