/**
 * The istio-proxy container of the `sidecar` template (§c.4) and the template's volumes (§c.5).
 */
import { deepFreeze } from '../../../config/merge.js';
import type { EnvVar } from '../../k8s/pod.js';
import { proxyConfigJson } from '../proxy-config-json.js';
import {
  annotationOr,
  appContainerNames,
  goString,
  interceptionModeOf,
  type TemplateContext,
} from '../template-context.js';
import {
  bootstrapOverrideSet,
  bootstrapVolume,
  clusterIdValue,
  constantPiece,
  complianceEnv,
  istiodCaVolume,
  jsonMapAnnotation,
  meshIdentityEnv,
  mtlsCertsVolume,
  ownerEnv,
  podIdentityEnv,
  podInfoVolume,
  podPortsValue,
  proxyMetadataEnv,
  proxyResources,
  readinessNumbers,
  resourceRefEnv,
  statusPortText,
  tokenVolume,
  fieldRefEnv,
} from './common.js';
import { otelResourceAttributes } from './functions.js';

type Obj = Record<string, unknown>;

const READY_PATH = { path: '/healthz/ready', port: 15021 };

/** `--proxyLogLevel`, `--proxyComponentLogLevel`, `--log_output_level` from annotations or values. */
export function proxyLogArgs(ctx: TemplateContext): string[] {
  const g = ctx.values.global;
  const a = (name: string, fallback: unknown): string => annotationOr(ctx.objectMeta, name, fallback);
  return [
    `--proxyLogLevel=${a('sidecar.istio.io/logLevel', g.proxy?.logLevel)}`,
    `--proxyComponentLogLevel=${a('sidecar.istio.io/componentLogLevel', g.proxy?.componentLogLevel)}`,
    `--log_output_level=${a('sidecar.istio.io/agentLogLevel', g.logging?.level)}`,
  ];
}

function proxyArgs(ctx: TemplateContext): string[] {
  const g = ctx.values.global;
  const args = ['proxy', 'sidecar', '--domain', `$(POD_NAMESPACE).svc.${goString(g.proxy?.clusterDomain)}`, ...proxyLogArgs(ctx)];
  if (g.sts?.servicePort) args.push(`--stsPort=${g.sts.servicePort}`);
  if (g.logAsJson) args.push('--log_as_json');
  if (g.proxy?.outlierLogPath) args.push(`--outlierLogPath=${g.proxy.outlierLogPath}`);
  return args;
}

function proxyLifecycle(ctx: TemplateContext, native: boolean): Obj | undefined {
  const p = ctx.values.global.proxy ?? {};
  if (p.lifecycle && Object.keys(p.lifecycle).length > 0) return p.lifecycle;
  const hold = (ctx.proxyConfig.holdApplicationUntilProxyStarts === true || p.holdApplicationUntilProxyStarts === true) && !native;
  if (hold) return { postStart: { exec: { command: ['pilot-agent', 'wait'] } } };
  if (native) {
    return {
      preStop: {
        exec: { command: ['pilot-agent', 'request', `--debug-port=${statusPortText(ctx)}`, 'POST', 'drain'] },
      },
    };
  }
  return undefined;
}

function datadogEnv(ctx: TemplateContext): EnvVar[] {
  if (ctx.values.global.proxy?.tracer !== 'datadog') return [];
  return jsonMapAnnotation(ctx, 'apm.datadoghq.com/env').map(([name, v]) => ({ name, value: goString(v) }));
}

function proxyEnv(ctx: TemplateContext): EnvVar[] {
  const meta = ctx.objectMeta;
  const labels = meta.labels ?? {};
  const env: EnvVar[] = [];
  if (ctx.inboundTrafficPolicyMode === 'localhost') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push(
    ...podIdentityEnv(ctx),
    resourceRefEnv('ISTIO_CPU_LIMIT', 'limits.cpu'),
    { name: 'PROXY_CONFIG', value: `${proxyConfigJson(ctx.proxyConfig)}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsValue(ctx) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(ctx).join(',') },
    resourceRefEnv('GOMEMLIMIT', 'limits.memory'),
    ...complianceEnv(ctx),
    { name: 'ISTIO_META_CLUSTER_ID', value: clusterIdValue(ctx) },
    fieldRefEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    {
      name: 'ISTIO_META_INTERCEPTION_MODE',
      value: meta.annotations?.['sidecar.istio.io/interceptionMode'] || (ctx.proxyConfig.interceptionMode ?? 'REDIRECT'),
    },
  );
  if (ctx.values.global.network) env.push({ name: 'ISTIO_META_NETWORK', value: ctx.values.global.network });
  const workload = labels['service.istio.io/workload-name'] || ctx.deploymentMeta.name;
  if (workload) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workload });
  env.push(...ownerEnv(ctx));
  if (bootstrapOverrideSet(ctx)) {
    env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  }
  env.push(...meshIdentityEnv(ctx), ...datadogEnv(ctx));
  const otel = otelResourceAttributes(ctx.meshConfig.extensionProviders, meta.annotations ?? {}, labels, ctx.deploymentMeta.namespace, ctx.spec.containers ?? []);
  if (otel) env.push({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: otel });
  env.push(...proxyMetadataEnv(ctx));
  return env;
}

function proxySecurityContext(ctx: TemplateContext): Obj {
  const p = ctx.values.global.proxy ?? {};
  const privileged = p.privileged ?? false;
  let sc: Obj;
  if (ctx.proxyConfig.proxyMetadata?.IPTABLES_TRACE_LOGGING === 'true') {
    sc = {
      allowPrivilegeEscalation: true,
      capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
      privileged: true,
      readOnlyRootFilesystem: true,
      runAsGroup: ctx.proxyGID || 1337,
      runAsNonRoot: false,
      runAsUser: 0,
    };
  } else {
    const tproxy = interceptionModeOf(ctx) === 'TPROXY';
    const capNet = annotationOr(ctx.objectMeta, 'sidecar.istio.io/capNetBindService', p.capNetBindService) === 'true';
    const add = [...(tproxy ? ['NET_ADMIN'] : []), ...(capNet ? ['NET_BIND_SERVICE'] : [])];
    sc = {
      allowPrivilegeEscalation: privileged,
      capabilities: add.length > 0 ? { add, drop: ['ALL'] } : { drop: ['ALL'] },
      privileged,
      readOnlyRootFilesystem: true,
      ...(tproxy || capNet
        ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 1337 }
        : { runAsNonRoot: true, runAsUser: ctx.proxyUID || 1337, runAsGroup: ctx.proxyGID || 1337 }),
    };
  }
  if (p.seccompProfile && Object.keys(p.seccompProfile).length > 0) sc.seccompProfile = p.seccompProfile;
  return sc;
}

/** Volume mounts that are the same for every pod (deep-frozen: see constantPiece). */
const mount = (name: string, mountPath: string, readOnly?: true): Obj => deepFreeze({ name, mountPath, ...(readOnly ? { readOnly } : {}) });
const MOUNTS = {
  workloadSocket: mount('workload-socket', '/var/run/secrets/workload-spiffe-uds'),
  credentialSocket: mount('credential-socket', '/var/run/secrets/credential-uds'),
  gkeCertificate: mount('gke-workload-certificate', '/var/run/secrets/workload-spiffe-credentials', true),
  workloadCerts: mount('workload-certs', '/var/run/secrets/workload-spiffe-credentials'),
  istiodCa: mount('istiod-ca-cert', '/var/run/secrets/istio'),
  caCrl: mount('istio-ca-crl', '/var/run/secrets/istio/crl'),
  data: mount('istio-data', '/var/lib/istio/data'),
  bootstrap: mount('custom-bootstrap-volume', '/etc/istio/custom-bootstrap'),
  envoy: mount('istio-envoy', '/etc/istio/proxy'),
  token: mount('istio-token', '/var/run/secrets/tokens'),
  certs: mount('istio-certs', '/etc/certs/', true),
  podInfo: mount('istio-podinfo', '/etc/istio/pod'),
};

function proxyVolumeMounts(ctx: TemplateContext): Obj[] {
  const g = ctx.values.global;
  const mounts: Obj[] = [
    MOUNTS.workloadSocket,
    MOUNTS.credentialSocket,
    g.caName === 'GkeWorkloadCertificate'
      ? MOUNTS.gkeCertificate
      : MOUNTS.workloadCerts,
  ];
  if (g.pilotCertProvider === 'istiod') {
    mounts.push(MOUNTS.istiodCa, MOUNTS.caCrl);
  }
  mounts.push(MOUNTS.data);
  if (bootstrapOverrideSet(ctx)) mounts.push(MOUNTS.bootstrap);
  mounts.push(MOUNTS.envoy, MOUNTS.token);
  if (g.mountMtlsCerts) mounts.push(MOUNTS.certs);
  mounts.push(MOUNTS.podInfo);
  const lightstepCa = lightstepCaCertificates(ctx);
  if (lightstepCa !== undefined) mounts.push({ mountPath: directory(lightstepCa), name: 'lightstep-certs', readOnly: true });
  for (const [name, v] of jsonMapAnnotation(ctx, 'sidecar.istio.io/userVolumeMount')) mounts.push({ name, ...v });
  return mounts;
}

/** tracing.tlsSettings.caCertificates when the lightstep tracer uses TLS. */
function lightstepCaCertificates(ctx: TemplateContext): string | undefined {
  if (ctx.values.global.proxy?.tracer !== 'lightstep') return undefined;
  const tls = (ctx.proxyConfig.tracing as Obj | null | undefined)?.tlsSettings as Obj | undefined;
  if (!tls) return undefined;
  return typeof tls.caCertificates === 'string' ? tls.caCertificates : '';
}

/** Go's filepath.Dir. */
function directory(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  const d = p.slice(0, i).replace(/\/+$/, '');
  return d === '' ? '/' : d;
}

/** Everything of istio-proxy after `ports`: args, lifecycle, env, probes, security, resources, mounts. */
export function proxyContainerTail(ctx: TemplateContext, native: boolean): Obj {
  const g = ctx.values.global;
  const out: Obj = { args: proxyArgs(ctx) };
  const lifecycle = proxyLifecycle(ctx, native);
  if (lifecycle) out.lifecycle = lifecycle;
  out.env = proxyEnv(ctx);
  if (g.imagePullPolicy) out.imagePullPolicy = g.imagePullPolicy;
  if (statusPortText(ctx) !== '0') {
    if (g.proxy?.startupProbe?.enabled) {
      out.startupProbe = {
        httpGet: { ...READY_PATH },
        initialDelaySeconds: 0,
        periodSeconds: 1,
        timeoutSeconds: 3,
        failureThreshold: g.proxy.startupProbe.failureThreshold,
      };
    }
    out.readinessProbe = { httpGet: { ...READY_PATH }, ...readinessNumbers(ctx), timeoutSeconds: 3 };
  }
  out.securityContext = proxySecurityContext(ctx);
  out.resources = proxyResources(ctx);
  out.volumeMounts = proxyVolumeMounts(ctx);
  return out;
}

// `emptyDir: null` as in Istio's template (`emptyDir:` with no value): the merge deletes a
// user volume's emptyDir of the same name.
const SOCKET_VOLUMES: readonly Obj[] = deepFreeze([
  { name: 'workload-socket', emptyDir: null },
  { name: 'credential-socket', emptyDir: null },
]);
const WORKLOAD_CERTS_VOLUME: Obj = deepFreeze({ name: 'workload-certs', emptyDir: null });
const GKE_CERT_VOLUME: Obj = deepFreeze({ name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } });
const DATA_VOLUMES: readonly Obj[] = deepFreeze([
  { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
  { name: 'istio-data', emptyDir: {} },
]);

/** The `sidecar` template's volumes, in template order. */
export function sidecarVolumes(ctx: TemplateContext): Obj[] {
  const g = ctx.values.global;
  const vols: Obj[] = [
    ...SOCKET_VOLUMES,
    g.caName === 'GkeWorkloadCertificate' ? GKE_CERT_VOLUME : WORKLOAD_CERTS_VOLUME,
  ];
  if (bootstrapOverrideSet(ctx)) vols.push(bootstrapVolume(ctx));
  vols.push(...DATA_VOLUMES, podInfoVolume, tokenVolume(ctx));
  if (g.pilotCertProvider === 'istiod') vols.push(istiodCaVolume(ctx));
  const crl = ctx.values.pilot.crlConfigMapName || 'istio-ca-crl';
  vols.push(constantPiece(`crlVolume\0${crl}`, () => ({ name: 'istio-ca-crl', configMap: { name: crl, optional: true } })));
  if (g.mountMtlsCerts) vols.push(mtlsCertsVolume(ctx));
  for (const [name, v] of jsonMapAnnotation(ctx, 'sidecar.istio.io/userVolume')) vols.push({ name, ...v });
  if (lightstepCaCertificates(ctx) !== undefined) {
    vols.push({ name: 'lightstep-certs', secret: { optional: true, secretName: 'lightstep.cacert' } });
  }
  return vols;
}

