/**
 * ProxyConfig (istio.io/api mesh/v1alpha1/proxy.proto) in its protobuf-JSON form: camelCase
 * names, enums by name, durations as `"<n>s"`, wrapper types as plain values.
 *
 * `PROXY_CONFIG_FIELDS` lists the fields in .proto declaration order, which is the order Go's
 * protojson writes them in, and says whether a field is a proto3 scalar (omitted when zero) or
 * a message/wrapper (written whenever set).
 */
import { z } from 'zod';

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const duration = z.string().regex(DURATION, 'expected a duration like "45s"');
const int = z.number().int();
const enumOf = (names: readonly string[]) =>
  z.union([z.enum(names as [string, ...string[]]), z.number().int().transform((n) => names[n] ?? String(n))]);

export const INTERCEPTION_MODES = ['REDIRECT', 'TPROXY', 'NONE'] as const;

export const proxyConfigSchema = z.looseObject({
  configPath: z.string().optional(),
  binaryPath: z.string().optional(),
  serviceCluster: z.string().optional(),
  tracingServiceName: enumOf(['APP_LABEL_AND_NAMESPACE', 'CANONICAL_NAME_ONLY', 'CANONICAL_NAME_AND_NAMESPACE']).optional(),
  drainDuration: duration.optional(),
  parentShutdownDuration: duration.optional(),
  discoveryAddress: z.string().optional(),
  statsdUdpAddress: z.string().optional(),
  proxyAdminPort: int.optional(),
  controlPlaneAuthPolicy: z
    .union([z.enum(['NONE', 'MUTUAL_TLS', 'INHERIT']), z.number().int().transform((n) => (n === 1 ? 'MUTUAL_TLS' : n === 1000 ? 'INHERIT' : 'NONE'))])
    .optional(),
  customConfigFile: z.string().optional(),
  statNameLength: int.optional(),
  concurrency: int.nullable().optional(),
  proxyBootstrapTemplatePath: z.string().optional(),
  interceptionMode: enumOf(INTERCEPTION_MODES).optional(),
  tracing: z.looseObject({}).nullable().optional(),
  envoyAccessLogService: z.looseObject({}).nullable().optional(),
  envoyMetricsService: z.looseObject({}).nullable().optional(),
  proxyMetadata: z.record(z.string(), z.string()).optional(),
  runtimeValues: z.record(z.string(), z.string()).optional(),
  statusPort: int.optional(),
  extraStatTags: z.array(z.string()).optional(),
  gatewayTopology: z.looseObject({}).nullable().optional(),
  terminationDrainDuration: duration.nullable().optional(),
  meshId: z.string().optional(),
  readinessProbe: z.looseObject({}).nullable().optional(),
  proxyStatsMatcher: z.looseObject({}).nullable().optional(),
  holdApplicationUntilProxyStarts: z.boolean().nullable().optional(),
  caCertificatesPem: z.array(z.string()).optional(),
  image: z.looseObject({ imageType: z.string().optional() }).nullable().optional(),
  privateKeyProvider: z.looseObject({}).nullable().optional(),
  proxyHeaders: z.looseObject({}).nullable().optional(),
  fileFlushInterval: duration.nullable().optional(),
  fileFlushMinSizeKb: int.nullable().optional(),
});

export type ProxyConfig = z.infer<typeof proxyConfigSchema>;

/** `scalar`: proto3 singular scalar/enum/string (zero value not written); `message`: written when set. */
export const PROXY_CONFIG_FIELDS: readonly (readonly [string, 'scalar' | 'message' | 'list' | 'map'])[] = [
  ['configPath', 'scalar'],
  ['binaryPath', 'scalar'],
  ['serviceCluster', 'scalar'],
  ['tracingServiceName', 'scalar'],
  ['drainDuration', 'message'],
  ['parentShutdownDuration', 'message'],
  ['discoveryAddress', 'scalar'],
  ['statsdUdpAddress', 'scalar'],
  ['proxyAdminPort', 'scalar'],
  ['controlPlaneAuthPolicy', 'scalar'],
  ['customConfigFile', 'scalar'],
  ['statNameLength', 'scalar'],
  ['concurrency', 'message'],
  ['proxyBootstrapTemplatePath', 'scalar'],
  ['interceptionMode', 'scalar'],
  ['tracing', 'message'],
  ['envoyAccessLogService', 'message'],
  ['envoyMetricsService', 'message'],
  ['proxyMetadata', 'map'],
  ['runtimeValues', 'map'],
  ['statusPort', 'scalar'],
  ['extraStatTags', 'list'],
  ['gatewayTopology', 'message'],
  ['terminationDrainDuration', 'message'],
  ['meshId', 'scalar'],
  ['readinessProbe', 'message'],
  ['proxyStatsMatcher', 'message'],
  ['holdApplicationUntilProxyStarts', 'message'],
  ['caCertificatesPem', 'list'],
  ['image', 'message'],
  ['privateKeyProvider', 'message'],
  ['proxyHeaders', 'message'],
  ['fileFlushInterval', 'message'],
  ['fileFlushMinSizeKb', 'message'],
];

/** Enum zero values: omitted by protojson like any other proto3 zero. */
export const PROXY_CONFIG_ENUM_ZERO: Readonly<Record<string, string>> = {
  interceptionMode: 'REDIRECT',
  controlPlaneAuthPolicy: 'NONE',
  tracingServiceName: 'APP_LABEL_AND_NAMESPACE',
};

/** Istio's built-in ProxyConfig defaults (mesh.DefaultProxyConfig). */
export const DEFAULT_PROXY_CONFIG: ProxyConfig = {
  configPath: './etc/istio/proxy',
  binaryPath: '/usr/local/bin/envoy',
  serviceCluster: 'istio-proxy',
  drainDuration: '45s',
  terminationDrainDuration: '5s',
  discoveryAddress: 'istiod.istio-system.svc:15012',
  proxyAdminPort: 15000,
  controlPlaneAuthPolicy: 'MUTUAL_TLS',
  statNameLength: 189,
  statusPort: 15020,
};

/**
 * Applies a ProxyConfig over another field by field, as Istio's MergeProxyConfig does:
 * every field set in `over` replaces, except `proxyMetadata` (and `runtimeValues`) whose maps
 * are merged key by key.
 */
export function mergeProxyConfig(base: ProxyConfig, over: ProxyConfig): ProxyConfig {
  const out: ProxyConfig = { ...base, ...over };
  if (base.proxyMetadata || over.proxyMetadata) out.proxyMetadata = { ...base.proxyMetadata, ...over.proxyMetadata };
  if (base.runtimeValues || over.runtimeValues) out.runtimeValues = { ...base.runtimeValues, ...over.runtimeValues };
  return out;
}

/** Rejects what Istio's agent ProxyConfig validation rejects; returns the first reason or undefined. */
export function validateProxyConfig(pc: ProxyConfig): string | undefined {
  const port = (name: string, v: number | undefined, allowZero = false): string | undefined =>
    v === undefined || (v === 0 && allowZero) || (v >= 1 && v <= 65535) ? undefined : `${name}: port number ${v} must be in the range 1..65535`;
  if (pc.configPath === '') return 'config path must be set';
  if (pc.binaryPath === '') return 'binary path must be set';
  if (pc.discoveryAddress !== undefined && !/^[^\s:]*:\d+$|^\[[0-9a-fA-F:.]+\]:\d+$/.test(pc.discoveryAddress)) {
    return `invalid discovery address: ${pc.discoveryAddress}`;
  }
  return (
    port('proxyAdminPort', pc.proxyAdminPort) ??
    port('statusPort', pc.statusPort) ??
    (pc.concurrency !== undefined && pc.concurrency !== null && pc.concurrency < 0 ? 'concurrency must be >= 0' : undefined) ??
    (pc.statNameLength !== undefined && pc.statNameLength < 0 ? 'statNameLength must be >= 0' : undefined)
  );
}
