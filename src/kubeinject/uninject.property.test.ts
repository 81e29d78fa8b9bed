/**
 * The round trip, as a property over the differential suite's generators (e2e/oracle/arbitraries.ts):
 * for generated multi-document manifests of every workload kind (Lists included), under several
 * installs (defaults, CNI mode, native sidecars, hold-until-proxy-starts, a revision, pull
 * secrets, a status port), uninject(inject(P)) == P, compared as the typed objects kube-inject
 * serialises. A manifest that injection refuses (the generators draw invalid annotations on
 * purpose) is skipped.
 *
 * P is first made "knowable": the few inputs whose original uninjection cannot tell from what
 * injection writes (docs/kube-inject.md lists them) are taken out of the generated manifest —
 * a user container or volume with an injected name, a `security.istio.io/tlsMode: istio` label,
 * empty canonical labels or Prometheus annotations, probe ports by name (the agent keeps the
 * number) or on the status port, and in CNI mode the capture annotations at Istio's defaults.
 * Everything else the generators draw stays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../../e2e/oracle/arbitraries.js';
import { resolveSettings } from '../core/config/settings.js';
import type { InjectionEnvironment } from '../core/inject/environment.js';
import { normalizeAs } from '../core/k8s/normalize.js';
import { splitYamlDocuments } from '../core/yaml/parse.js';
import { decodeDocument, RECOGNISED_KINDS } from './decode.js';
import { injectManifest } from './manifest.js';
import { uninjectManifest } from './uninject-manifest.js';

type Obj = Record<string, unknown>;
const RUNS = Number(process.env.UNINJECT_PROPERTY_RUNS ?? 25);

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
function makeKnowable(doc: Obj, cni: boolean): boolean {
  let ok = true;
  for (const holder of pods(doc)) {
    const meta = ((holder.metadata as Obj | undefined) ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const labels = meta.labels ?? {};
    if (labels['security.istio.io/tlsMode'] === 'istio') delete labels['security.istio.io/tlsMode'];
    for (const k of ['service.istio.io/canonical-name', 'service.istio.io/canonical-revision']) if (labels[k] === '') delete labels[k];
    const ann = meta.annotations ?? {};
    delete ann['proxy.istio.io/overrides'];
    for (const k of Object.keys(ann)) if (k.startsWith('prometheus.io/') && ann[k] === '') delete ann[k];
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
    if (spec.volumes) spec.volumes = (spec.volumes as Obj[]).filter((v) => !INJECTED_VOLUMES.has(v.name as string));
  }
  return ok;
}

/** The documents as kube-inject's typed decoding sees them. */
function typed(text: string): unknown[] {
  return splitYamlDocuments(text).map((raw) => {
    const d = decodeDocument(raw) as Obj | null;
    if (!d || typeof d.kind !== 'string' || !RECOGNISED_KINDS.has(d.kind)) return d;
    if (d.kind !== 'List') return normalizeAs(d.kind, d);
    const list = normalizeAs('List', d);
    return { ...list, items: ((list.items as Obj[]) ?? []).map((i) => (typeof i.kind === 'string' && RECOGNISED_KINDS.has(i.kind) ? normalizeAs(i.kind, i) : i)) };
  });
}

const INSTALLS: readonly { name: string; values?: unknown; mesh?: unknown; revision?: string; native?: string; cni?: boolean }[] = [
  { name: 'defaults' },
  { name: 'CNI mode', values: { pilot: { cni: { enabled: true } } }, cni: true },
  { name: 'native sidecars', native: 'true' },
  { name: 'native sidecars in CNI mode', native: 'true', values: { pilot: { cni: { enabled: true } } }, cni: true },
  { name: 'hold until the proxy starts, revision canary, pull secrets', values: { global: { proxy: { holdApplicationUntilProxyStarts: true }, imagePullSecrets: ['reg1'] } }, revision: 'canary' },
  { name: 'status port 15021, HBONE metadata', mesh: { defaultConfig: { statusPort: 15021, proxyMetadata: { ISTIO_META_ENABLE_HBONE: 'true' } } } },
];

describe('kube-uninject round trip: uninject(inject(P)) == P', () => {
  for (const install of INSTALLS) {
    it(`${install.name}: ${RUNS} generated manifests`, { timeout: 120_000 }, () => {
      const settings = resolveSettings({ values: install.values, mesh: install.mesh, revision: install.revision });
      const env: InjectionEnvironment = { enableNativeSidecars: install.native ?? 'false', compliancePolicy: '', platform: '' };
      let injected = 0;
      fc.assert(
        fc.property(arb.manifest, (docs) => {
          const p = structuredClone(docs) as Obj[];
          if (!p.map((d) => makeKnowable(d, install.cni === true)).every(Boolean)) return;
          const text = p.map((d) => JSON.stringify(d)).join('\n---\n');
          let inj: string;
          try {
            inj = injectManifest(text, { settings, env, facts: {} }).output;
          } catch {
            return; // refused by injection (the generators draw invalid annotations on purpose)
          }
          if (inj.includes('sidecar.istio.io/status')) injected++;
          const back = uninjectManifest(inj);
          expect(typed(back.output)).toEqual(typed(text));
        }),
        { numRuns: RUNS },
      );
      expect(injected).toBeGreaterThan(RUNS / 10);
    });
  }
});
