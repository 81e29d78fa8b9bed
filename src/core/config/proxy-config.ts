/**
 * ProxyConfig (istio.io/api mesh/v1alpha1/proxy.proto) in its protobuf-JSON form: camelCase
 * names, enums by name, durations as `"<n>s"`, wrapper types as plain values.
 *
 * `PROXY_CONFIG_FIELDS` lists the fields in .proto declaration order, which is the order Go's
 * protojson writes them in, and says whether a field is a proto3 scalar (omitted when zero) or
 * a message/wrapper (written whenever set).
 */
import * as z from 'zod/mini';

export const INTERCEPTION_MODES = ['REDIRECT', 'TPROXY', 'NONE'] as const;

function buildProxyConfigSchema() {
  const DURATION = /^-?\d+(\.\d{1,9})?s$/;
  const duration = z.string().check(z.regex(DURATION, 'expected a duration like "45s"'));
  const int = z.number().check(z.int());
  const enumOf = (names: readonly string[]) =>
    z.union([z.enum(names as [string, ...string[]]), z.pipe(int, z.transform((n: number) => names[n] ?? String(n)))]);

  return z.looseObject({
    configPath: z.optional(z.string()),
    binaryPath: z.optional(z.string()),
    serviceCluster: z.optional(z.string()),
    tracingServiceName: z.optional(enumOf(['APP_LABEL_AND_NAMESPACE', 'CANONICAL_NAME_ONLY', 'CANONICAL_NAME_AND_NAMESPACE'])),
    drainDuration: z.optional(duration),
    parentShutdownDuration: z.optional(duration),
    discoveryAddress: z.optional(z.string()),
    statsdUdpAddress: z.optional(z.string()),
    proxyAdminPort: z.optional(int),
    controlPlaneAuthPolicy: z.optional(
      z.union([
        z.enum(['NONE', 'MUTUAL_TLS', 'INHERIT']),
        z.pipe(int, z.transform((n: number) => (n === 1 ? 'MUTUAL_TLS' : n === 1000 ? 'INHERIT' : 'NONE'))),
      ]),
    ),
    customConfigFile: z.optional(z.string()),
    statNameLength: z.optional(int),
    concurrency: z.optional(z.nullable(int)),
    proxyBootstrapTemplatePath: z.optional(z.string()),
    interceptionMode: z.optional(enumOf(INTERCEPTION_MODES)),
    tracing: z.optional(z.nullable(z.looseObject({}))),
    envoyAccessLogService: z.optional(z.nullable(z.looseObject({}))),
    envoyMetricsService: z.optional(z.nullable(z.looseObject({}))),
    proxyMetadata: z.optional(z.record(z.string(), z.string())),
    runtimeValues: z.optional(z.record(z.string(), z.string())),
    statusPort: z.optional(int),
    extraStatTags: z.optional(z.array(z.string())),
    gatewayTopology: z.optional(z.nullable(z.looseObject({}))),
    terminationDrainDuration: z.optional(z.nullable(duration)),
    meshId: z.optional(z.string()),
    readinessProbe: z.optional(z.nullable(z.looseObject({}))),
    proxyStatsMatcher: z.optional(z.nullable(z.looseObject({}))),
    holdApplicationUntilProxyStarts: z.optional(z.nullable(z.boolean())),
    caCertificatesPem: z.optional(z.array(z.string())),
    image: z.optional(z.nullable(z.looseObject({ imageType: z.optional(z.string()) }))),
    privateKeyProvider: z.optional(z.nullable(z.looseObject({}))),
    proxyHeaders: z.optional(z.nullable(z.looseObject({}))),
    fileFlushInterval: z.optional(z.nullable(duration)),
    fileFlushMinSizeKb: z.optional(z.nullable(int)),
  });
}

let built: ReturnType<typeof buildProxyConfigSchema> | undefined;

/** The ProxyConfig schema, built on first use (a mesh config file or a `proxy.istio.io/config` annotation). */
export function proxyConfigSchemaOf(): ReturnType<typeof buildProxyConfigSchema> {
  built ??= buildProxyConfigSchema();
  return built;
}

/** The same schema as a value, for importers that want one; dropped from bundles that do not use it. */
export const proxyConfigSchema = /* @__PURE__ */ proxyConfigSchemaOf();

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
