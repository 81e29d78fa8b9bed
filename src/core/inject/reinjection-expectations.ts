/**
 * Test support: what re-injecting an injected pod changes when Istio itself is not idempotent.
 *
 * Re-injection is a fixed point for most pods. Three shapes are not, in Istio as here, because
 * of rules of the spec that the core follows exactly:
 *
 * - **Appended proxy env** (§c.10 step 3 list order, §c.4 #27, §c.8, §e): variables that
 *   post-processing appends (`ISTIO_PROMETHEUS_ANNOTATIONS`, `ISTIO_KUBE_APP_PROBERS`, and a
 *   cluster/network variable that the template does not render, e.g. from the webhook URL or the
 *   `topology.istio.io/network` label) are not in the template, so the strategic merge keeps them
 *   where the pod had them: before the first template variable that followed them there. Then
 *   updateClusterEnvs moves the cluster/network variables to the end again. After the first
 *   injection they sit in a different place than after the second, so the order shifts once or
 *   twice; names and values never change (the probers are not lost).
 * - **User-declared injected containers** (§c.10 step 4, §b.2): a user's `istio-proxy` /
 *   `istio-init` fields are applied over the template's only when the pod was not injected yet
 *   (the status annotation lists the name afterwards). On re-injection the template's values win
 *   again for the fields both set; fields only the user set stay. With native sidecars the saved
 *   `istio-proxy` is put back under `initContainers`, so its ports leave ISTIO_META_POD_PORTS.
 * - **A user `runAsUser` on `istio-proxy`**: the iptables `-u` follows the pod's `istio-proxy`;
 *   on the second injection that is still the previous result (with the user's UID) while the
 *   proxy itself reverts to the template's UID, so `-u` follows one injection later.
 */
import type { Container, EnvVar, Pod } from '../k8s/pod.js';

export type PodEdit = (pod: Pod) => Pod;

/** A pod edit applied to the named container (in containers or initContainers). */
export function editContainer(name: string, edit: (c: Container) => Container): PodEdit {
  return (pod) => {
    const copy = structuredClone(pod);
    const spec = copy.spec ?? {};
    for (const field of ['containers', 'initContainers'] as const) {
      const list = spec[field];
      if (list) spec[field] = list.map((c) => (c.name === name ? edit(c) : c));
    }
    return copy;
  };
}

/** Moves the proxy env variable `name` before/after another one, or to the end. */
export function moveProxyEnv(name: string, where: { before: string } | { after: string } | 'last'): PodEdit {
  return editContainer('istio-proxy', (c) => {
    const env = c.env ?? [];
    const moved = env.find((e) => e.name === name);
    if (!moved) throw new Error(`no proxy env ${name}`);
    const rest = env.filter((e) => e !== moved);
    if (where === 'last') return { ...c, env: [...rest, moved] };
    const anchor = 'before' in where ? where.before : where.after;
    const at = rest.findIndex((e) => e.name === anchor);
    if (at < 0) throw new Error(`no proxy env ${anchor}`);
    const insertAt = 'before' in where ? at : at + 1;
    return { ...c, env: [...rest.slice(0, insertAt), moved, ...rest.slice(insertAt)] };
  });
}

/** Sets the value of an existing proxy env variable. */
export function setProxyEnv(name: string, value: string): PodEdit {
  return editContainer('istio-proxy', (c) => ({
    ...c,
    env: (c.env ?? []).map((e): EnvVar => (e.name === name ? { name, value } : e)),
  }));
}

/** A copy of the container with one resource limit/request set. */
export function withResource(c: Container, kind: 'limits' | 'requests', resource: string, quantity: string): Container {
  const resources = (c.resources ?? {}) as Record<string, Record<string, string> | undefined>;
  return { ...c, resources: { ...resources, [kind]: { ...resources[kind], [resource]: quantity } } };
}

/** Applies edits in order. */
export function edits(...list: PodEdit[]): PodEdit {
  return (pod) => list.reduce((p, e) => e(p), pod);
}

export interface ReinjectionExpectation {
  /** Why Istio's re-injection is not a fixed point for this shape (names the spec rule). */
  readonly because: string;
  /** The change each further injection makes to the previous result (2nd, 3rd, ...). */
  readonly rounds: readonly PodEdit[];
}
