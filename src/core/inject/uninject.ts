/**
 * uninjectPod: the inverse of injection for one pod (or a workload's pod template), driven by
 * the `sidecar.istio.io/status` annotation the injection left (docs/kube-inject.md, "Taking a
 * manifest out of the mesh").
 *
 * Removed exactly: the containers, init containers, volumes and image pull secrets the status
 * names; the status, `proxy.istio.io/overrides` and sidecar-kit's CNI facts annotations.
 * Restored: probes and lifecycle hooks pointed at the agent (`/app-health/<c>/…` on the status
 * port) from the proxy's ISTIO_KUBE_APP_PROBERS; the application's Prometheus annotations from
 * ISTIO_PROMETHEUS_ANNOTATIONS (the merged-metrics rewrite); user-declared containers of an
 * injected name from `proxy.istio.io/overrides`.
 * Dropped only when injection would have rendered the same value from what is left (so a
 * re-injection renders them again): `security.istio.io/tlsMode: istio`,
 * `service.istio.io/canonical-name|revision`, `networking.istio.io/tunnel: http`, `istio.io/rev`
 * (the status revision), the kubectl default-container annotations (the first app container),
 * `prometheus.istio.io/secure-port`, and in CNI mode the traffic annotations the template copies
 * for the plugin when they hold Istio's defaults. What cannot be known is kept and said in
 * `notes` (a label the manifest had with the value injection derives is indistinguishable from
 * an added one, and is dropped).
 *
 * Pure: no I/O; the input is never mutated.
 */
import { FACTS_ANNOTATION } from '../cni/pod-facts.js';
import { jsonSyntaxError } from '../format/go-json-syntax.js';
import { STATUS_ANNOTATION } from '../istio-keys.js';
import { normalizeAs } from '../k8s/normalize.js';
import {
  findSidecar,
  INIT_CONTAINER,
  PROXY_CONTAINER,
  VALIDATION_CONTAINER,
  type Container,
  type Handler,
  type Pod,
  type Probe,
} from '../k8s/pod.js';
import { APP_PROBERS_ENV } from './probes.js';
import { parseProxyConfigText } from './proxy-config-annotation.js';
import { MERGE_METRICS_ANNOTATION, SECURE_PORT_ANNOTATION, clearPrometheusAnnotations } from './prometheus.js';
import { OVERRIDES_ANNOTATION, parseOverrides, type InjectionStatus } from './strip.js';

type Obj = Record<string, unknown>;

export const UninjectErrorCode = {
  /** The status annotation is not JSON, or a field has the wrong type. */
  invalidStatus: 'UNINJECT_INVALID_STATUS',
  /** `proxy.istio.io/overrides` is not valid JSON. */
  invalidOverrides: 'UNINJECT_INVALID_OVERRIDES',
} as const;
export type UninjectErrorCode = (typeof UninjectErrorCode)[keyof typeof UninjectErrorCode];

export class UninjectError extends Error {
  constructor(
    readonly code: UninjectErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UninjectError';
  }
}

export type UninjectResult =
  | { readonly injected: false }
  | {
      readonly injected: true;
      /** The pod without the injection (typed-normalised). */
      readonly pod: Pod;
      /** What could not be restored or decided, one sentence each (no trailing newline). */
      readonly notes: readonly string[];
    };

export interface UninjectOptions {
  /**
   * The owner's name as injection saw it (kube-inject: the workload's name; a pod: derived from
   * its owner references): the last fallback of `service.istio.io/canonical-name`.
   */
  readonly workloadName: string;
}

const PROMETHEUS_MERGED_PATH = '/stats/prometheus';
const MULTUS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
const ISTIO_CNI_NETWORK = 'default/istio-cni';
const TEMPLATES_ANNOTATION = 'inject.istio.io/templates';
const REWRITE_PROBES_ANNOTATION = 'sidecar.istio.io/rewriteAppHTTPProbers';
const STATUS_PORT_ANNOTATION = 'status.sidecar.istio.io/port';
const DEFAULT_STATUS_PORT = '15020';

/**
 * The status annotation, strictly: undefined when absent; UninjectError when it is not a JSON
 * object of name lists (the message names the annotation and the field).
 */
export function parseStatusStrict(annotations: Readonly<Record<string, string>> | null | undefined): InjectionStatus | undefined {
  const raw = annotations?.[STATUS_ANNOTATION];
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new UninjectError(UninjectErrorCode.invalidStatus, `invalid ${STATUS_ANNOTATION} annotation: ${jsonSyntaxError(raw)}`, { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new UninjectError(UninjectErrorCode.invalidStatus, `invalid ${STATUS_ANNOTATION} annotation: expected a JSON object, got ${JSON.stringify(raw)}`);
  }
  const o = v as Obj;
  const names = (field: string): string[] => {
    const x = o[field];
    if (x === undefined || x === null) return [];
    if (!Array.isArray(x) || !x.every((n) => typeof n === 'string')) {
      throw new UninjectError(UninjectErrorCode.invalidStatus, `invalid ${STATUS_ANNOTATION} annotation: "${field}" must be a list of names`);
    }
    return x as string[];
  };
  if (o.revision !== undefined && typeof o.revision !== 'string') {
    throw new UninjectError(UninjectErrorCode.invalidStatus, `invalid ${STATUS_ANNOTATION} annotation: "revision" must be a string`);
  }
  return {
    initContainers: names('initContainers'),
    containers: names('containers'),
    volumes: names('volumes'),
    imagePullSecrets: names('imagePullSecrets'),
    revision: (o.revision as string | undefined) ?? '',
  };
}

/** Removes injection from `pod`. Throws UninjectError for a status or overrides annotation that does not parse. */
export function uninjectPod(input: Pod, options: UninjectOptions): UninjectResult {
  const status = parseStatusStrict(input.metadata?.annotations);
  if (!status) return { injected: false };
  const pod = structuredClone(normalizeAs('Pod', input) as Pod);
  const notes: string[] = [];
  const meta = (pod.metadata ??= {});
  const annotations: Record<string, string> = (meta.annotations ??= {});
  const labels: Record<string, string> = (meta.labels ??= {});
  const spec = (pod.spec ??= {});

  let overrides;
  try {
    overrides = parseOverrides(pod);
  } catch (e) {
    throw new UninjectError(UninjectErrorCode.invalidOverrides, (e as Error).message, { cause: e });
  }

  // What the proxy carries about the application, read before it goes.
  const proxy = findSidecar(pod);
  const proxyEnv = (name: string): string | undefined => proxy?.env?.find((e) => e.name === name)?.value;
  const proxyInjected = proxy !== undefined && (status.containers.includes(PROXY_CONTAINER) || status.initContainers.includes(PROXY_CONTAINER));

  // Containers, volumes, pull secrets the status names.
  const removed = (list: readonly { name?: string }[] | null | undefined, names: readonly string[]) => (list ?? []).filter((x) => !names.includes(x.name ?? ''));
  spec.containers = removed(spec.containers, status.containers) as Container[];
  spec.initContainers = removed(spec.initContainers, status.initContainers) as Container[];
  if (spec.volumes) spec.volumes = removed(spec.volumes, status.volumes) as typeof spec.volumes;
  if (spec.imagePullSecrets) spec.imagePullSecrets = removed(spec.imagePullSecrets, status.imagePullSecrets) as typeof spec.imagePullSecrets;
  // User containers of an injected name, as injection saved them.
  for (const field of ['containers', 'initContainers'] as const) {
    for (const saved of overrides[field]) {
      const list = (spec[field] ??= []);
      if (list.some((c) => c.name === saved.name)) continue;
      const c = structuredClone(saved) as Container;
      // injection saves a user container without its image when it was `auto` ("keep the injected image")
      if (c.image === undefined) c.image = 'auto';
      list.push(c);
    }
  }
  for (const field of ['containers', 'initContainers', 'volumes', 'imagePullSecrets'] as const) {
    if ((spec[field] as unknown[] | undefined)?.length === 0) delete spec[field];
  }

  // The merged-metrics rewrite happens with or without a proxy (grpc-simple has none).
  restorePrometheus(annotations, proxyInjected ? proxyEnv('ISTIO_PROMETHEUS_ANNOTATIONS') : undefined, notes);
  if (proxyInjected) {
    restoreProbes(pod, proxyEnv(APP_PROBERS_ENV), notes);
    const secure = proxyEnv('ENVOY_SECURE_MERGED_METRICS_PORT');
    if (secure !== undefined && annotations[SECURE_PORT_ANNOTATION] === secure) delete annotations[SECURE_PORT_ANNOTATION];
  }

  // Metadata the templates render.
  delete annotations[STATUS_ANNOTATION];
  delete annotations[OVERRIDES_ANNOTATION];
  delete annotations[FACTS_ANNOTATION];
  if (annotations['istio.io/rev'] === (status.revision || 'default')) delete annotations['istio.io/rev'];
  const firstApp = (spec.containers ?? []).find((c) => c.name !== PROXY_CONTAINER)?.name;
  for (const k of ['kubectl.kubernetes.io/default-container', 'kubectl.kubernetes.io/default-logs-container']) {
    if (firstApp !== undefined && annotations[k] === firstApp) delete annotations[k];
  }
  if (labels['security.istio.io/tlsMode'] === 'istio') delete labels['security.istio.io/tlsMode'];
  if (labels['networking.istio.io/tunnel'] === 'http') delete labels['networking.istio.io/tunnel'];
  const name = labels['service.istio.io/canonical-name'];
  if (name !== undefined && name === derivedCanonicalName(labels, options.workloadName)) delete labels['service.istio.io/canonical-name'];
  const rev = labels['service.istio.io/canonical-revision'];
  if (rev !== undefined && rev === firstNonEmpty(labels['app.kubernetes.io/version'], labels.version, 'latest')) delete labels['service.istio.io/canonical-revision'];
  // CNI mode: istio-validation, or (interception NONE: no init container) the three capture
  // annotations the CNI template always writes.
  const cniAnnotationsPresent = ['sidecar.istio.io/interceptionMode', 'traffic.sidecar.istio.io/includeInboundPorts', 'traffic.sidecar.istio.io/excludeInboundPorts'].every((k) => annotations[k] !== undefined);
  if (status.initContainers.includes(VALIDATION_CONTAINER) || (!status.initContainers.includes(INIT_CONTAINER) && cniAnnotationsPresent)) {
    dropCniAnnotations(annotations, notes);
  }
  const templates = (annotations[TEMPLATES_ANNOTATION] ?? '').split(',').map((t) => t.trim());
  if (templates.some((t) => t.startsWith('grpc-')) && annotations[REWRITE_PROBES_ANNOTATION] === 'false') delete annotations[REWRITE_PROBES_ANNOTATION];
  if (templates.includes('gateway')) dropGatewaySysctl(pod);
  if (labels['topology.istio.io/network'] !== undefined && proxyEnv('ISTIO_META_NETWORK') === labels['topology.istio.io/network']) {
    notes.push(`label topology.istio.io/network=${labels['topology.istio.io/network']} kept: injection sets it from the install's network, but the manifest may have had it`);
  }

  if (Object.keys(annotations).length === 0) delete meta.annotations;
  if (Object.keys(labels).length === 0) delete meta.labels;
  return { injected: true, pod: normalizeAs('Pod', pod) as Pod, notes };
}

function firstNonEmpty(...values: (string | undefined)[]): string {
  return values.find((v) => v !== undefined && v !== '') ?? '';
}

/** The canonical name the sidecar template derives when the label is absent (truncated to 63). */
function derivedCanonicalName(labels: Readonly<Record<string, string>>, workloadName: string): string {
  const name = firstNonEmpty(labels['app.kubernetes.io/name'], labels.app, workloadName);
  return name.slice(0, 63).replace(/^[-_.]+|[-_.]+$/g, '');
}

const PROBES = [
  ['readinessProbe', 'readyz'],
  ['livenessProbe', 'livez'],
  ['startupProbe', 'startupz'],
] as const;
const HOOKS = [
  ['preStop', 'prestopz'],
  ['postStart', 'poststartz'],
] as const;

/** The kubelet action the agent was given for a rewritten probe or hook (httpGet, tcpSocket or grpc). */
function proberAction(prober: unknown): Obj | undefined {
  if (typeof prober !== 'object' || prober === null) return undefined;
  const p = prober as Obj;
  if (p.httpGet) return { httpGet: p.httpGet };
  if (p.tcpSocket) return { tcpSocket: p.tcpSocket };
  if (p.grpc) return { grpc: p.grpc };
  return undefined;
}

/** Probes and hooks pointed at the agent get their original action back (in place). */
function restoreProbes(pod: Pod, probersText: string | undefined, notes: string[]): void {
  let probers: Obj = {};
  if (probersText !== undefined && probersText !== '') {
    try {
      const v = JSON.parse(probersText) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) probers = v as Obj;
    } catch {
      notes.push(`${APP_PROBERS_ENV} of istio-proxy is not JSON: rewritten probes cannot be restored`);
    }
  }
  const restore = <T extends Handler>(h: T | undefined, path: string, what: string): T | undefined => {
    if (!h?.httpGet || h.httpGet.path !== path) return undefined;
    const action = proberAction(Object.hasOwn(probers, path) ? probers[path] : undefined);
    if (!action) {
      notes.push(`${what} points at the agent (${path}) but ${APP_PROBERS_ENV} has no entry for it: left as it is (the original probe is lost)`);
      return undefined;
    }
    const { httpGet: _h, tcpSocket: _t, grpc: _g, ...rest } = h;
    return { ...rest, ...structuredClone(action) } as T;
  };
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    if (c.name === PROXY_CONTAINER) continue;
    for (const [field, suffix] of PROBES) {
      const p = restore<Probe>(c[field], `/app-health/${c.name}/${suffix}`, `container ${c.name}: ${field}`);
      if (p) c[field] = p;
    }
    const lifecycle = c.lifecycle;
    if (!lifecycle) continue;
    for (const [field, suffix] of HOOKS) {
      const h = restore<Handler>(lifecycle[field], `/app-lifecycle/${c.name}/${suffix}`, `container ${c.name}: lifecycle.${field}`);
      if (h) lifecycle[field] = h;
    }
  }
}

/** The merged-metrics rewrite undone: the application's scrape settings come back (in place). */
function restorePrometheus(annotations: Record<string, string>, saved: string | undefined, notes: string[]): void {
  if (annotations['prometheus.io/path'] !== PROMETHEUS_MERGED_PATH || annotations['prometheus.io/scrape'] !== 'true') return;
  if (annotations[MERGE_METRICS_ANNOTATION] !== undefined && annotations[MERGE_METRICS_ANNOTATION] !== 'true' && saved === undefined) return;
  clearPrometheusAnnotations(annotations);
  if (saved === undefined || saved === '') return;
  let cfg: Obj;
  try {
    cfg = JSON.parse(saved) as Obj;
  } catch {
    notes.push("ISTIO_PROMETHEUS_ANNOTATIONS of istio-proxy is not JSON: the application's prometheus.io annotations cannot be restored");
    return;
  }
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  if (text(cfg.scrape) !== '') annotations['prometheus.io/scrape'] = text(cfg.scrape);
  const targets = Array.isArray(cfg.targets) ? (cfg.targets as Obj[]) : [];
  if (targets.length > 0) {
    // The first target also became port/path; the manifest's own port/path (if any) are lost.
    annotations['prometheus.istio.io/scrape-targets'] = targets.map((t) => `${text(t.port)}:${text(t.path)}`).join(',');
    return;
  }
  if (text(cfg.port) !== '') annotations['prometheus.io/port'] = text(cfg.port);
  if (text(cfg.path) !== '') annotations['prometheus.io/path'] = text(cfg.path);
}

/**
 * In CNI mode the template copies the capture settings into annotations for the plugin: the
 * annotation's own value, else the install's. A value equal to Istio's default is dropped (a
 * manifest that said the same thing behaves the same without it); another one is kept, and
 * the excluded inbound ports lose the status port the template appended.
 */
function dropCniAnnotations(annotations: Record<string, string>, notes: string[]): void {
  const dropIf = (key: string, value: string): void => {
    if (annotations[key] === value) delete annotations[key];
  };
  dropIf('sidecar.istio.io/interceptionMode', podInterceptionMode(annotations) ?? 'REDIRECT');
  dropIf('traffic.sidecar.istio.io/includeOutboundIPRanges', '*');
  dropIf('traffic.sidecar.istio.io/includeInboundPorts', '*');
  const statusPort = annotations[STATUS_PORT_ANNOTATION] ?? DEFAULT_STATUS_PORT;
  const excluded = annotations['traffic.sidecar.istio.io/excludeInboundPorts'];
  if (excluded !== undefined) {
    const rest = excluded.split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (statusPort !== '0' && rest.at(-1) === statusPort) rest.pop();
    if (rest.length === 0) delete annotations['traffic.sidecar.istio.io/excludeInboundPorts'];
    else annotations['traffic.sidecar.istio.io/excludeInboundPorts'] = rest.join(',');
  }
  const multus = annotations[MULTUS_ANNOTATION];
  if (multus === ISTIO_CNI_NETWORK) delete annotations[MULTUS_ANNOTATION];
  else if (multus !== undefined && multus.includes('istio-cni')) {
    notes.push(`annotation ${MULTUS_ANNOTATION} kept: it names the Istio CNI network beside the manifest's own`);
  }
  for (const key of ['sidecar.istio.io/interceptionMode', 'traffic.sidecar.istio.io/includeOutboundIPRanges', 'traffic.sidecar.istio.io/includeInboundPorts']) {
    if (annotations[key] !== undefined) notes.push(`annotation ${key}=${annotations[key]} kept: the CNI template copies it from the manifest or from the install's values`);
  }
}

/** The interception mode the pod's own `proxy.istio.io/config` sets (undefined: none, or it does not parse). */
function podInterceptionMode(annotations: Readonly<Record<string, string>>): string | undefined {
  const text = annotations['proxy.istio.io/config'];
  if (text === undefined) return undefined;
  try {
    const mode = parseProxyConfigText(text).interceptionMode;
    return typeof mode === 'string' ? mode : undefined;
  } catch {
    return undefined;
  }
}

/** The gateway template's `net.ipv4.ip_unprivileged_port_start=0` sysctl (in place). */
function dropGatewaySysctl(pod: Pod): void {
  const sc = (pod.spec as Obj | undefined)?.securityContext as Obj | undefined;
  const sysctls = sc?.sysctls as { name: string; value: string }[] | undefined;
  if (!sc || !sysctls) return;
  const rest = sysctls.filter((s) => !(s.name === 'net.ipv4.ip_unprivileged_port_start' && s.value === '0'));
  if (rest.length === sysctls.length) return;
  if (rest.length > 0) sc.sysctls = rest;
  else delete sc.sysctls;
  if (Object.keys(sc).length === 0) delete (pod.spec as Obj).securityContext;
}
