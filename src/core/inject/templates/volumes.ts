/**
 * Volume mounts and volumes of the built-in templates (§c.5). Istio's templates repeat the same
 * blocks with small differences — the gateway has no CRL mount/volume and writes `emptyDir: {}`
 * where the sidecar writes `emptyDir:` (null); grpc-agent has no credential socket and an
 * `istio-xds` volume where the others have `istio-envoy` — so each block lives here once and the
 * differences are spelled out in `VOLUME_LAYOUTS`.
 *
 * Pieces that depend on nothing or on a few settings strings are deep-frozen and shared (see
 * constantPiece).
 */
import { deepFreeze } from '../../config/merge.js';
import { annotationOr, goString, type TemplateContext } from '../template-context.js';
import { bootstrapOverrideSet, constantPiece, jsonMapAnnotation } from './common.js';

type Obj = Record<string, unknown>;

const mount = (name: string, mountPath: string, readOnly?: true): Obj => deepFreeze({ name, mountPath, ...(readOnly ? { readOnly } : {}) });

/** Volume mounts that are the same for every pod. */
export const MOUNTS = {
  workloadSocket: mount('workload-socket', '/var/run/secrets/workload-spiffe-uds'),
  credentialSocket: mount('credential-socket', '/var/run/secrets/credential-uds'),
  gkeCertificate: mount('gke-workload-certificate', '/var/run/secrets/workload-spiffe-credentials', true),
  workloadCerts: mount('workload-certs', '/var/run/secrets/workload-spiffe-credentials'),
  istiodCa: mount('istiod-ca-cert', '/var/run/secrets/istio'),
  caCrl: mount('istio-ca-crl', '/var/run/secrets/istio/crl'),
  data: mount('istio-data', '/var/lib/istio/data'),
  bootstrap: mount('custom-bootstrap-volume', '/etc/istio/custom-bootstrap'),
  envoy: mount('istio-envoy', '/etc/istio/proxy'),
  xds: mount('istio-xds', '/etc/istio/proxy'),
  token: mount('istio-token', '/var/run/secrets/tokens'),
  certs: mount('istio-certs', '/etc/certs/', true),
  podInfo: mount('istio-podinfo', '/etc/istio/pod'),
} as const;

const isGke = (ctx: TemplateContext): boolean => ctx.values.global.caName === 'GkeWorkloadCertificate';

/** The workload certificate mount: GKE's CSI certificate, else the workload-certs directory. */
export function workloadCertsMount(ctx: TemplateContext): Obj {
  return isGke(ctx) ? MOUNTS.gkeCertificate : MOUNTS.workloadCerts;
}

/** istio-proxy's mounts in the sidecar and gateway templates (`caCrl`: the sidecar's CRL mount). */
export function proxyMounts(ctx: TemplateContext, caCrl: boolean): Obj[] {
  const g = ctx.values.global;
  const mounts: Obj[] = [MOUNTS.workloadSocket, MOUNTS.credentialSocket, workloadCertsMount(ctx)];
  if (g.pilotCertProvider === 'istiod') {
    mounts.push(MOUNTS.istiodCa);
    if (caCrl) mounts.push(MOUNTS.caCrl);
  }
  mounts.push(MOUNTS.data);
  if (bootstrapOverrideSet(ctx)) mounts.push(MOUNTS.bootstrap);
  mounts.push(MOUNTS.envoy, MOUNTS.token);
  if (g.mountMtlsCerts) mounts.push(MOUNTS.certs);
  mounts.push(MOUNTS.podInfo);
  return mounts;
}

/** Mounts from the `sidecar.istio.io/userVolumeMount` annotation, sorted by name. */
export function userVolumeMounts(ctx: TemplateContext): Obj[] {
  return jsonMapAnnotation(ctx, 'sidecar.istio.io/userVolumeMount').map(([name, v]) => ({ name, ...v }));
}

/** Volumes from the `sidecar.istio.io/userVolume` annotation, sorted by name. */
export function userVolumes(ctx: TemplateContext): Obj[] {
  return jsonMapAnnotation(ctx, 'sidecar.istio.io/userVolume').map(([name, v]) => ({ name, ...v }));
}

/** How a template writes the volumes that differ between Istio's templates. */
export interface VolumeLayout {
  /** workload-socket (and credential-socket) emptyDir volumes. */
  readonly sockets: readonly Obj[];
  /** The workload-certs emptyDir volume (when the CA is not GKE's). */
  readonly workloadCerts: Obj;
  /** The in-memory volume for the agent's files at /etc/istio/proxy. */
  readonly proxyDir: Obj;
}

// `emptyDir: null` as in Istio's templates (`emptyDir:` with no value): the merge deletes a
// user volume's emptyDir of the same name.
const emptyDir = (name: string, dir: null | Obj): Obj => deepFreeze({ name, emptyDir: dir });
const memoryDir = (name: string): Obj => emptyDir(name, { medium: 'Memory' });

export const VOLUME_LAYOUTS = {
  sidecar: {
    sockets: deepFreeze([emptyDir('workload-socket', null), emptyDir('credential-socket', null)]),
    workloadCerts: emptyDir('workload-certs', null),
    proxyDir: memoryDir('istio-envoy'),
  },
  gateway: {
    sockets: deepFreeze([emptyDir('workload-socket', null), emptyDir('credential-socket', {})]),
    workloadCerts: emptyDir('workload-certs', {}),
    proxyDir: memoryDir('istio-envoy'),
  },
  grpcAgent: {
    sockets: deepFreeze([emptyDir('workload-socket', null)]),
    workloadCerts: emptyDir('workload-certs', null),
    proxyDir: memoryDir('istio-xds'),
  },
} as const satisfies Record<string, VolumeLayout>;

const GKE_CERT_VOLUME: Obj = deepFreeze({ name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } });
const DATA_VOLUME: Obj = emptyDir('istio-data', {});

/**
 * The volumes every proxy template starts with, in template order: sockets, workload certs,
 * custom bootstrap, the agent's directory, data, pod info, token and the istiod CA.
 */
export function proxyVolumes(ctx: TemplateContext, layout: VolumeLayout): Obj[] {
  const vols: Obj[] = [...layout.sockets, isGke(ctx) ? GKE_CERT_VOLUME : layout.workloadCerts];
  if (bootstrapOverrideSet(ctx)) vols.push(bootstrapVolume(ctx));
  vols.push(layout.proxyDir, DATA_VOLUME, podInfoVolume, tokenVolume(ctx));
  if (ctx.values.global.pilotCertProvider === 'istiod') vols.push(istiodCaVolume(ctx));
  return vols;
}

/** The istiod CA root cert volume: configMap, or a ClusterTrustBundle projection when enabled. */
export function istiodCaVolume(ctx: TemplateContext): Obj {
  const trustBundle = ctx.values.global.trustBundleName;
  if (ctx.values.pilot.env?.ENABLE_CLUSTER_TRUST_BUNDLE_API === true) {
    const name = `istio.io:istiod-ca:${trustBundle || 'root-cert'}`;
    return constantPiece(`istiodCaVolume\0ctb\0${name}`, () => ({
      name: 'istiod-ca-cert',
      projected: { sources: [{ clusterTrustBundle: { name, path: 'root-cert.pem' } }] },
    }));
  }
  const name = trustBundle || 'istio-ca-root-cert';
  return constantPiece(`istiodCaVolume\0cm\0${name}`, () => ({ name: 'istiod-ca-cert', configMap: { name } }));
}

/** The sidecar's CRL volume (an optional configMap). */
export function caCrlVolume(ctx: TemplateContext): Obj {
  const crl = ctx.values.pilot.crlConfigMapName || 'istio-ca-crl';
  return constantPiece(`crlVolume\0${crl}`, () => ({ name: 'istio-ca-crl', configMap: { name: crl, optional: true } }));
}

export const podInfoVolume: Obj = deepFreeze({
  name: 'istio-podinfo',
  downwardAPI: {
    items: [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
    ],
  },
});

export function tokenVolume(ctx: TemplateContext): Obj {
  const audience = goString(ctx.values.global.sds?.token?.aud);
  return constantPiece(`tokenVolume\0${audience}`, () => ({
    name: 'istio-token',
    projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience } }] },
  }));
}

/** The istio-certs secret volume (values.global.mountMtlsCerts), none when the setting is off. */
export function mtlsCertsVolumes(ctx: TemplateContext): Obj[] {
  if (!ctx.values.global.mountMtlsCerts) return [];
  const sa = ctx.spec.serviceAccountName ?? '';
  return [{ name: 'istio-certs', secret: { optional: true, secretName: sa === '' ? 'istio.default' : `istio.${sa}` } }];
}

export function bootstrapVolume(ctx: TemplateContext): Obj {
  return { name: 'custom-bootstrap-volume', configMap: { name: annotationOr(ctx.objectMeta, 'sidecar.istio.io/bootstrapOverride', '') } };
}
