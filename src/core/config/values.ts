/**
 * Istio Helm values as the injector sees them: the `values` key of the
 * `istio-sidecar-injector` ConfigMap (`global`, `sidecarInjectorWebhook`, `revision`,
 * `pilot: {cni, env}`, `gateways`). Every field a built-in template reads is typed; any other
 * key is accepted and preserved (real values files carry many more, and custom templates may
 * read them).
 */
import * as z from 'zod/mini';
import { lazy } from './lazy.js';

/** Builds the schema (zod schema construction is not free: it is done on first use). */
function buildValuesSchema() {
  const str = z.string();
  /** Port lists are text in templates; a bare number (`excludeInboundPorts: 8080`) prints the same in Go. */
  const portList = z.pipe(
    z.transform((v: unknown) => (typeof v === 'number' ? String(v) : v)),
    z.string(),
  );
  const bool = z.boolean();
  const num = z.number();
  /** A resource list as written in values: quantities as strings or numbers; null = "not set". */
  const resourceList = z.record(z.string(), z.nullable(z.union([z.string(), z.number()])));
  const labelSelector = z.looseObject({
    matchLabels: z.optional(z.record(z.string(), z.string())),
    matchExpressions: z.optional(z.array(z.looseObject({ key: str, operator: str, values: z.optional(z.array(str)) }))),
  });

  const proxyValuesSchema = z.looseObject({
    image: z.optional(str),
    autoInject: z.optional(str),
    clusterDomain: z.optional(str),
    componentLogLevel: z.optional(str),
    logLevel: z.optional(str),
    includeIPRanges: z.optional(str),
    excludeIPRanges: z.optional(str),
    includeInboundPorts: z.optional(portList),
    excludeInboundPorts: z.optional(portList),
    includeOutboundPorts: z.optional(portList),
    excludeOutboundPorts: z.optional(portList),
    privileged: z.optional(bool),
    readinessFailureThreshold: z.optional(num),
    readinessInitialDelaySeconds: z.optional(num),
    readinessPeriodSeconds: z.optional(num),
    startupProbe: z.optional(z.looseObject({ enabled: z.optional(bool), failureThreshold: z.optional(num) })),
    resources: z.optional(z.looseObject({ limits: z.optional(resourceList), requests: z.optional(resourceList) })),
    statusPort: z.optional(num),
    tracer: z.optional(str),
    holdApplicationUntilProxyStarts: z.optional(bool),
    capNetBindService: z.optional(bool),
    lifecycle: z.optional(z.looseObject({})),
    seccompProfile: z.optional(z.looseObject({})),
    outlierLogPath: z.optional(str),
  });

  return z.looseObject({
    global: z.looseObject({
      hub: z.optional(str),
      tag: z.optional(z.union([str, num])),
      variant: z.optional(str),
      imagePullPolicy: z.optional(str),
      imagePullSecrets: z.optional(z.array(str)),
      logging: z.optional(z.looseObject({ level: z.optional(str) })),
      logAsJson: z.optional(bool),
      nativeNftables: z.optional(bool),
      proxy: z.optional(proxyValuesSchema),
      proxy_init: z.optional(z.looseObject({ image: z.optional(str), forceApplyIptables: z.optional(bool) })),
      pilotCertProvider: z.optional(str),
      caAddress: z.optional(str),
      caName: z.optional(str),
      istioNamespace: z.optional(str),
      meshID: z.optional(str),
      network: z.optional(str),
      multiCluster: z.optional(z.looseObject({ clusterName: z.optional(str) })),
      sds: z.optional(z.looseObject({ token: z.optional(z.looseObject({ aud: z.optional(str) })) })),
      sts: z.optional(z.looseObject({ servicePort: z.optional(num) })),
      mountMtlsCerts: z.optional(bool),
      trustDomain: z.optional(str),
      trustBundleName: z.optional(str),
    }),
    sidecarInjectorWebhook: z.looseObject({
      rewriteAppHTTPProbe: z.optional(bool),
      templates: z.optional(z.record(z.string(), str)),
      defaultTemplates: z.optional(z.array(str)),
      alwaysInjectSelector: z.optional(z.array(labelSelector)),
      neverInjectSelector: z.optional(z.array(labelSelector)),
      injectedAnnotations: z.optional(z.record(z.string(), str)),
      enableNamespacesByDefault: z.optional(bool),
      reinvocationPolicy: z.optional(str),
    }),
    pilot: z.looseObject({
      cni: z.optional(z.looseObject({ enabled: z.optional(bool), provider: z.optional(str) })),
      env: z.optional(z.record(z.string(), z.unknown())),
      crlConfigMapName: z.optional(str),
    }),
    revision: z.optional(str),
    gateways: z.optional(z.looseObject({ securityContext: z.optional(z.looseObject({})), seccompProfile: z.optional(z.looseObject({})) })),
    /**
     * sidecar-kit extensions (not Istio's; absent from Istio's values). `cni.podFactsAnnotation`:
     * in CNI mode, also write the `cni.sidecar-kit.io/capture` pod-facts annotation so the CNI
     * plugin needs no API call (docs/cni.md). Default off: Istio's output has no such annotation.
     */
    sidecarKit: z.optional(z.looseObject({ cni: z.optional(z.looseObject({ podFactsAnnotation: z.optional(bool) })) })),
  });
}

/** The values schema, built on first use (kube-inject without a values file never needs it). */
export const valuesSchemaOf = /* @__PURE__ */ lazy(buildValuesSchema);

/** The same schema for importers that want a value (the chart's values schema); dropped from bundles that do not use it. */
export const valuesSchema = /* @__PURE__ */ valuesSchemaOf();

export type Values = z.infer<typeof valuesSchema>;
export type ProxyValues = NonNullable<Values['global']['proxy']>;

/** Image hub and tag of the built-in defaults: a current Istio release. */
export const DEFAULT_HUB = 'docker.io/istio';
export const DEFAULT_TAG = '1.31.0';

/**
 * The istiod chart defaults (`_internal_defaults_do_not_set` + default profile) for every value
 * the injector reads. Written in the schema's field order and exactly as the schema outputs them
 * (a test checks), so settings without a values source can use them without parsing.
 */
export const DEFAULT_VALUES: Values = {
  global: {
    hub: DEFAULT_HUB,
    tag: DEFAULT_TAG,
    variant: '',
    imagePullPolicy: '',
    imagePullSecrets: [],
    logging: { level: 'default:info' },
    logAsJson: false,
    nativeNftables: false,
    proxy: {
      image: 'proxyv2',
      autoInject: 'enabled',
      clusterDomain: 'cluster.local',
      componentLogLevel: 'misc:error',
      logLevel: 'warning',
      includeIPRanges: '*',
      excludeIPRanges: '',
      includeInboundPorts: '*',
      excludeInboundPorts: '',
      includeOutboundPorts: '',
      excludeOutboundPorts: '',
      privileged: false,
      readinessFailureThreshold: 4,
      readinessInitialDelaySeconds: 0,
      readinessPeriodSeconds: 15,
      startupProbe: { enabled: true, failureThreshold: 600 },
      resources: {
        limits: { cpu: '2000m', memory: '1024Mi' },
        requests: { cpu: '100m', memory: '128Mi' },
      },
      statusPort: 15020,
      tracer: 'none',
      seccompProfile: {},
      outlierLogPath: '',
    },
    proxy_init: { image: 'proxyv2', forceApplyIptables: false },
    pilotCertProvider: 'istiod',
    caAddress: '',
    caName: '',
    istioNamespace: 'istio-system',
    meshID: '',
    network: '',
    multiCluster: { clusterName: '' },
    sds: { token: { aud: 'istio-ca' } },
    sts: { servicePort: 0 },
    mountMtlsCerts: false,
  },
  sidecarInjectorWebhook: {
    rewriteAppHTTPProbe: true,
    templates: {},
    defaultTemplates: [],
    alwaysInjectSelector: [],
    neverInjectSelector: [],
    injectedAnnotations: {},
    enableNamespacesByDefault: false,
    reinvocationPolicy: 'Never',
  },
  pilot: { cni: { enabled: false, provider: 'default' }, env: {} },
  revision: '',
  gateways: { securityContext: {}, seccompProfile: {} },
};
