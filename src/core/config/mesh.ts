/**
 * MeshConfig (istio.io/api mesh/v1alpha1/config.proto) in protobuf-JSON form. Fields the
 * injector reads are typed; the rest are accepted and preserved.
 */
import * as z from 'zod/mini';
import { lazy } from './lazy.js';
import { DEFAULT_PROXY_CONFIG, mergeProxyConfig, proxyConfigSchemaOf, type ProxyConfig } from './proxy-config.js';

function buildMeshConfigSchema() {
  const port = z.number().check(z.int());

  return z.looseObject({
    defaultConfig: z.optional(proxyConfigSchemaOf()),
    trustDomain: z.optional(z.string()),
    trustDomainAliases: z.optional(z.array(z.string())),
    enablePrometheusMerge: z.optional(z.nullable(z.boolean())),
    inboundTrafficPolicy: z.optional(z.looseObject({ mode: z.optional(z.union([z.enum(['PASSTHROUGH', 'LOCALHOST']), z.number()])) })),
    proxyListenPort: z.optional(port),
    proxyInboundListenPort: z.optional(port),
    rootNamespace: z.optional(z.string()),
    extensionProviders: z.optional(z.array(z.looseObject({ name: z.string() }))),
    defaultProviders: z.optional(z.looseObject({})),
  });
}

/** The MeshConfig schema, built on first use (only a mesh config source needs it). */
export const meshConfigSchemaOf = /* @__PURE__ */ lazy(buildMeshConfigSchema);

/** The same schema as a value, for importers that want one; dropped from bundles that do not use it. */
export const meshConfigSchema = /* @__PURE__ */ meshConfigSchemaOf();

export type MeshConfig = z.infer<typeof meshConfigSchema>;
export type ExtensionProvider = NonNullable<MeshConfig['extensionProviders']>[number];

/**
 * Istio's built-in mesh defaults (mesh.DefaultMeshConfig) plus what the istiod chart's `istio`
 * ConfigMap adds for a default install (`defaultProviders.metrics: [prometheus]`).
 */
export const DEFAULT_MESH_CONFIG: MeshConfig = {
  accessLogEncoding: 'TEXT',
  accessLogFile: '',
  accessLogFormat: '',
  connectTimeout: '10s',
  defaultConfig: DEFAULT_PROXY_CONFIG,
  defaultDestinationRuleExportTo: ['*'],
  defaultProviders: { metrics: ['prometheus'] },
  defaultServiceExportTo: ['*'],
  defaultVirtualServiceExportTo: ['*'],
  dnsRefreshRate: '60s',
  enableAutoMtls: true,
  enablePrometheusMerge: true,
  enableTracing: true,
  extensionProviders: [
    { name: 'prometheus', prometheus: {} },
    { name: 'stackdriver', stackdriver: {} },
    { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
  ],
  inboundTrafficPolicy: { mode: 'PASSTHROUGH' },
  ingressClass: 'istio',
  ingressControllerMode: 'STRICT',
  ingressService: 'istio-ingressgateway',
  localityLbSetting: { enabled: true },
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
  protocolDetectionTimeout: '0s',
  proxyInboundListenPort: 15006,
  proxyListenPort: 15001,
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  trustDomainAliases: [],
};

/**
 * Applies a mesh config over a base as Istio's ApplyMeshConfig does: top-level fields replace,
 * `defaultConfig` merges field by field (proxyMetadata maps merged), `extensionProviders`
 * merge by name (a known name replaces that entry, a new one is appended), and
 * `trustDomainAliases` are united.
 */
export function applyMeshConfig(base: MeshConfig, over: MeshConfig): MeshConfig {
  const out: MeshConfig = { ...base, ...over };
  out.defaultConfig = mergeProxyConfig(base.defaultConfig ?? {}, over.defaultConfig ?? {});
  if (over.extensionProviders) {
    const merged = [...(base.extensionProviders ?? [])];
    for (const p of over.extensionProviders) {
      const at = merged.findIndex((m) => m.name === p.name);
      if (at >= 0) merged[at] = p;
      else merged.push(p);
    }
    out.extensionProviders = merged;
  }
  if (over.trustDomainAliases) {
    out.trustDomainAliases = [...new Set([...(base.trustDomainAliases ?? []), ...over.trustDomainAliases])].sort();
  }
  return out;
}

/** The per-pod ProxyConfig: mesh defaultConfig with an override (annotation, ProxyConfig CR) applied. */
export function proxyConfigFor(mesh: MeshConfig, override?: ProxyConfig): ProxyConfig {
  const base = mesh.defaultConfig ?? {};
  return override ? mergeProxyConfig(base, override) : base;
}
