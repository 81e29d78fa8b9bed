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

const SCRAPE = 'prometheus_io_scrape';
const PORT = 'prometheus_io_port';
const PATH = 'prometheus_io_path';
const TARGETS = 'prometheus_istio_io_scrape_targets';
export const MERGE_METRICS_ANNOTATION = 'prometheus.istio.io/merge-metrics';
export const SECURE_PORT_ANNOTATION = 'prometheus.istio.io/secure-port';

/** Istio's reserved proxy ports, which an application cannot ask Prometheus to scrape. */
const RESERVED_PORTS = new Set([15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090]);

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

function checkPort(port: string, statusPort: number, what: string): void {
  const n = /^\d+$/.test(port) ? Number(port) : NaN;
  let why: string | undefined;
  if (!(n >= 1 && n <= 65535)) why = 'must be a port number between 1 and 65535';
  else if (n === statusPort) why = 'must not be the proxy status port';
  else if (RESERVED_PORTS.has(n)) why = 'is reserved by the Istio proxy';
  if (why) throw new InjectionError(InjectionErrorCode.invalidPrometheus, `invalid prometheus scrape ${what} "${port}": ${why}`);
}

function parseTargets(text: string, statusPort: number): { port: string; path: string }[] {
  const out: { port: string; path: string }[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const port = (colon < 0 ? entry : entry.slice(0, colon)).trim();
    const path = colon < 0 ? '' : entry.slice(colon + 1).trim();
    checkPort(port, statusPort, 'target port');
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
  if (port !== '') checkPort(port, statusPort, 'port');
  const targets = targetsText === undefined ? [] : parseTargets(targetsText, statusPort);
  const first = targets[0];
  // With scrape targets, the first one is also the legacy port/path (old agents read only those).
  if (first) {
    port = first.port;
    path = first.path;
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
