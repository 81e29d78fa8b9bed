/**
 * User overrides of injected containers (reapplyOverwrittenContainers, §c.10 step 4): a
 * container the user declared with the same name as a template container (e.g. their own
 * `istio-proxy`) is strategic-merged on top of the injected one, and on first injection the
 * overrides are saved in `proxy.istio.io/overrides` so re-injection can apply them again.
 */
import { goJsonMarshalOrdered } from '../format/go-json.js';
import { normalizeAs } from '../k8s/normalize.js';
import { findContainer, findSidecar, INIT_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER, type Container, type Pod } from '../k8s/pod.js';
import { strategicMerge } from '../k8s/smp.js';
import { STATUS_ANNOTATION } from '../istio-keys.js';
import { OVERRIDES_ANNOTATION, parseInjectionStatus, parseOverrides } from './strip.js';

/** `image: auto` in a user container means "keep the injected image". */
const AUTO_IMAGE = 'auto';

function overlayOf(c: Container): Record<string, unknown> {
  const overlay = normalizeAs('Container', c);
  if (overlay.image !== AUTO_IMAGE) return overlay;
  return Object.fromEntries(Object.entries(overlay).filter(([k]) => k !== 'image'));
}

/**
 * Re-applies user containers over the merged pod; returns the new merged pod. `original` is the
 * pod as received, `templatePod` what the templates alone produced.
 */
export function reapplyOverwrittenContainers(merged: Pod, original: Pod, templatePod: Pod, interceptionMode: string): Pod {
  const existing = parseOverrides(original);
  const status = parseInjectionStatus(original);
  const saved: { containers: Record<string, unknown>[]; initContainers: Record<string, unknown>[] } = { containers: [], initContainers: [] };
  let result = merged;
  // A template container is matched with the user's containers only; a template init container
  // with the user's containers, then init containers (Istio's FindContainer / FindContainerFromPod):
  // a user `istio-proxy` init container does not override a non-native istio-proxy.
  const findUser = (field: Field, name: string, stored: readonly Container[]): Container | undefined =>
    findContainer(name, stored) ??
    findContainer(name, original.spec?.containers) ??
    (field === 'initContainers' ? findContainer(name, original.spec?.initContainers) : undefined);

  for (const field of ['containers', 'initContainers'] as const) {
    const alreadyInjected = field === 'containers' ? status?.containers : status?.initContainers;
    for (const c of templatePod.spec?.[field] ?? []) {
      if (alreadyInjected?.includes(c.name)) continue;
      const match = findUser(field, c.name, existing[field]);
      if (!match) continue;
      const overlay = overlayOf(match);
      saved[field].push(overlay);
      result = normalizeAs('Pod', strategicMerge(result, { spec: { [field]: [overlay] } })) as Pod;
    }
  }

  const alreadyInjected = original.metadata?.annotations?.[STATUS_ANNOTATION] !== undefined;
  if (!alreadyInjected && (saved.containers.length > 0 || saved.initContainers.length > 0)) {
    const json: Record<string, unknown> = {};
    if (saved.containers.length > 0) json.containers = saved.containers;
    if (saved.initContainers.length > 0) json.initContainers = saved.initContainers;
    const metadata = result.metadata ?? {};
    result = { ...result, metadata: { ...metadata, annotations: { ...metadata.annotations, [OVERRIDES_ANNOTATION]: goJsonMarshalOrdered(json) } } };
  }
  return adjustInitContainerUser(result, original, interceptionMode);
}

type Field = 'containers' | 'initContainers';

/** A copy of `pod` with the named container replaced by `update(container)` (if present). */
function updateContainer(pod: Pod, field: Field, name: string, update: (c: Container) => Container): Pod {
  const list = pod.spec?.[field];
  if (!list?.some((c) => c.name === name)) return pod;
  return { ...pod, spec: { ...pod.spec, [field]: list.map((c) => (c.name === name ? update(c) : c)) } };
}

/**
 * When the user's istio-proxy sets runAsUser/runAsGroup, as Istio's adjustInitContainerUser:
 * one init container is adjusted, the first of istio-init and istio-validation the pod has (a
 * user's own `istio-init` beside a CNI pod's istio-validation is the one taken). In TPROXY mode a
 * user runAsUser is reset to root on the sidecar (the first istio-proxy, containers before init
 * containers); otherwise an istio-validation taken runs as the user's ids. Its iptables `-u`
 * argument follows a non-zero user id so the proxy's own traffic is still recognised.
 */
function adjustInitContainerUser(pod: Pod, original: Pod, interceptionMode: string): Pod {
  const user = findSidecar(original)?.securityContext;
  if (!user || (user.runAsUser === undefined && user.runAsGroup === undefined)) return pod;
  const inits = pod.spec?.initContainers ?? [];
  const chosen = [INIT_CONTAINER, VALIDATION_CONTAINER].find((name) => inits.some((c) => c.name === name));
  if (chosen === undefined) return pod;
  let out = pod;
  const tproxy = interceptionMode === 'TPROXY';
  if (tproxy && user.runAsUser !== undefined) {
    const field: Field = pod.spec?.containers?.some((c) => c.name === PROXY_CONTAINER) ? 'containers' : 'initContainers';
    out = updateContainer(out, field, PROXY_CONTAINER, (c) => ({ ...c, securityContext: { ...c.securityContext, runAsUser: 0 } }));
  }
  if (!tproxy && chosen === VALIDATION_CONTAINER) {
    out = updateContainer(out, 'initContainers', VALIDATION_CONTAINER, (c) => ({
      ...c,
      securityContext: {
        ...c.securityContext,
        ...(user.runAsUser !== undefined ? { runAsUser: user.runAsUser } : {}),
        ...(user.runAsGroup !== undefined ? { runAsGroup: user.runAsGroup } : {}),
      },
    }));
  }
  if (user.runAsUser === undefined || user.runAsUser === 0) return out;
  const uid = String(user.runAsUser);
  return updateContainer(out, 'initContainers', chosen, (c) => {
    const at = c.args?.indexOf('-u') ?? -1;
    if (!c.args || at < 0 || at + 1 >= c.args.length) return c;
    return { ...c, args: [...c.args.slice(0, at + 1), uid, ...c.args.slice(at + 2)] };
  });
}
