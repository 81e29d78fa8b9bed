/**
 * Prometheus metrics merge (§c.8): the app's scrape settings move into the proxy's
 * ISTIO_PROMETHEUS_ANNOTATIONS env and the pod's annotations point Prometheus at the agent's
 * merged endpoint on the status port. Annotation names are compared the way Prometheus
 * sanitises them, so `prometheus.io.scrape` and `prometheus.io/scrape` are the same.
 */
import type { MeshConfig } from '../config/mesh.js';
import { goJsonMarshalOrdered } from '../format/go-json.js';
import { parseGoBool } from '../format/go-strconv.js';
import { findSidecar, type Pod } from '../k8s/pod.js';
import { InjectionError, InjectionErrorCode } from './errors.js';
import { goQuote } from '../format/go-quote.js';

const SCRAPE = 'prometheus_io_scrape';
const PORT = 'prometheus_io_port';
const PATH = 'prometheus_io_path';
const TARGETS = 'prometheus_istio_io_scrape_targets';
export const MERGE_METRICS_ANNOTATION = 'prometheus.istio.io/merge-metrics';
export const SECURE_PORT_ANNOTATION = 'prometheus.istio.io/secure-port';

/** Istio's reserved data-plane ports (pilot-agent's istioReservedPorts), with the reason Istio names. */
const RESERVED_PORTS: ReadonlyMap<string, string> = new Map([
  ['15000', 'Envoy admin'],
  ['15001', 'outbound traffic capture'],
  ['15004', 'pilot debug'],
  ['15006', 'inbound traffic capture'],
  ['15008', 'HBONE tunnel'],
  ['15020', 'pilot-agent status / merged Prometheus'],
  ['15021', 'Envoy health'],
  ['15053', 'DNS proxy'],
  ['15090', 'Envoy Prometheus (already merged)'],
]);

const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');
/** All the sanitised names looked for start with `prometheus`, so only such keys can match. */
const mayMatch = (name: string): boolean => name.startsWith('prometheus');

/** The value of the first annotation (exact key first) whose sanitised name is `sanitized`. */
function lookup(annotations: Readonly<Record<string, string>>, exact: string, sanitized: string): string | undefined {
  if (Object.hasOwn(annotations, exact)) return annotations[exact];
  const key = Object.keys(annotations)
    .filter(mayMatch)
    .sort()
    .find((k) => sanitize(k) === sanitized);
  return key === undefined ? undefined : annotations[key];
}

export function prometheusPort(annotations: Readonly<Record<string, string>>): string | undefined {
  return lookup(annotations, 'prometheus.io/port', PORT);
}

/** Removes every spelling of the Prometheus scrape/port/path annotations and scrape-targets (in place). */
export function clearPrometheusAnnotations(annotations: Record<string, string>): void {
  for (const k of Object.keys(annotations)) {
    if (!mayMatch(k)) continue;
    const s = sanitize(k);
    if (s === SCRAPE || s === PORT || s === PATH || s === TARGETS) delete annotations[k];
  }
}

function scrapeEnabled(annotations: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(annotations)) if (mayMatch(k) && sanitize(k) === SCRAPE && parseGoBool(v) === false) return false;
  return true;
}

function mergeEnabled(mesh: MeshConfig, annotations: Readonly<Record<string, string>>): boolean {
  const ann = annotations[MERGE_METRICS_ANNOTATION];
  const b = ann === undefined ? undefined : parseGoBool(ann);
  if (b !== undefined) return b;
  return mesh.enablePrometheusMerge ?? true;
}

/** Go's strconv.Atoi on a port text: the number, or undefined for a syntax or range error. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < -(2n ** 63n) || n >= 2n ** 63n ? undefined : Number(n);
}

/**
 * Istio's check of a port to scrape: a number 1..65535 (as strconv.Atoi reads it), not the
 * agent's status port, not a reserved data-plane port; the message names the port as written.
 */
function checkPort(port: string, statusPort: number, target: boolean): void {
  const [prefix, noun] = target ? ['invalid prometheus scrape targets', 'target port'] : ['invalid prometheus scrape configuration', 'port'];
  const n = atoi(port);
  let why: string | undefined;
  if (n === undefined || n < 1 || n > 65535) why = `invalid ${noun} ${goQuote(port)}`;
  else if (n === statusPort) why = `${noun} ${port} conflicts with agent port`;
  else {
    const reason = RESERVED_PORTS.get(String(n));
    if (reason !== undefined) why = `${noun} ${port} is reserved for Istio (${reason}) and cannot be scraped`;
  }
  if (why) throw new InjectionError(InjectionErrorCode.invalidPrometheus, `${prefix}: ${why}`);
}

/**
 * pilot-agent's ParseScrapeTargets: `port[:path]` entries, blanks trimmed, `/metrics` by
 * default; undefined (the annotation is ignored, as Istio only logs it) when a port is empty.
 */
function parseTargets(text: string): { port: string; path: string }[] | undefined {
  const out: { port: string; path: string }[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const port = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    if (port === '') return undefined;
    const path = colon < 0 ? '' : entry.slice(colon + 1).trim();
    out.push({ port, path: path || '/metrics' });
  }
  return out;
}

/**
 * applyPrometheusMerge on the merged pod (mutated in place; the caller owns it).
 * `statusPort` is the mesh default config's status port.
 */
export function applyPrometheusMerge(pod: Pod, mesh: MeshConfig, statusPort: number): void {
  const meta = (pod.metadata ??= {});
  const annotations = (meta.annotations ??= {});
  if (!scrapeEnabled(annotations) || !mergeEnabled(mesh, annotations)) return;
  const target = String(statusPort);
  if (prometheusPort(annotations) === target) return;

  const scrape = lookup(annotations, 'prometheus.io/scrape', SCRAPE) ?? '';
  let path = lookup(annotations, 'prometheus.io/path', PATH) ?? '';
  let port = prometheusPort(annotations) ?? '';
  const targetsText = lookup(annotations, 'prometheus.istio.io/scrape-targets', TARGETS);
  const targets = (targetsText === undefined ? undefined : parseTargets(targetsText)) ?? [];
  const first = targets[0];
  if (first) {
    // With scrape targets, the first one is also the legacy port/path (old agents read only
    // those); the targets are checked, the legacy port annotation is not.
    port = first.port;
    path = first.path;
    for (const t of targets) checkPort(t.port, statusPort, true);
  } else if (port !== '') {
    checkPort(port, statusPort, false);
  }
  // Istio's PrometheusScrapeConfiguration: scrape, path and port always, targets when present.
  const cfg: Record<string, unknown> = { scrape, path, port, ...(targets.length > 0 ? { targets } : {}) };
  const sidecar = findSidecar(pod);
  if (sidecar && (scrape !== '' || path !== '' || port !== '' || targets.length > 0)) {
    sidecar.env = [...(sidecar.env ?? []), { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: goJsonMarshalOrdered(cfg) }];
  }
  clearPrometheusAnnotations(annotations);
  annotations['prometheus.io/port'] = target;
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/scrape'] = 'true';
}

/** prometheus.istio.io/secure-port from the proxy's ENVOY_SECURE_MERGED_METRICS_PORT, unless set by the user. */
export function applySecurePortAnnotation(pod: Pod): void {
  const sidecar = findSidecar(pod);
  const v = sidecar?.env?.find((e) => e.name === 'ENVOY_SECURE_MERGED_METRICS_PORT')?.value;
  if (!v || v === '0') return;
  const annotations = ((pod.metadata ??= {}).annotations ??= {});
  if (!Object.hasOwn(annotations, SECURE_PORT_ANNOTATION)) annotations[SECURE_PORT_ANNOTATION] = v;
}
