/**
 * Test support for the kube-uninject round trip (unit property and the oracle test in
 * e2e/oracle): a generated manifest made "knowable" — without the few inputs whose original
 * uninjection cannot tell from what injection writes (docs/kube-inject.md lists them) — and
 * documents compared as kube-inject's typed decoding sees them.
 */
import { normalizeAs } from '../../core/k8s/normalize.js';
import { splitYamlDocuments } from '../../core/yaml/parse.js';
import { decodeDocument, RECOGNISED_KINDS } from '../decode.js';

type Obj = Record<string, unknown>;

const INJECTED_NAMES = new Set(['istio-proxy', 'istio-init', 'istio-validation', 'enable-core-dump']);
const INJECTED_VOLUMES = new Set(['istio-envoy']);

function pods(doc: Obj): Obj[] {
  const spec = (doc.spec ?? {}) as Obj;
  if (doc.kind === 'List') return ((doc.items as Obj[]) ?? []).flatMap(pods);
  if (typeof doc.kind !== 'string' || !RECOGNISED_KINDS.has(doc.kind)) return [];
  if (doc.kind === 'Pod') return [doc];
  if (doc.kind === 'CronJob') {
    // Injection reads and writes a CronJob's pod metadata on its jobTemplate (as Istio does).
    const jt = spec.jobTemplate as Obj;
    return [{ metadata: (jt.metadata ??= {}), spec: ((jt.spec as Obj).template as Obj).spec }];
  }
  return [spec.template as Obj];
}

/** Probe ports by name resolved to the container's number; probes uninjection cannot restore dropped. */
function knowableProbes(c: Obj): void {
  const ports = new Map<string, number>();
  for (const p of (c.ports as { name?: string; containerPort: number }[] | undefined) ?? []) if (p.name) ports.set(p.name, p.containerPort);
  for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
    const probe = c[k] as Obj | undefined;
    if (!probe) continue;
    const action = (probe.httpGet ?? probe.tcpSocket ?? probe.grpc) as Obj | undefined;
    if (!action) continue;
    if (typeof action.port === 'string') {
      const n = ports.get(action.port);
      if (n === undefined) {
        delete c[k];
        continue;
      }
      action.port = n;
    }
    if (action.port === 15020 || action.port === 15021) delete c[k];
  }
}

/** Makes `doc` knowable (in place); false when no app container is left. */
export function makeKnowable(doc: Obj, cni: boolean): boolean {
  let ok = true;
  for (const holder of pods(doc)) {
    const meta = ((holder.metadata as Obj | undefined) ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const labels = meta.labels ?? {};
    if (labels['security.istio.io/tlsMode'] === 'istio') delete labels['security.istio.io/tlsMode'];
    for (const k of ['service.istio.io/canonical-name', 'service.istio.io/canonical-revision']) if (labels[k] === '') delete labels[k];
    const ann = meta.annotations ?? {};
    delete ann['proxy.istio.io/overrides'];
    // The grpc templates overwrite rewriteAppHTTPProbers; grpc-simple has no proxy to keep the
    // application's Prometheus settings in (the merged-metrics rewrite still replaces them).
    const templates = ann['inject.istio.io/templates'] ?? '';
    if (templates.includes('grpc-')) delete ann['sidecar.istio.io/rewriteAppHTTPProbers'];
    if (templates.includes('grpc-simple')) for (const k of Object.keys(ann)) if (k.startsWith('prometheus')) delete ann[k];
    for (const k of Object.keys(ann)) if (k.startsWith('prometheus.io/') && ann[k] === '') delete ann[k];
    // Injection keeps scrape targets as port + path (`8080` becomes `8080:/metrics`): only that
    // spelling comes back.
    for (const k of Object.keys(ann)) {
      if (/scrape-targets$/i.test(k) && !(ann[k] ?? '').split(',').every((t) => /^\d+:\/\S*$/.test(t))) delete ann[k];
    }
    if (cni) {
      if (ann['sidecar.istio.io/interceptionMode'] === 'REDIRECT') delete ann['sidecar.istio.io/interceptionMode'];
      for (const k of ['traffic.sidecar.istio.io/includeOutboundIPRanges', 'traffic.sidecar.istio.io/includeInboundPorts']) if (ann[k] === '*') delete ann[k];
      delete ann['traffic.sidecar.istio.io/excludeInboundPorts'];
    }
    const spec = (holder.spec ?? {}) as Obj;
    for (const field of ['containers', 'initContainers']) {
      const list = ((spec[field] as Obj[] | undefined) ?? []).filter((c) => !INJECTED_NAMES.has(c.name as string));
      list.forEach(knowableProbes);
      spec[field] = list;
      if (field === 'containers' && list.length === 0) ok = false;
    }
    // A pod volume of the name of a sidecar.istio.io/userVolume volume is replaced by it.
    const userVolumes = ann['sidecar.istio.io/userVolume'] ?? '';
    if (spec.volumes) spec.volumes = (spec.volumes as Obj[]).filter((v) => !INJECTED_VOLUMES.has(v.name as string) && !userVolumes.includes(v.name as string));
  }
  return ok;
}

/** The documents as kube-inject's typed decoding sees them. */
export function typed(text: string): unknown[] {
  return splitYamlDocuments(text).map((raw) => {
    const d = decodeDocument(raw) as Obj | null;
    if (!d || typeof d.kind !== 'string' || !RECOGNISED_KINDS.has(d.kind)) return d;
    if (d.kind !== 'List') return normalizeAs(d.kind, d);
    const list = normalizeAs('List', d);
    return { ...list, items: ((list.items as Obj[]) ?? []).map((i) => (typeof i.kind === 'string' && RECOGNISED_KINDS.has(i.kind) ? normalizeAs(i.kind, i) : i)) };
  });
}
