/**
 * The istio-proxy container of the `sidecar` template (§c.4) and the template's volumes (§c.5).
 */
import type { EnvVar } from '../../k8s/pod.js';
import { annotationOr, goString, interceptionModeOf, type TemplateContext } from '../template-context.js';
import {
  appContainersEnv,
  bootstrapOverrideEnv,
  clusterNodeEnv,
  complianceEnv,
  jsonMapAnnotation,
  meshIdentityEnv,
  podIdentityEnv,
  proxyConfigEnv,
  proxyMetadataEnv,
  proxyResources,
  readinessNumbers,
  resourceRefEnv,
  statusPortText,
  workloadEnv,
} from './common.js';
import { otelResourceAttributes } from './functions.js';
import { caCrlVolume, mtlsCertsVolumes, proxyMounts, proxyVolumes, userVolumeMounts, userVolumes, VOLUME_LAYOUTS } from './volumes.js';

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

/** pilot-agent's `proxy <role>` arguments as every proxy template starts them. */
export function proxyAgentArgs(ctx: TemplateContext, role: 'sidecar' | 'router'): string[] {
  const g = ctx.values.global;
  const args = ['proxy', role, '--domain', `$(POD_NAMESPACE).svc.${goString(g.proxy?.clusterDomain)}`, ...proxyLogArgs(ctx)];
  if (g.sts?.servicePort) args.push(`--stsPort=${g.sts.servicePort}`);
  if (g.logAsJson) args.push('--log_as_json');
  return args;
}

function proxyArgs(ctx: TemplateContext): string[] {
  const args = proxyAgentArgs(ctx, 'sidecar');
  const outlierLogPath = ctx.values.global.proxy?.outlierLogPath;
  if (outlierLogPath) args.push(`--outlierLogPath=${outlierLogPath}`);
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
    ...proxyConfigEnv(ctx),
    appContainersEnv(ctx),
    resourceRefEnv('GOMEMLIMIT', 'limits.memory'),
    resourceRefEnv('GOMAXPROCS', 'limits.cpu'),
    ...complianceEnv(ctx),
    ...clusterNodeEnv(ctx),
    {
      name: 'ISTIO_META_INTERCEPTION_MODE',
      value: meta.annotations?.['sidecar.istio.io/interceptionMode'] || (ctx.proxyConfig.interceptionMode ?? 'REDIRECT'),
    },
    ...workloadEnv(ctx, labels['service.istio.io/workload-name'] || ctx.deploymentMeta.name),
    ...bootstrapOverrideEnv(ctx),
    ...meshIdentityEnv(ctx),
    ...datadogEnv(ctx),
  );
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

function proxyVolumeMounts(ctx: TemplateContext): Obj[] {
  const mounts = proxyMounts(ctx, true);
  const lightstepCa = lightstepCaCertificates(ctx);
  if (lightstepCa !== undefined) mounts.push({ mountPath: directory(lightstepCa), name: 'lightstep-certs', readOnly: true });
  mounts.push(...userVolumeMounts(ctx));
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

/** The `sidecar` template's volumes, in template order. */
export function sidecarVolumes(ctx: TemplateContext): Obj[] {
  const vols = proxyVolumes(ctx, VOLUME_LAYOUTS.sidecar);
  vols.push(caCrlVolume(ctx), ...mtlsCertsVolumes(ctx), ...userVolumes(ctx));
  if (lightstepCaCertificates(ctx) !== undefined) {
    vols.push({ name: 'lightstep-certs', secret: { optional: true, secretName: 'lightstep.cacert' } });
  }
  return vols;
}
