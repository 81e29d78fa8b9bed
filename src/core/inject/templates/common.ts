/**
 * Pieces shared by the built-in templates: resources, proxy image choice, the proxy environment
 * blocks every template repeats (volumes are in volumes.ts). Each mirrors one block of Istio's
 * templates.
 */
import { deepFreeze } from '../../../config/merge.js';
import { goJsonMarshalOrdered } from '../../format/go-json.js';
import { normalizeAs } from '../../k8s/normalize.js';
import type { EnvVar } from '../../k8s/pod.js';
import { proxyConfigJson } from '../proxy-config-json.js';
import { annotationOr, appContainerNames, goString, hasAnnotation, type TemplateContext } from '../template-context.js';
import { valueOrDefault } from './functions.js';

type Obj = Record<string, unknown>;

/**
 * Pieces that depend on nothing or on a few settings strings are built once per distinct input
 * and deep-frozen: the typed normalisation and the strategic merge remember frozen objects, so
 * these parts of every injection cost a lookup.
 */
const CONSTANT_PIECES = new Map<string, unknown>();
const LIMIT = 256;

/** The deep-frozen piece for `key`, built by `build` the first time. */
export function constantPiece<T>(key: string, build: () => T): T {
  const known = CONSTANT_PIECES.get(key);
  if (known !== undefined) return known as T;
  if (CONSTANT_PIECES.size >= LIMIT) CONSTANT_PIECES.clear();
  const piece = deepFreeze(build());
  CONSTANT_PIECES.set(key, piece);
  return piece;
}

const RESOURCE_ANNOTATIONS = {
  cpu: 'sidecar.istio.io/proxyCPU',
  memory: 'sidecar.istio.io/proxyMemory',
  cpuLimit: 'sidecar.istio.io/proxyCPULimit',
  memoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
} as const;

/** The `resources` define: annotations if any is set, else values.global.proxy.resources (null if none). */
export function proxyResources(ctx: TemplateContext): Obj | null {
  const meta = ctx.objectMeta;
  const ann = meta.annotations ?? {};
  const set = (k: string): boolean => hasAnnotation(meta, k);
  if (Object.values(RESOURCE_ANNOTATIONS).some(set)) {
    const out: Obj = {};
    if (set(RESOURCE_ANNOTATIONS.cpu) || set(RESOURCE_ANNOTATIONS.memory)) {
      const requests: Obj = {};
      if (set(RESOURCE_ANNOTATIONS.cpu)) requests.cpu = ann[RESOURCE_ANNOTATIONS.cpu];
      if (set(RESOURCE_ANNOTATIONS.memory)) requests.memory = ann[RESOURCE_ANNOTATIONS.memory];
      out.requests = requests;
    }
    if (set(RESOURCE_ANNOTATIONS.cpuLimit) || set(RESOURCE_ANNOTATIONS.memoryLimit)) {
      const limits: Obj = {};
      if (set(RESOURCE_ANNOTATIONS.cpuLimit)) limits.cpu = ann[RESOURCE_ANNOTATIONS.cpuLimit];
      if (set(RESOURCE_ANNOTATIONS.memoryLimit)) limits.memory = ann[RESOURCE_ANNOTATIONS.memoryLimit];
      out.limits = limits;
    }
    return out;
  }
  const r = ctx.values.global.proxy?.resources;
  if (!r || Object.keys(r).length === 0) return null;
  // From the (frozen) settings alone: built once per settings and shared (see constantPiece).
  if (Object.isFrozen(r)) {
    let known = RESOURCES_OF_SETTINGS.get(r);
    if (!known) RESOURCES_OF_SETTINGS.set(r, (known = deepFreeze(resourcesFromValues(r))));
    return known;
  }
  return resourcesFromValues(r);
}

const RESOURCES_OF_SETTINGS = new WeakMap<object, Obj>();

/** values.global.proxy.resources without null leaves ("not set"). */
function resourcesFromValues(r: Readonly<Record<string, unknown>>): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object' && !Array.isArray(v)) {
      const inner = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined));
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Image: the annotation/value verbatim when it contains "/", else the computed image URL. */
export function imageFor(ctx: TemplateContext, valuesImage: string | undefined, computed: string): string {
  const explicit = annotationOr(ctx.objectMeta, 'sidecar.istio.io/proxyImage', valuesImage);
  return explicit.includes('/') ? explicit : computed;
}

const REF_ENVS = new Map<string, EnvVar>();

/** An env var from a field of the pod (deep-frozen, one object per name and field). */
export function fieldRefEnv(name: string, fieldPath: string): EnvVar {
  const key = `${name}=${fieldPath}`;
  let e = REF_ENVS.get(key);
  if (!e) REF_ENVS.set(key, (e = deepFreeze({ name, valueFrom: { fieldRef: { fieldPath } } })));
  return e;
}

/** An env var from a resource of the container (deep-frozen, one object per name and resource). */
export function resourceRefEnv(name: string, resource: string): EnvVar {
  const key = `${name}=resource:${resource}`;
  let e = REF_ENVS.get(key);
  if (!e) REF_ENVS.set(key, (e = deepFreeze({ name, valueFrom: { resourceFieldRef: { resource, divisor: '1' } } })));
  return e;
}

/** CA_ADDR: values.global.caAddress, else `istiod[-<revision>].<istioNamespace>.svc:15012`. */
export function caAddress(ctx: TemplateContext): string {
  const g = ctx.values.global;
  if (g.caAddress) return g.caAddress;
  const rev = ctx.values.revision ?? '';
  return `istiod${rev !== '' ? `-${rev}` : ''}.${goString(g.istioNamespace)}.svc:15012`;
}

/** PILOT_CERT_PROVIDER .. HOST_IP, the head of every proxy env list. */
export function podIdentityEnv(ctx: TemplateContext): EnvVar[] {
  return [
    { name: 'PILOT_CERT_PROVIDER', value: goString(ctx.values.global.pilotCertProvider) },
    { name: 'CA_ADDR', value: caAddress(ctx) },
    fieldRefEnv('POD_NAME', 'metadata.name'),
    fieldRefEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldRefEnv('INSTANCE_IP', 'status.podIP'),
    fieldRefEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldRefEnv('HOST_IP', 'status.hostIP'),
  ];
}

/** PROXY_CONFIG and ISTIO_META_POD_PORTS (adjacent in every proxy template). */
export function proxyConfigEnv(ctx: TemplateContext): EnvVar[] {
  return [
    { name: 'PROXY_CONFIG', value: `${proxyConfigJson(ctx.proxyConfig)}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsValue(ctx) },
  ];
}

/** ISTIO_META_APP_CONTAINERS: the template's `$containers`, comma-joined. */
export function appContainersEnv(ctx: TemplateContext): EnvVar {
  return { name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(ctx).join(',') };
}

/** ISTIO_META_POD_PORTS: each container port as Go-marshalled ContainerPort, one per line. */
function podPortsValue(ctx: TemplateContext): string {
  const lines: string[] = [];
  for (const c of ctx.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      const json = goJsonMarshalOrdered(normalizeAs('ContainerPort', p));
      lines.push(`    ${lines.length > 0 ? ',' : ''}${json}`);
    }
  }
  return ['[', ...lines, ']'].join('\n');
}

/** COMPLIANCE_POLICY (and GODEBUG for FIPS) when istiod runs with a compliance policy. */
export function complianceEnv(ctx: TemplateContext): EnvVar[] {
  if (!ctx.compliancePolicy) return [];
  const out: EnvVar[] = [{ name: 'COMPLIANCE_POLICY', value: ctx.compliancePolicy }];
  if (ctx.compliancePolicy === 'fips-140-3') out.push({ name: 'GODEBUG', value: 'fips140=only' });
  return out;
}

/** ISTIO_META_CLUSTER_ID and ISTIO_META_NODE_NAME (adjacent in every proxy template). */
export function clusterNodeEnv(ctx: TemplateContext): EnvVar[] {
  return [
    { name: 'ISTIO_META_CLUSTER_ID', value: valueOrDefault(ctx.values.global.multiCluster?.clusterName, 'Kubernetes') },
    fieldRefEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
  ];
}

/**
 * ISTIO_META_NETWORK (values.global.network), ISTIO_META_WORKLOAD_NAME (`workloadName`, which
 * the sidecar template takes from a label first) and ISTIO_META_OWNER (when the owner's
 * apiVersion and name are known), each only when non-empty.
 */
export function workloadEnv(ctx: TemplateContext, workloadName: string): EnvVar[] {
  const out: EnvVar[] = [];
  const network = ctx.values.global.network;
  if (network) out.push({ name: 'ISTIO_META_NETWORK', value: network });
  if (workloadName) out.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workloadName });
  const { typeMeta: t, deploymentMeta: d } = ctx;
  if (t.apiVersion && d.name) {
    const ns = valueOrDefault(d.namespace, 'default');
    out.push({ name: 'ISTIO_META_OWNER', value: `kubernetes://apis/${t.apiVersion}/namespaces/${ns}/${t.kind.toLowerCase()}s/${d.name}` });
  }
  return out;
}

/** ISTIO_BOOTSTRAP_OVERRIDE when the pod names a custom bootstrap ConfigMap. */
export function bootstrapOverrideEnv(ctx: TemplateContext): EnvVar[] {
  return bootstrapOverrideSet(ctx) ? [{ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' }] : [];
}

export function trustDomainOf(ctx: TemplateContext): string {
  return valueOrDefault(ctx.meshConfig.trustDomain, ctx.values.global.trustDomain) ?? '';
}

/** ISTIO_META_MESH_ID and TRUST_DOMAIN. */
export function meshIdentityEnv(ctx: TemplateContext): EnvVar[] {
  const out: EnvVar[] = [];
  const td = trustDomainOf(ctx);
  const meshId = ctx.values.global.meshID || td;
  if (meshId) out.push({ name: 'ISTIO_META_MESH_ID', value: meshId });
  if (td) out.push({ name: 'TRUST_DOMAIN', value: td });
  return out;
}

/** One env entry per ProxyConfig.proxyMetadata key, sorted by key. */
export function proxyMetadataEnv(ctx: TemplateContext): EnvVar[] {
  const md = ctx.proxyConfig.proxyMetadata ?? {};
  return Object.keys(md)
    .sort()
    .map((k) => ({ name: k, value: md[k] as string }));
}

export function bootstrapOverrideSet(ctx: TemplateContext): boolean {
  return hasAnnotation(ctx.objectMeta, 'sidecar.istio.io/bootstrapOverride');
}

/** The readiness probe fields read from annotations with values fallbacks (as integers). */
export function readinessNumbers(ctx: TemplateContext): { initialDelaySeconds: number; periodSeconds: number; failureThreshold: number } {
  const p = ctx.values.global.proxy ?? {};
  const n = (ann: string, v: unknown): number => Number.parseInt(annotationOr(ctx.objectMeta, ann, v), 10);
  return {
    initialDelaySeconds: n('readiness.status.sidecar.istio.io/initialDelaySeconds', p.readinessInitialDelaySeconds),
    periodSeconds: n('readiness.status.sidecar.istio.io/periodSeconds', p.readinessPeriodSeconds),
    failureThreshold: n('readiness.status.sidecar.istio.io/failureThreshold', p.readinessFailureThreshold),
  };
}

/** The status port as the template prints it (annotation or values). */
export function statusPortText(ctx: TemplateContext): string {
  return annotationOr(ctx.objectMeta, 'status.sidecar.istio.io/port', ctx.values.global.proxy?.statusPort);
}

/**
 * Entries of `sidecar.istio.io/userVolume` / `userVolumeMount`, as Istio's template ranges over
 * `fromJSON` of the annotation and writes `- name: "<key>"` followed by the value's YAML:
 * - a JSON object: its entries sorted by key;
 * - a JSON array: its elements in order, keyed by their index ("0", "1", ...), so
 *   `[{"name":"certs","mountPath":"/etc/certs"}]` mounts `certs`;
 * - `null`: nothing.
 * The value's own `name` wins over the key (it comes later in the rendered mapping). A value that
 * is not a non-empty object does not render to a YAML mapping, so Istio fails the injection, as
 * it does for text that is not JSON or a JSON scalar.
 */
export function jsonMapAnnotation(ctx: TemplateContext, name: string): [string, Obj][] {
  const raw = ctx.objectMeta.annotations?.[name];
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`invalid JSON in annotation ${name}`);
  }
  if (parsed === null) return [];
  let entries: [string, unknown][];
  if (Array.isArray(parsed)) entries = parsed.map((v, i) => [String(i), v]);
  else if (typeof parsed === 'object') entries = Object.keys(parsed).sort().map((k) => [k, (parsed as Record<string, unknown>)[k]]);
  else throw new Error(`annotation ${name} must be a JSON object or array, got ${JSON.stringify(parsed)}`);
  return entries.map(([k, v]) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) {
      throw new Error(`annotation ${name}: entry ${JSON.stringify(k)} must be a non-empty JSON object, got ${JSON.stringify(v)}`);
    }
    return [k, v as Obj];
  });
}

export function imagePullSecrets(ctx: TemplateContext): Obj[] | undefined {
  const s = ctx.values.global.imagePullSecrets ?? [];
  return s.length > 0 ? s.map((name) => ({ name })) : undefined;
}
