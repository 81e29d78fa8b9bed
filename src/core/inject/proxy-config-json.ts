/**
 * PROXY_CONFIG: the template's `protoToJSON .ProxyConfig`. The ProxyConfig is first "cleaned"
 * (fields equal to Istio's built-in defaults are dropped, so the default renders as `{}`), then
 * written as compact protobuf JSON: fields in .proto declaration order, proto3 zero values
 * omitted, wrappers and messages written whenever set, map keys sorted.
 */
import {
  DEFAULT_PROXY_CONFIG,
  PROXY_CONFIG_ENUM_ZERO,
  PROXY_CONFIG_FIELDS,
  type ProxyConfig,
} from '../config/proxy-config.js';

const DURATION_FIELDS = new Set(['drainDuration', 'parentShutdownDuration', 'terminationDrainDuration', 'fileFlushInterval']);

/** protojson Duration text: whole seconds as `Ns`, else 3, 6 or 9 fractional digits. */
export function formatProtoDuration(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return text;
  const [, sign, secs, frac = ''] = m;
  const nanos = frac.padEnd(9, '0');
  const s = String(BigInt(secs as string));
  if (/^0+$/.test(nanos)) return `${sign}${s}s`;
  const trimmed = nanos.endsWith('000000') ? nanos.slice(0, 3) : nanos.endsWith('000') ? nanos.slice(0, 6) : nanos;
  return `${sign}${s}.${trimmed}s`;
}

function sameDuration(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && formatProtoDuration(a) === formatProtoDuration(b);
}

/** cleanProxyConfig: removes fields that equal the built-in defaults (never mutates `pc`). */
export function cleanProxyConfig(pc: ProxyConfig): ProxyConfig {
  const d = DEFAULT_PROXY_CONFIG;
  const out: Record<string, unknown> = { ...pc };
  for (const k of ['configPath', 'binaryPath', 'controlPlaneAuthPolicy', 'serviceCluster', 'discoveryAddress', 'proxyAdminPort', 'statNameLength', 'statusPort'] as const) {
    if (out[k] === d[k]) delete out[k];
  }
  for (const k of ['drainDuration', 'terminationDrainDuration'] as const) {
    if (sameDuration(out[k], d[k])) delete out[k];
  }
  for (const k of ['envoyMetricsService', 'envoyAccessLogService', 'tracing', 'concurrency'] as const) {
    if (out[k] === null || out[k] === undefined) delete out[k];
  }
  if (pc.proxyMetadata && Object.keys(pc.proxyMetadata).length === 0) delete out.proxyMetadata;
  return out as ProxyConfig;
}

function isZeroScalar(name: string, v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === 0 || v === false || PROXY_CONFIG_ENUM_ZERO[name] === v;
}

function encode(v: unknown): string {
  return JSON.stringify(v);
}

/** Compact protobuf JSON of a ProxyConfig. */
export function protoJson(pc: ProxyConfig): string {
  const rec = pc as Record<string, unknown>;
  const parts: string[] = [];
  const known = new Set<string>();
  for (const [name, kind] of PROXY_CONFIG_FIELDS) {
    known.add(name);
    const v = rec[name];
    if (v === undefined || v === null) continue;
    if (kind === 'scalar' && isZeroScalar(name, v)) continue;
    if (kind === 'list' && (v as unknown[]).length === 0) continue;
    if (kind === 'map') {
      const keys = Object.keys(v as object).sort();
      if (keys.length === 0) continue;
      const body = keys.map((k) => `${encode(k)}:${encode((v as Record<string, unknown>)[k])}`).join(',');
      parts.push(`${encode(name)}:{${body}}`);
      continue;
    }
    const value = DURATION_FIELDS.has(name) && typeof v === 'string' ? formatProtoDuration(v) : v;
    parts.push(`${encode(name)}:${encode(value)}`);
  }
  for (const [name, v] of Object.entries(rec)) {
    if (!known.has(name) && v !== undefined && v !== null) parts.push(`${encode(name)}:${encode(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Results for frozen configurations (the mesh's defaultConfig is the same object for every pod). */
const JSON_OF_FROZEN = new WeakMap<ProxyConfig, string>();

/** The PROXY_CONFIG value (without the trailing newline the template adds). */
export function proxyConfigJson(pc: ProxyConfig): string {
  const known = JSON_OF_FROZEN.get(pc);
  if (known !== undefined) return known;
  const json = protoJson(cleanProxyConfig(pc));
  if (Object.isFrozen(pc)) JSON_OF_FROZEN.set(pc, json);
  return json;
}
