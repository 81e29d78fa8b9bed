/**
 * ProxyConfig (istio.io/api mesh/v1alpha1/proxy.proto) in its protobuf-JSON form: camelCase
 * names, enums by name, durations as `"<n>s"` (read in Go's syntax, see go-duration.ts), wrapper
 * types as plain values.
 *
 * `PROXY_CONFIG_FIELDS` lists the fields in .proto declaration order, which is the order Go's
 * protojson writes them in, and says whether a field is a proto3 scalar (omitted when zero) or
 * a message/wrapper (written whenever set).
 */
import * as z from 'zod/mini';
import { lazy } from './lazy.js';
import { parseAddr } from '../format/net.js';
import { formatProtoDuration, GoDurationError, parseGoDurationNanos } from '../format/go-duration.js';
import { goQuote } from '../format/go-quote.js';
import { goJsonString } from '../format/go-json.js';
import { jsonSyntaxError } from '../format/go-json-syntax.js';

export const INTERCEPTION_MODES = ['REDIRECT', 'TPROXY', 'NONE'] as const;

type GoIntType = 'int32' | 'uint32';

/**
 * Metadata naming the Go value a preprocessed field is read as (`duration`, `int32`, `uint32`),
 * for JSON Schema generation (scripts/gen-values-schema.ts turns it into the accepted forms).
 */
export const GO_VALUE_META = 'x-go-value';
const INT_RANGE: Readonly<Record<GoIntType, readonly [number, number]>> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

/**
 * golang/protobuf jsonpb's integer decoding: quotes around the JSON text are dropped and the rest
 * is decoded by encoding/json into the Go integer type. The number, or Go's error text.
 */
export function jsonpbInt(v: unknown, type: GoIntType): number | string {
  const into = `into Go value of type ${type}`;
  let text: string;
  if (typeof v === 'number') text = String(v);
  else if (typeof v === 'string') text = goJsonString(v).slice(1, -1);
  else if (typeof v === 'boolean') return `json: cannot unmarshal bool ${into}`;
  else if (Array.isArray(v)) return `json: cannot unmarshal array ${into}`;
  else if (v === null) return `json: cannot unmarshal null ${into}`;
  else return `json: cannot unmarshal object ${into}`;
  const t = text.trim();
  if (typeof v === 'string' && !/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/.test(t)) {
    if (t.startsWith('"')) return `json: cannot unmarshal string ${into}`;
    if (t === 'true' || t === 'false') return `json: cannot unmarshal bool ${into}`;
    if (t === 'null') return 0;
    return jsonSyntaxError(text);
  }
  const [lo, hi] = INT_RANGE[type];
  const n = Number(t);
  if (!/^-?[0-9]+$/.test(t) || n < lo || n > hi) return `json: cannot unmarshal number ${t} ${into}`;
  return n;
}

function buildProxyConfigSchema() {
  // Go's duration syntax (`45s`, `1m`, `1h30m`, `1.5s`), as Istio's jsonpb reads it, kept in
  // protobuf JSON form (`60s`); a bad one fails with jsonpb's words (no field path).
  const duration = z.pipe(
    z.unknown(),
    z.transform((s: unknown, ctx) => {
      if (typeof s !== 'string') {
        // jsonpb decodes the JSON value into a Go string first.
        const kind = typeof s === 'number' ? 'number' : typeof s === 'boolean' ? 'bool' : Array.isArray(s) ? 'array' : s === null ? 'null' : 'object';
        ctx.issues.push({ code: 'custom', message: `json: cannot unmarshal ${kind} into Go value of type string`, input: s, params: { istioText: true } });
        return z.NEVER;
      }
      try {
        return formatProtoDuration(parseGoDurationNanos(s));
      } catch (e) {
        if (!(e instanceof GoDurationError)) throw e;
        ctx.issues.push({ code: 'custom', message: `bad Duration: ${e.message}`, input: s, params: { istioText: true } });
        return z.NEVER;
      }
    }),
  ).check(z.meta({ [GO_VALUE_META]: 'duration' }));
  const int = z.number().check(z.int());
  // An integer field as Istio's jsonpb reads it: a number, or a string whose text is one.
  const goInt = (type: GoIntType) =>
    z.pipe(
      z.unknown(),
      z.transform((v: unknown, ctx) => {
        const r = jsonpbInt(v, type);
        if (typeof r === 'number') return r;
        ctx.issues.push({ code: 'custom', message: r, input: v, params: { istioText: true } });
        return z.NEVER;
      }),
    ).check(z.meta({ [GO_VALUE_META]: type }));
  const int32 = goInt('int32');
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
    proxyAdminPort: z.optional(int32),
    controlPlaneAuthPolicy: z.optional(
      z.union([
        z.enum(['NONE', 'MUTUAL_TLS', 'INHERIT']),
        z.pipe(int, z.transform((n: number) => (n === 1 ? 'MUTUAL_TLS' : n === 1000 ? 'INHERIT' : 'NONE'))),
      ]),
    ),
    customConfigFile: z.optional(z.string()),
    statNameLength: z.optional(int32),
    concurrency: z.optional(z.nullable(int32)),
    proxyBootstrapTemplatePath: z.optional(z.string()),
    interceptionMode: z.optional(enumOf(INTERCEPTION_MODES)),
    tracing: z.optional(z.nullable(z.looseObject({}))),
    envoyAccessLogService: z.optional(z.nullable(z.looseObject({}))),
    envoyMetricsService: z.optional(z.nullable(z.looseObject({}))),
    proxyMetadata: z.optional(z.record(z.string(), z.string())),
    runtimeValues: z.optional(z.record(z.string(), z.string())),
    statusPort: z.optional(int32),
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
    fileFlushMinSizeKb: z.optional(z.nullable(goInt('uint32'))),
  });
}

/** The ProxyConfig schema, built on first use (a mesh config file or a `proxy.istio.io/config` annotation). */
export const proxyConfigSchemaOf = /* @__PURE__ */ lazy(buildProxyConfigSchema);

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

/** net.SplitHostPort: [host, port] or Go's AddrError text. */
function splitHostPort(hostport: string): [string, string] | string {
  const fail = (why: string): string => `address ${hostport}: ${why}`;
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.slice(j).includes('[')) return fail("unexpected '[' in address");
  if (hostport.slice(k).includes(']')) return fail("unexpected ']' in address");
  return [host, hostport.slice(i + 1)];
}

/** strconv.Atoi (64-bit int): the number, or Go's error text. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const v = BigInt(s);
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return Number(v);
}

const portError = (port: number): string | undefined => (port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`);
const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** Istio's ValidateFQDN, as a yes/no. */
function isFqdn(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  const parts = name.split('.');
  if (typeof atoi(parts[parts.length - 1] ?? '') === 'number') return false; // an all-numeric top-level domain
  return parts.every((label, i) => (i === parts.length - 1 && label === '') || (label.length <= 63 && DNS1123_LABEL.test(label)));
}

/** netip.ParseAddr accepting it (a zone after `%` on IPv6 included). */
function isIpAddress(s: string): boolean {
  const zone = s.indexOf('%');
  if (zone >= 0) return s.includes(':') && zone < s.length - 1 && parseAddr(s.slice(0, zone)) !== undefined;
  return parseAddr(s) !== undefined;
}

/** Istio's ValidateProxyAddress: undefined, or its error text. */
function proxyAddressError(addr: string): string | undefined {
  const split = splitHostPort(addr);
  if (typeof split === 'string') return `unable to split ${goQuote(addr)}: ${split}`;
  const [host, p] = split;
  const port = atoi(p);
  if (typeof port === 'string') return `port (${p}) is not a number: ${port}`;
  const bad = portError(port);
  if (bad !== undefined) return bad;
  if (!isFqdn(host) && !isIpAddress(host)) return `${goQuote(host)} is not a valid hostname or an IP address`;
  return undefined;
}

const NANOS_PER_MS = 1_000_000n;

/** A protobuf-JSON duration's nanoseconds (the schema has normalised it). */
const nanosOf = (d: string | null | undefined): bigint => (d ? parseGoDurationNanos(d) : 0n);

/**
 * Istio's agent ValidateMeshConfigProxyConfig: every error, in Istio's order and words (the
 * caller formats them as a go-multierror list). Tracing, metrics-service and private-key
 * provider sections are not checked.
 */
export function validateProxyConfig(pc: ProxyConfig): string[] {
  const errs: string[] = [];
  if (!pc.configPath) errs.push('config path must be set');
  if (!pc.binaryPath) errs.push('binary path must be set');
  if (pc.serviceCluster === '' && pc.tracingServiceName === undefined) errs.push('service cluster must be specified');
  const drain = nanosOf(pc.drainDuration);
  if (drain < NANOS_PER_MS) errs.push('invalid drain duration: duration must be greater than 1ms');
  else if (drain % NANOS_PER_MS !== 0n) errs.push('invalid drain duration: only durations to ms precision are supported');
  else if (drain % 1_000_000_000n !== 0n) errs.push('drain time only supports durations to seconds precision');
  if (!pc.discoveryAddress) errs.push('discovery address must be set to the proxy discovery service');
  else {
    const bad = proxyAddressError(pc.discoveryAddress);
    if (bad !== undefined) errs.push(`invalid discovery address: ${bad}`);
  }
  if (pc.statsdUdpAddress) {
    const bad = proxyAddressError(pc.statsdUdpAddress);
    if (bad !== undefined) errs.push(`invalid statsd udp address ${goQuote(pc.statsdUdpAddress)}: ${bad}`);
  }
  const admin = portError(pc.proxyAdminPort ?? 0);
  if (admin !== undefined) errs.push(`invalid proxy admin port: ${admin}`);
  const status = portError(pc.statusPort ?? 0);
  if (status !== undefined) errs.push(`invalid status port: ${status}`);
  return errs;
}
