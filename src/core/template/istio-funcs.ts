/**
 * Istio's injection template functions (pkg/kube/inject/template.go, spec §c.12) layered over
 * sprig, as istiod's InjectionFuncmap does. Anything that reaches outside the template (the
 * istiod environment, protobuf JSON of the cleaned ProxyConfig, YAML marshalling) is injected.
 */
import { fn, FuncError, type FuncDef, type FuncMap } from './funcs.js';
import { formatV } from './go-fmt.js';
import { goJsonMarshal } from './go-json.js';
import { goTypes } from './k8s-types.js';
import './istio-types.js';
import { createSprigFuncs } from './sprig.js';
import { mapArg, setKey, stringMap } from './sprig-conv.js';
import { GoMap, GoStruct, isPlainMap, mapKeys, mapLookup, rawOf, sliceItems, structField } from './values.js';

export interface IstioFuncDeps {
  /**
   * Istio's protoToJSON: serialise the ProxyConfig after dropping fields equal to the
   * built-in defaults (cleanProxyConfig) as compact protojson. Receives the raw protojson
   * object (null for a nil ProxyConfig) and returns the JSON text ("{}" when empty).
   */
  readonly protoToJSON: (proxyConfig: Readonly<Record<string, unknown>> | null) => string;
  /**
   * sigs.k8s.io/yaml Marshal of plain JSON data (maps with sorted keys, block style); see
   * `goYamlMarshal` for the default. Errors make `toYaml` return "" as in Istio.
   */
  readonly toYaml: (json: unknown) => string;
  /** istiod's environment for `env KEY DEFAULT` (unset keys fall back to the default). */
  readonly env?: (key: string) => string | undefined;
}

const OBJECT_META = goTypes.type('v1.ObjectMeta');
const STRING_MAP = goTypes.type('map[string]string');
const CONTAINERS = goTypes.type('[]v1.Container');
const PROXY_CONFIG_PTR = goTypes.type('*v1alpha1.ProxyConfig');
const DURATION_PTR = goTypes.type('*durationpb.Duration');

function annotationsOf(meta: unknown): Record<string, unknown> {
  if (!(meta instanceof GoStruct)) return {};
  const a = structField(meta, 'Annotations').value;
  return a instanceof GoMap && a.raw ? (a.raw as Record<string, unknown>) : {};
}

/** excludeInboundPort: add the status port to the excluded list unless 0/empty or present. */
export function excludeInboundPort(port: unknown, excluded: string): string {
  const portStr = formatV(port).trim();
  if (portStr === '' || portStr === '0') return excluded;
  const out: string[] = [];
  for (const p of excluded.split(',')) {
    if (p === portStr) return excluded;
    const t = p.trim();
    if (t !== '') out.push(t);
  }
  out.push(portStr);
  return out.join(',');
}

function containerPorts(containers: unknown, include: (c: GoStruct) => boolean): string {
  const parts: string[] = [];
  for (const c of sliceItems(containers) ?? []) {
    if (!(c instanceof GoStruct) || !include(c)) continue;
    for (const p of sliceItems(structField(c, 'Ports').value) ?? []) {
      if (p instanceof GoStruct) parts.push(String(structField(p, 'ContainerPort').value));
    }
  }
  return parts.join(',');
}

/** appendMultusNetwork: add the istio-cni network to a Multus networks annotation (list or JSON). */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const i = existing.lastIndexOf(']');
  if (i !== -1) {
    let nets: unknown;
    try {
      nets = JSON.parse(existing);
    } catch {
      return existing;
    }
    if (!Array.isArray(nets)) return existing;
    const slash = network.indexOf('/');
    const ns = slash >= 0 ? network.slice(0, slash) : '';
    const name = slash >= 0 ? network.slice(slash + 1) : network;
    for (const n of nets) {
      if (isPlainMap(n) && (n['name'] === network || (n['name'] === name && (n['namespace'] ?? '') === ns))) return existing;
    }
    const entry = ns === '' ? `{"name": "${name}"}` : `{"name": "${name}", "namespace": "${ns}"}`;
    return `${existing.slice(0, i)}, ${entry}${existing.slice(i)}`;
  }
  for (const n of existing.split(',')) if (n.trim() === network) return existing;
  return `${existing}, ${network}`;
}

/** Go's time.Duration.String(). */
export function goDurationString(totalNanos: bigint): string {
  if (totalNanos === 0n) return '0s';
  const neg = totalNanos < 0n;
  let u = neg ? -totalNanos : totalNanos;
  let out: string;
  if (u < 1_000_000_000n) {
    let unit: string;
    let div: bigint;
    if (u < 1000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1_000_000n) {
      unit = 'µs';
      div = 1000n;
    } else {
      unit = 'ms';
      div = 1_000_000n;
    }
    out = fracString(u, div) + unit;
  } else {
    const h = u / 3_600_000_000_000n;
    u -= h * 3_600_000_000_000n;
    const m = u / 60_000_000_000n;
    u -= m * 60_000_000_000n;
    out = `${fracString(u, 1_000_000_000n)}s`;
    if (h > 0n) out = `${h}h${m}m${out}`;
    else if (m > 0n) out = `${m}m${out}`;
  }
  return (neg ? '-' : '') + out;
}

function fracString(v: bigint, div: bigint): string {
  const whole = v / div;
  const frac = v % div;
  if (frac === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

function formatDuration(d: unknown): string {
  if (!(d instanceof GoStruct)) return '0s';
  const seconds = BigInt(String(d.raw['seconds'] ?? 0));
  const nanos = BigInt(String(d.raw['nanos'] ?? 0));
  return goDurationString(seconds * 1_000_000_000n + nanos);
}

/** OTEL_RESOURCE_ATTRIBUTES when a mesh OpenTelemetry provider asks for semantic conventions. */
function otelResourceAttributes(mesh: unknown, annotations: unknown, labels: unknown, namespace: string, containers: unknown): string {
  const raw = rawOf(mesh);
  const providers = isPlainMap(raw) && Array.isArray(raw['extensionProviders']) ? raw['extensionProviders'] : [];
  const enabled = providers.some((p) => {
    const otel = isPlainMap(p) ? p['opentelemetry'] : undefined;
    return isPlainMap(otel) && otel['serviceAttributeEnrichment'] === 'OTEL_SEMANTIC_CONVENTIONS';
  });
  if (!enabled) return '';
  const get = (m: unknown, k: string): string => {
    if (!(m instanceof GoMap) && !isPlainMap(m)) return '';
    const r = mapLookup(m, k);
    return r.found && typeof r.value === 'string' ? r.value : '';
  };
  const ns = get(annotations, 'resource.opentelemetry.io/service.namespace') || namespace;
  const version = get(annotations, 'resource.opentelemetry.io/service.version') || get(labels, 'app.kubernetes.io/version') || get(labels, 'version');
  const first = (sliceItems(containers) ?? []).map((c) => (c instanceof GoStruct ? String(structField(c, 'Name').value) : '')).find((n) => n !== '' && n !== 'istio-proxy') ?? '';
  const instance = get(annotations, 'resource.opentelemetry.io/service.instance.id') || (first === '' ? '' : `${ns}.$(POD_NAME).${first}`);
  const attrs: string[] = [];
  if (ns !== '') attrs.push(`service.namespace=${ns}`);
  if (version !== '') attrs.push(`service.version=${version}`);
  if (instance !== '') attrs.push(`service.instance.id=${instance}`);
  return attrs.join(',');
}

/** omitNil: drop nil values from maps, recursively (Helm-style null "unset" values). */
function omitNil(v: unknown): unknown {
  if (isPlainMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== null && x !== undefined) setKey(out, k, omitNil(x));
    }
    return out;
  }
  if (Array.isArray(v)) return v.map(omitNil);
  return v;
}

function stringEntries(m: unknown): [string, string][] {
  if (m === null || m === undefined) return [];
  const keys = mapKeys(m);
  if (keys === undefined || !(m instanceof GoMap || isPlainMap(m))) throw new FuncError(`wrong type for value; expected map[string]string; got ${formatV(m)}`);
  return keys.map((k) => [k, String(rawOf(mapLookup(m, k).value) ?? '')]);
}

function mergeStringMaps(...maps: unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of maps) for (const [k, v] of stringEntries(m)) setKey(out, k, v);
  return out;
}

/** Istio's functions only (see createIstioFuncs for the full map with sprig). */
export function istioOnlyFuncs(deps: IstioFuncDeps): FuncMap {
  const indent: FuncDef = fn(['int', 'string'], (spaces: bigint, source: string) => {
    const pad = ' '.repeat(Math.max(0, Number(spaces < 0n ? -spaces : spaces)));
    return source.split('\n').map((l, i) => (i > 0 ? pad + l : l)).join('\n');
  });
  return {
    formatDuration: fn([DURATION_PTR], formatDuration),
    isset: fn([STRING_MAP, 'string'], (m: unknown, k: string) => m instanceof GoMap && m.raw !== null && Object.hasOwn(m.raw, k)),
    excludeInboundPort: fn(['any', 'string'], excludeInboundPort),
    includeInboundPorts: fn([CONTAINERS], (cs: unknown) => containerPorts(cs, () => true)),
    applicationPorts: fn([CONTAINERS], (cs: unknown) => containerPorts(cs, (c) => structField(c, 'Name').value !== 'istio-proxy')),
    kubevirtInterfaces: fn(['string'], (s: string) => s),
    excludeInterfaces: fn(['string'], (s: string) => s),
    annotation: fn([OBJECT_META, 'string', 'any'], (meta: unknown, name: string, def: unknown) => {
      const a = annotationsOf(meta);
      return Object.hasOwn(a, name) ? String(a[name]) : formatV(def);
    }),
    valueOrDefault: fn(['any', 'any'], (v: unknown, d: unknown) => (v === '' || v === null || v === undefined ? d : v)),
    toJSON: fn([STRING_MAP], (m: unknown) => (m instanceof GoMap && m.raw !== null ? goJsonMarshal(m) : '{}')),
    fromJSON: fn(['string'], (j: string) => {
      try {
        return JSON.parse(j) as unknown;
      } catch {
        return '{}';
      }
    }),
    structToJSON: fn(['any'], (v: unknown) => {
      if (v === null || v === undefined) return '{}';
      try {
        return goJsonMarshal(v);
      } catch {
        return '{}';
      }
    }),
    protoToJSON: fn([PROXY_CONFIG_PTR], (pc: unknown) => {
      const raw = pc instanceof GoStruct ? pc.raw : null;
      return deps.protoToJSON(raw);
    }),
    toYaml: fn(['any'], (v: unknown) => {
      try {
        return deps.toYaml(JSON.parse(goJsonMarshal(v)) as unknown);
      } catch {
        return '';
      }
    }),
    indent,
    directory: fn(['string'], (p: string) => p.slice(0, p.lastIndexOf('/') + 1)),
    contains: fn(['string', 'string'], (needle: string, haystack: string) => haystack.includes(needle)),
    toLower: fn(['string'], (s: string) => s.toLowerCase()),
    appendMultusNetwork: fn(['string', 'string'], appendMultusNetwork),
    env: fn(['string', 'string'], (k: string, d: string) => {
      const v = deps.env?.(k);
      return v === undefined || v === '' ? d : v;
    }),
    omit: fn(['any'], (dict: unknown, ...keys: string[]) => {
      const drop = new Set(keys);
      if (dict instanceof GoMap) return stringMap(Object.fromEntries(stringEntries(dict).filter(([k]) => !drop.has(k))));
      const m = mapArg(dict);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(m)) if (!drop.has(k)) setKey(out, k, m[k]);
      return out;
    }, 'string'),
    strdict: fn([], (...v: string[]) => {
      const out: Record<string, string> = {};
      for (let i = 0; i < v.length; i += 2) setKey(out, v[i] as string, v[i + 1] ?? '');
      return stringMap(out);
    }, 'string'),
    toJsonMap: fn([], (...maps: unknown[]) => goJsonMarshal(stringMap(mergeStringMaps(...maps))), 'any'),
    mergeMaps: fn([], (...maps: unknown[]) => stringMap(mergeStringMaps(...maps)), 'any'),
    omitNil: fn(['any'], omitNil),
    otelResourceAttributes: fn(['any', 'any', 'any', 'string', 'any'], otelResourceAttributes),
  };
}

/** Istio's InjectionFuncmap: sprig's text functions with Istio's functions on top. */
export function createIstioFuncs(deps: IstioFuncDeps): FuncMap {
  return { ...createSprigFuncs({ env: deps.env }), ...istioOnlyFuncs(deps) };
}
