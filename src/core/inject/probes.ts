/**
 * Application probe rewriting (§e, app_probe.go): kubelet probes and lifecycle hooks of app
 * containers are pointed at the agent's status port, and the original actions are handed to
 * the agent in ISTIO_KUBE_APP_PROBERS so it can run them from inside the mesh.
 */
import { goJsonMarshalOrdered } from '../format/go-json.js';
import { parseGoBool } from '../format/go-strconv.js';
import { normalizeAs } from '../k8s/normalize.js';
import { findSidecar, PROXY_CONTAINER, type Container, type EnvVar, type Handler, type Pod, type Probe } from '../k8s/pod.js';

export const APP_PROBERS_ENV = 'ISTIO_KUBE_APP_PROBERS';
export const REWRITE_PROBES_ANNOTATION = 'sidecar.istio.io/rewriteAppHTTPProbers';

type Obj = Record<string, unknown>;

function probeUrls(name: string) {
  return {
    readyz: `/app-health/${name}/readyz`,
    livez: `/app-health/${name}/livez`,
    startupz: `/app-health/${name}/startupz`,
    prestopz: `/app-lifecycle/${name}/prestopz`,
    poststartz: `/app-lifecycle/${name}/poststartz`,
  };
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** A prober as the agent reads it (Go struct order: httpGet, tcpSocket, grpc, timeoutSeconds). */
function normalizeProber(p: Obj): Obj {
  const out: Obj = {};
  if (p.httpGet) out.httpGet = normalizeAs('HTTPGetAction', p.httpGet);
  if (p.tcpSocket) out.tcpSocket = normalizeAs('TCPSocketAction', p.tcpSocket);
  if (p.grpc) out.grpc = normalizeAs('GRPCAction', p.grpc);
  if (typeof p.timeoutSeconds === 'number' && p.timeoutSeconds !== 0) out.timeoutSeconds = p.timeoutSeconds;
  return out;
}

/**
 * The prober for one probe or hook: named ports resolved to the container's port numbers
 * (unknown name: none), a numeric port already equal to the status port skipped (already
 * rewritten), gRPC ports taken as they are.
 */
function proberFor(h: Handler | undefined, withTimeout: boolean, ports: Map<string, number>, statusPort: number, allowGrpc: boolean): Obj | undefined {
  if (!h) return undefined;
  const timeout = withTimeout ? (h as Probe).timeoutSeconds ?? 0 : 0;
  if (h.httpGet || h.tcpSocket) {
    const kind = h.httpGet ? 'httpGet' : 'tcpSocket';
    const action = { ...(h.httpGet ?? h.tcpSocket) } as Obj;
    if (typeof action.port === 'string') {
      const resolved = ports.get(action.port);
      if (resolved === undefined) return undefined;
      action.port = resolved;
    } else if (action.port === statusPort) {
      return undefined;
    }
    return normalizeProber({ [kind]: action, timeoutSeconds: timeout });
  }
  if (allowGrpc && h.grpc) return normalizeProber({ grpc: h.grpc, timeoutSeconds: timeout });
  return undefined;
}

/** DumpAppProbers: the JSON for ISTIO_KUBE_APP_PROBERS, or "" when there is nothing to hand over. */
export function dumpAppProbers(pod: Pod, statusPort: number): string {
  const out = new Map<string, Obj>();
  for (const c of allContainers(pod)) {
    if (c.name === PROXY_CONTAINER) continue;
    const u = probeUrls(c.name);
    const ports = new Map<string, number>();
    for (const p of c.ports ?? []) if (p.name) ports.set(p.name, p.containerPort);
    const add = (key: string, p: Obj | undefined): void => {
      if (p) out.set(key, p);
    };
    add(u.readyz, proberFor(c.readinessProbe, true, ports, statusPort, true));
    add(u.livez, proberFor(c.livenessProbe, true, ports, statusPort, true));
    add(u.startupz, proberFor(c.startupProbe, true, ports, statusPort, true));
    add(u.prestopz, proberFor(c.lifecycle?.preStop, false, ports, statusPort, false));
    add(u.poststartz, proberFor(c.lifecycle?.postStart, false, ports, statusPort, false));
  }
  return out.size === 0 ? '' : marshalProbers(out);
}

function marshalProbers(m: Map<string, Obj>): string {
  const sorted: Obj = {};
  for (const k of [...m.keys()].sort()) sorted[k] = m.get(k);
  return goJsonMarshalOrdered(sorted);
}

/** Adds the probers env, or on re-injection merges into the existing one (existing entries win). */
function mergeOrAppendProbers(previouslyInjected: boolean, env: EnvVar[], probers: string): EnvVar[] {
  const at = previouslyInjected ? env.findIndex((e) => e.name === APP_PROBERS_ENV) : -1;
  if (at < 0) return [...env, { name: APP_PROBERS_ENV, value: probers }];
  let existing: Record<string, Obj>;
  try {
    existing = JSON.parse(env[at]?.value ?? '') as Record<string, Obj>;
  } catch {
    return env;
  }
  const merged = new Map<string, Obj>(Object.entries(JSON.parse(probers) as Record<string, Obj>));
  for (const [k, v] of Object.entries(existing ?? {})) merged.set(k, normalizeProber(v ?? {}));
  const copy = [...env];
  copy[at] = { name: APP_PROBERS_ENV, value: marshalProbers(merged) };
  return copy;
}

function rewriteProbe(probe: Probe | undefined, path: string, statusPort: number): Probe | undefined {
  if (!probe) return undefined;
  if (probe.httpGet) {
    const httpGet = { ...probe.httpGet, port: statusPort, path };
    if (httpGet.scheme === 'HTTPS') httpGet.scheme = 'HTTP';
    return { ...probe, httpGet };
  }
  if (probe.tcpSocket || probe.grpc) {
    const { tcpSocket: _t, grpc: _g, ...rest } = probe;
    return { ...rest, httpGet: { path, port: statusPort } };
  }
  return undefined;
}

function rewriteHook(h: Handler | undefined, path: string, statusPort: number): Handler | undefined {
  if (!h) return undefined;
  if (h.httpGet) return { ...h, httpGet: { ...h.httpGet, port: statusPort, path, ...(h.httpGet.scheme === 'HTTPS' ? { scheme: 'HTTP' } : {}) } };
  if (h.tcpSocket) {
    const { tcpSocket: _t, ...rest } = h;
    return { ...rest, httpGet: { path, port: statusPort } };
  }
  return undefined;
}

/** Points every app container's probes and lifecycle hooks at the status port (in place). */
function patchRewriteProbes(pod: Pod, statusPort: number): void {
  for (const c of allContainers(pod)) {
    if (c.name === PROXY_CONTAINER) continue;
    const u = probeUrls(c.name);
    const set = <K extends 'readinessProbe' | 'livenessProbe' | 'startupProbe'>(k: K, path: string): void => {
      const p = rewriteProbe(c[k], path, statusPort);
      if (p) c[k] = p;
    };
    set('readinessProbe', u.readyz);
    set('livenessProbe', u.livez);
    set('startupProbe', u.startupz);
    if (c.lifecycle) {
      const pre = rewriteHook(c.lifecycle.preStop, u.prestopz, statusPort);
      const post = rewriteHook(c.lifecycle.postStart, u.poststartz, statusPort);
      c.lifecycle = { ...c.lifecycle, ...(pre ? { preStop: pre } : {}), ...(post ? { postStart: post } : {}) };
    }
  }
}

/**
 * applyRewrite on the merged pod (mutated in place). Runs only when the pod has an istio-proxy
 * and rewriting is enabled (annotation parsed as a Go bool, else the values default).
 */
export function applyProbeRewrite(pod: Pod, rewriteDefault: boolean, meshStatusPort: number): void {
  const sidecar = findSidecar(pod);
  if (!sidecar) return;
  const annotations = pod.metadata?.annotations ?? {};
  const ann = annotations[REWRITE_PROBES_ANNOTATION];
  const rewrite = (ann === undefined ? undefined : parseGoBool(ann)) ?? rewriteDefault;
  if (!rewrite) return;
  const probers = dumpAppProbers(pod, meshStatusPort);
  if (probers !== '') {
    const previouslyInjected = Object.hasOwn(annotations, 'sidecar.istio.io/status');
    sidecar.env = mergeOrAppendProbers(previouslyInjected, sidecar.env ?? [], probers);
  }
  let statusPort = meshStatusPort;
  const portAnn = annotations['status.sidecar.istio.io/port'];
  if (portAnn !== undefined) statusPort = /^[+-]?\d+$/.test(portAnn) ? Number.parseInt(portAnn, 10) : 0;
  patchRewriteProbes(pod, statusPort);
}
