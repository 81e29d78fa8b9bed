/**
 * The built-in `sidecar` template (Istio's injection-template.yaml) as typed code: labels and
 * annotations (§c.1–c.2), the istio-init / istio-validation container (§c.3), the istio-proxy
 * container (§c.4), volumes (§c.5) and image pull secrets.
 */
import { DEFAULT_PROXY_UID } from '../../config/capture.js';
import type { Container, EnvVar } from '../../k8s/pod.js';
import {
  annotationOr,
  appContainerNames,
  firstNonEmpty,
  hasAnnotation,
  interceptionModeOf,
  nativeSidecarOf,
  type PodPatch,
  type TemplateContext,
} from '../template-context.js';
import { appendMultusNetwork, excludeInboundPort } from './functions.js';
import { proxyContainerTail, sidecarVolumes } from './sidecar-proxy.js';
import { imageFor, imagePullSecrets, proxyMetadataEnv, proxyResources, statusPortText } from './common.js';

type Obj = Record<string, unknown>;

/** `service.istio.io/canonical-name` label value. */
export function canonicalName(ctx: TemplateContext, truncate: boolean): string {
  const l = ctx.objectMeta.labels ?? {};
  const name = firstNonEmpty(l['service.istio.io/canonical-name'], l['app.kubernetes.io/name'], l.app, ctx.deploymentMeta.name);
  if (!truncate) return name;
  return name.slice(0, 63).replace(/^[-_.]+|[-_.]+$/g, '');
}

export function canonicalRevision(ctx: TemplateContext): string {
  const l = ctx.objectMeta.labels ?? {};
  return firstNonEmpty(l['service.istio.io/canonical-revision'], l['app.kubernetes.io/version'], l.version, 'latest');
}

/** The gateway and grpc-agent templates' labels: canonical name (untruncated) and revision. */
export function canonicalLabels(ctx: TemplateContext): Obj {
  return {
    'service.istio.io/canonical-name': canonicalName(ctx, false),
    'service.istio.io/canonical-revision': canonicalRevision(ctx),
  };
}

/** `istio.io/rev` and the kubectl default-container annotations, as every template starts its annotations. */
export function revisionAnnotations(ctx: TemplateContext): Obj {
  return { 'istio.io/rev': ctx.revision || 'default', ...defaultContainerAnnotations(ctx) };
}

/** kubectl default-container annotations (first app container), unless already set. */
function defaultContainerAnnotations(ctx: TemplateContext): Obj {
  const out: Obj = {};
  const first = appContainerNames(ctx)[0];
  if (first === undefined) return out;
  if (!hasAnnotation(ctx.objectMeta, 'kubectl.kubernetes.io/default-logs-container')) {
    out['kubectl.kubernetes.io/default-logs-container'] = first;
  }
  if (!hasAnnotation(ctx.objectMeta, 'kubectl.kubernetes.io/default-container')) {
    out['kubectl.kubernetes.io/default-container'] = first;
  }
  return out;
}

function sidecarLabels(ctx: TemplateContext): Obj {
  const l = ctx.objectMeta.labels ?? {};
  const out: Obj = { 'security.istio.io/tlsMode': firstNonEmpty(l['security.istio.io/tlsMode'], 'istio') };
  if (ctx.proxyConfig.proxyMetadata?.ISTIO_META_ENABLE_HBONE === 'true') {
    out['networking.istio.io/tunnel'] = firstNonEmpty(l['networking.istio.io/tunnel'], 'http');
  }
  out['service.istio.io/canonical-name'] = canonicalName(ctx, true);
  out['service.istio.io/canonical-revision'] = canonicalRevision(ctx);
  return out;
}

/** Traffic settings the CNI plugin reads from the pod (only with pilot.cni.enabled). */
function cniAnnotations(ctx: TemplateContext): Obj {
  const meta = ctx.objectMeta;
  const proxy = ctx.values.global.proxy ?? {};
  const a = (name: string, fallback: unknown): string => annotationOr(meta, name, fallback);
  const out: Obj = {};
  if (ctx.values.pilot.cni?.provider === 'multus') {
    out['k8s.v1.cni.cncf.io/networks'] = appendMultusNetwork(meta.annotations?.['k8s.v1.cni.cncf.io/networks'] ?? '', 'default/istio-cni');
  }
  out['sidecar.istio.io/interceptionMode'] = interceptionModeOf(ctx);
  const include = a('traffic.sidecar.istio.io/includeOutboundIPRanges', proxy.includeIPRanges);
  if (include) out['traffic.sidecar.istio.io/includeOutboundIPRanges'] = include;
  const exclude = a('traffic.sidecar.istio.io/excludeOutboundIPRanges', proxy.excludeIPRanges);
  if (exclude) out['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = exclude;
  out['traffic.sidecar.istio.io/includeInboundPorts'] = a('traffic.sidecar.istio.io/includeInboundPorts', proxy.includeInboundPorts);
  out['traffic.sidecar.istio.io/excludeInboundPorts'] = excludeInboundPort(
    statusPortText(ctx),
    a('traffic.sidecar.istio.io/excludeInboundPorts', proxy.excludeInboundPorts),
  );
  if (hasAnnotation(meta, 'traffic.sidecar.istio.io/includeOutboundPorts') || (proxy.includeOutboundPorts ?? '') !== '') {
    out['traffic.sidecar.istio.io/includeOutboundPorts'] = a('traffic.sidecar.istio.io/includeOutboundPorts', proxy.includeOutboundPorts);
  }
  if (hasAnnotation(meta, 'traffic.sidecar.istio.io/excludeOutboundPorts') || (proxy.excludeOutboundPorts ?? '') !== '') {
    out['traffic.sidecar.istio.io/excludeOutboundPorts'] = a('traffic.sidecar.istio.io/excludeOutboundPorts', proxy.excludeOutboundPorts);
  }
  for (const k of ['traffic.sidecar.istio.io/kubevirtInterfaces', 'istio.io/reroute-virtual-interfaces', 'traffic.sidecar.istio.io/excludeInterfaces']) {
    const v = meta.annotations?.[k];
    if (v) out[k] = v;
  }
  return out;
}

/** istio-iptables arguments of the init (or validation) container, §c.3. */
export function iptablesArgs(ctx: TemplateContext): string[] {
  const meta = ctx.objectMeta;
  const g = ctx.values.global;
  const proxy = g.proxy ?? {};
  const a = (name: string, fallback: unknown): string => annotationOr(meta, name, fallback);
  const mode = interceptionModeOf(ctx);
  const uid = mode === 'TPROXY' ? DEFAULT_PROXY_UID : String(ctx.proxyUID || DEFAULT_PROXY_UID);
  const excluded = excludeInboundPort(statusPortText(ctx), a('traffic.sidecar.istio.io/excludeInboundPorts', proxy.excludeInboundPorts));
  const args = [
    'istio-iptables',
    '-p', String(ctx.meshConfig.proxyListenPort || 15001),
    '-z', String(ctx.meshConfig.proxyInboundListenPort || 15006),
    '-u', uid,
    '-m', mode,
    '-i', a('traffic.sidecar.istio.io/includeOutboundIPRanges', proxy.includeIPRanges),
    '-x', a('traffic.sidecar.istio.io/excludeOutboundIPRanges', proxy.excludeIPRanges),
    '-b', a('traffic.sidecar.istio.io/includeInboundPorts', proxy.includeInboundPorts),
    '-d', excluded ? `15090,15021,${excluded}` : '15090,15021',
  ];
  if (hasAnnotation(meta, 'traffic.sidecar.istio.io/includeOutboundPorts') || (proxy.includeOutboundPorts ?? '') !== '') {
    args.push('-q', a('traffic.sidecar.istio.io/includeOutboundPorts', proxy.includeOutboundPorts));
  }
  if (hasAnnotation(meta, 'traffic.sidecar.istio.io/excludeOutboundPorts') || (proxy.excludeOutboundPorts ?? '') !== '') {
    args.push('-o', a('traffic.sidecar.istio.io/excludeOutboundPorts', proxy.excludeOutboundPorts));
  }
  if (hasAnnotation(meta, 'istio.io/reroute-virtual-interfaces')) {
    args.push('-k', meta.annotations?.['istio.io/reroute-virtual-interfaces'] ?? '');
  } else if (hasAnnotation(meta, 'traffic.sidecar.istio.io/kubevirtInterfaces')) {
    args.push('-k', meta.annotations?.['traffic.sidecar.istio.io/kubevirtInterfaces'] ?? '');
  }
  if (hasAnnotation(meta, 'traffic.sidecar.istio.io/excludeInterfaces')) {
    args.push('-c', meta.annotations?.['traffic.sidecar.istio.io/excludeInterfaces'] ?? '');
  }
  args.push(`--log_output_level=${a('sidecar.istio.io/agentLogLevel', g.logging?.level)}`);
  if (g.logAsJson) args.push('--log_as_json');
  if (ctx.values.pilot.cni?.enabled) args.push('--run-validation', '--skip-rule-apply');
  else if (g.proxy_init?.forceApplyIptables) args.push('--force-apply');
  if (g.nativeNftables) args.push('--native-nftables');
  return args;
}

function initContainer(ctx: TemplateContext): Container {
  const g = ctx.values.global;
  const cni = ctx.values.pilot.cni?.enabled === true;
  const tproxy = interceptionModeOf(ctx) === 'TPROXY';
  const privileged = g.proxy?.privileged ?? false;
  const c: Obj = {
    name: cni ? 'istio-validation' : 'istio-init',
    image: imageFor(ctx, g.proxy_init?.image, ctx.proxyInitImage),
    args: iptablesArgs(ctx),
  };
  if (g.imagePullPolicy) c.imagePullPolicy = g.imagePullPolicy;
  const env: EnvVar[] = proxyMetadataEnv(ctx);
  if (env.length > 0) c.env = env;
  c.resources = proxyResources(ctx);
  const sc: Obj = {
    allowPrivilegeEscalation: privileged,
    privileged,
    capabilities: cni ? { drop: ['ALL'] } : { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
  };
  if (!cni) Object.assign(sc, { readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 });
  else {
    Object.assign(sc, {
      readOnlyRootFilesystem: true,
      runAsGroup: tproxy ? 1337 : ctx.proxyGID || 1337,
      runAsUser: tproxy ? 1337 : ctx.proxyUID || 1337,
      runAsNonRoot: true,
    });
  }
  const seccomp = g.proxy?.seccompProfile;
  if (seccomp && Object.keys(seccomp).length > 0) sc.seccompProfile = seccomp;
  c.securityContext = sc;
  return c as unknown as Container;
}

/** The `sidecar` template. */
export function sidecarTemplate(ctx: TemplateContext): PodPatch {
  const native = nativeSidecarOf(ctx.objectMeta, ctx.nativeSidecars);
  const mode = interceptionModeOf(ctx);
  const annotations = revisionAnnotations(ctx);
  if (ctx.values.pilot.cni?.enabled) Object.assign(annotations, cniAnnotations(ctx));

  const g = ctx.values.global;
  const proxy: Container = {
    name: 'istio-proxy',
    image: imageFor(ctx, g.proxy?.image, ctx.proxyImage),
    ...(native ? { restartPolicy: 'Always' } : {}),
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    ...proxyContainerTail(ctx, native),
  };
  const spec: Obj = {};
  if (mode === 'NONE' && !native) {
    spec.initContainers = [];
    spec.containers = [proxy];
  } else {
    const inits: Container[] = mode !== 'NONE' ? [initContainer(ctx)] : [];
    if (native) inits.push(proxy);
    else spec.containers = [proxy];
    spec.initContainers = inits;
  }
  spec.volumes = sidecarVolumes(ctx);
  const secrets = imagePullSecrets(ctx);
  if (secrets) spec.imagePullSecrets = secrets;
  return { metadata: { labels: sidecarLabels(ctx), annotations }, spec };
}

