/**
 * Whether a pod's sidecar is the one injection would give it now. The pod as it runs is
 * injected again (the core strips what the earlier injection added, as Istio's re-injection
 * does) and the injected containers of both are compared on the fields injection decides and the
 * API server never rewrites: image, command, args, literal environment values and field
 * references, the sidecar's restart policy (native or classic), user, group and added
 * capabilities; plus the revision in the status annotation. Defaulted fields (pull policy,
 * termination message path, probe timings), resources (quantities are canonicalised by the API
 * server) and the probe-rewrite variable `ISTIO_KUBE_APP_PROBERS` (the running pod's probes are
 * already rewritten, so its re-injection cannot reproduce it) are not compared.
 */
import { PROXY_CONTAINER, type Container, type EnvVar, type Pod } from '../k8s/pod.js';
import { parseInjectionStatus } from '../inject/strip.js';

/** One difference, e.g. `istio-proxy image: docker.io/istio/proxyv2:1.30.0 -> docker.io/istio/proxyv2:1.31.0`. */
export interface Drift {
  readonly container: string;
  readonly field: string;
  readonly running: string;
  readonly wanted: string;
}

const SKIPPED_ENV = new Set(['ISTIO_KUBE_APP_PROBERS']);

function envText(e: EnvVar): string {
  if (e.value !== undefined) return e.value;
  const from = e.valueFrom as { fieldRef?: { fieldPath?: string }; resourceFieldRef?: { resource?: string; divisor?: unknown }; secretKeyRef?: { name?: string; key?: string }; configMapKeyRef?: { name?: string; key?: string } } | undefined;
  if (from?.fieldRef) return `fieldRef(${from.fieldRef.fieldPath ?? ''})`;
  if (from?.resourceFieldRef) return `resourceFieldRef(${from.resourceFieldRef.resource ?? ''})`;
  if (from?.secretKeyRef) return `secretKeyRef(${from.secretKeyRef.name ?? ''}/${from.secretKeyRef.key ?? ''})`;
  if (from?.configMapKeyRef) return `configMapKeyRef(${from.configMapKeyRef.name ?? ''}/${from.configMapKeyRef.key ?? ''})`;
  return '';
}

/** The compared fields of one container, as display strings. */
function fields(c: Container | undefined, native: boolean | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!c) return m;
  m.set('image', c.image ?? '');
  m.set('command', JSON.stringify(c.command ?? []));
  m.set('args', JSON.stringify(c.args ?? []));
  for (const e of c.env ?? []) if (!SKIPPED_ENV.has(e.name)) m.set(`env ${e.name}`, envText(e));
  const sc = c.securityContext as { runAsUser?: number; runAsGroup?: number; capabilities?: { add?: string[] } } | undefined;
  m.set('runAsUser', String(sc?.runAsUser ?? ''));
  m.set('runAsGroup', String(sc?.runAsGroup ?? ''));
  m.set('capabilities.add', [...(sc?.capabilities?.add ?? [])].sort().join(','));
  if (native !== undefined) m.set('kind', native ? 'native sidecar' : 'classic sidecar');
  return m;
}

function injectedContainers(pod: Pod): Map<string, { c: Container; native: boolean | undefined }> {
  const status = parseInjectionStatus(pod);
  const out = new Map<string, { c: Container; native: boolean | undefined }>();
  if (!status) return out;
  for (const c of pod.spec?.initContainers ?? []) {
    if (status.initContainers.includes(c.name) || status.containers.includes(c.name)) {
      out.set(c.name, { c, native: c.name === PROXY_CONTAINER ? c.restartPolicy === 'Always' : undefined });
    }
  }
  for (const c of pod.spec?.containers ?? []) {
    if (status.containers.includes(c.name)) out.set(c.name, { c, native: c.name === PROXY_CONTAINER ? false : undefined });
  }
  return out;
}

/** Differences between the running pod's injected containers and a fresh injection's (empty: current). */
export function sidecarDrift(running: Pod, wanted: Pod): Drift[] {
  const out: Drift[] = [];
  const rs = parseInjectionStatus(running);
  const ws = parseInjectionStatus(wanted);
  if ((rs?.revision ?? '') !== (ws?.revision ?? '')) out.push({ container: '', field: 'revision', running: rs?.revision ?? '', wanted: ws?.revision ?? '' });
  const a = injectedContainers(running);
  const b = injectedContainers(wanted);
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(name);
    const y = b.get(name);
    if (!x || !y) {
      out.push({ container: name, field: 'container', running: x ? 'present' : 'absent', wanted: y ? 'present' : 'absent' });
      continue;
    }
    const fx = fields(x.c, x.native);
    const fy = fields(y.c, y.native);
    for (const k of new Set([...fx.keys(), ...fy.keys()])) {
      const vx = fx.get(k) ?? '(none)';
      const vy = fy.get(k) ?? '(none)';
      if (vx !== vy) out.push({ container: name, field: k, running: vx, wanted: vy });
    }
  }
  return out;
}

export function describeDrift(d: Drift): string {
  return `${d.container ? `${d.container} ` : ''}${d.field}: ${d.running || '""'} -> ${d.wanted || '""'}`;
}
