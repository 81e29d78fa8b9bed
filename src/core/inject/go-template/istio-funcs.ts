/**
 * Istio's injection template functions (pkg/kube/inject/template.go, spec §c.12) layered over
 * sprig, as istiod's InjectionFuncmap does. Anything that reaches outside the template (the
 * istiod environment, protobuf JSON of the cleaned ProxyConfig, YAML marshalling) is injected.
 * The functions the built-in typed templates use too (annotation, isset, valueOrDefault,
 * excludeInboundPort, appendMultusNetwork, otelResourceAttributes) have their one
 * implementation in ../inject/templates/functions.ts; here they get Go-value adapters.
 */
import { annotation, appendMultusNetwork, excludeInboundPort, isset, otelResourceAttributes, valueOrDefault } from '../templates/functions.js';
import { fn, FuncError, type FuncDef, type FuncMap } from '../../template/funcs.js';
import { formatV } from '../../template/go-fmt.js';
import { goJsonMarshal } from '../../template/go-json.js';
import { goTypes } from './k8s-types.js';
import './istio-types.js';
import { createSprigFuncs } from '../../template/sprig.js';
import { mapArg, setKey, stringMap } from '../../template/sprig-conv.js';
import { GoMap, GoStruct, isPlainMap, mapKeys, mapLookup, rawOf, sliceItems, structField } from '../../template/values.js';

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

/** A string map's string entries (other values and non-maps are left out). */
function stringsOf(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(m instanceof GoMap) && !isPlainMap(m)) return out;
  for (const k of mapKeys(m) ?? []) {
    const v = mapLookup(m, k).value;
    if (typeof v === 'string') setKey(out, k, v);
  }
  return out;
}

/** otelResourceAttributes over Go values: the mesh's providers, string maps, container names and images. */
function goOtelResourceAttributes(mesh: unknown, annotations: unknown, labels: unknown, namespace: string, containers: unknown): string {
  const raw = rawOf(mesh);
  const providers = isPlainMap(raw) && Array.isArray(raw['extensionProviders']) ? (raw['extensionProviders'] as unknown[]) : undefined;
  const named = (sliceItems(containers) ?? []).map((c) =>
    c instanceof GoStruct ? { name: String(structField(c, 'Name').value ?? ''), image: String(structField(c, 'Image').value ?? '') } : { name: '', image: '' },
  );
  return otelResourceAttributes(providers, stringsOf(annotations), stringsOf(labels), namespace, named);
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
    isset: fn([STRING_MAP, 'string'], (m: unknown, k: string) => m instanceof GoMap && isset(m.raw, k)),
    excludeInboundPort: fn(['any', 'string'], (port: unknown, excluded: string) => excludeInboundPort(formatV(port), excluded)),
    includeInboundPorts: fn([CONTAINERS], (cs: unknown) => containerPorts(cs, () => true)),
    applicationPorts: fn([CONTAINERS], (cs: unknown) => containerPorts(cs, (c) => structField(c, 'Name').value !== 'istio-proxy')),
    kubevirtInterfaces: fn(['string'], (s: string) => s),
    excludeInterfaces: fn(['string'], (s: string) => s),
    annotation: fn([OBJECT_META, 'string', 'any'], (meta: unknown, name: string, def: unknown) => annotation(annotationsOf(meta), name, def, formatV)),
    valueOrDefault: fn(['any', 'any'], valueOrDefault),
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
    otelResourceAttributes: fn(['any', 'any', 'any', 'string', 'any'], goOtelResourceAttributes),
  };
}

/** Istio's InjectionFuncmap: sprig's text functions with Istio's functions on top. */
export function createIstioFuncs(deps: IstioFuncDeps): FuncMap {
  return { ...createSprigFuncs({ env: deps.env }), ...istioOnlyFuncs(deps) };
}
