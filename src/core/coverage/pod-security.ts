/**
 * The container-level rules of the Kubernetes Pod Security Standards (baseline and restricted,
 * as the PodSecurity admission plugin checks them in its `latest` version) applied to the
 * containers and volumes that injection adds to a pod. Preflight injects a sample pod that passes
 * `restricted` by itself and judges what injection added with these rules, so a namespace's
 * enforced level can be compared with what the injector would add before any pod is refused.
 *
 * Fields a container leaves unset that the pod's own securityContext may set (runAsNonRoot,
 * seccompProfile) are judged with the pod's value, as the admission plugin does.
 */
import type { Pod } from '../k8s/pod.js';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** Capabilities `baseline` allows a container to add (Pod Security Standards, "Capabilities"). */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Volume types `restricted` allows. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

export interface Violation {
  /** The lowest level the finding breaks (it breaks every stricter level too). */
  readonly level: 'baseline' | 'restricted';
  /** `container istio-init`, `volume istio-data`. */
  readonly subject: string;
  readonly rule: string;
  readonly detail: string;
}

interface SecurityContextView {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly procMount?: string;
}

interface ContainerView {
  readonly name: string;
  readonly securityContext?: SecurityContextView;
  readonly ports?: readonly { readonly hostPort?: number }[];
}

const seccompOk = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';

/** The violations of `containers` (with the pod-level context they inherit from). */
export function containerViolations(containers: readonly ContainerView[], pod: SecurityContextView = {}): Violation[] {
  const out: Violation[] = [];
  for (const c of containers) {
    const subject = `container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) out.push({ level: 'baseline', subject, rule: 'privileged', detail: 'privileged: true' });
    const add = sc.capabilities?.add ?? [];
    const beyondBaseline = add.filter((a) => !BASELINE_CAPABILITIES.includes(a));
    if (beyondBaseline.length > 0) out.push({ level: 'baseline', subject, rule: 'capabilities', detail: `adds ${beyondBaseline.join(', ')}` });
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push({ level: 'baseline', subject, rule: 'procMount', detail: `procMount: ${sc.procMount}` });
    const host = (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0).map((p) => String(p.hostPort));
    if (host.length > 0) out.push({ level: 'baseline', subject, rule: 'hostPorts', detail: `hostPort ${host.join(', ')}` });
    const beyondRestricted = add.filter((a) => a !== 'NET_BIND_SERVICE' && BASELINE_CAPABILITIES.includes(a));
    if (beyondRestricted.length > 0) out.push({ level: 'restricted', subject, rule: 'capabilities', detail: `adds ${beyondRestricted.join(', ')} (only NET_BIND_SERVICE may be added)` });
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push({ level: 'restricted', subject, rule: 'capabilities', detail: 'does not drop ALL' });
    if (sc.allowPrivilegeEscalation !== false) out.push({ level: 'restricted', subject, rule: 'allowPrivilegeEscalation', detail: 'allowPrivilegeEscalation is not false' });
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    const uid = sc.runAsUser ?? pod.runAsUser;
    if (sc.runAsNonRoot === false) out.push({ level: 'restricted', subject, rule: 'runAsNonRoot', detail: 'runAsNonRoot: false' });
    else if (nonRoot !== true) out.push({ level: 'restricted', subject, rule: 'runAsNonRoot', detail: 'runAsNonRoot is not true' });
    if (uid === 0) out.push({ level: 'restricted', subject, rule: 'runAsUser', detail: 'runAsUser: 0' });
    if (!seccompOk(sc.seccompProfile?.type ?? pod.seccompProfile?.type)) out.push({ level: 'restricted', subject, rule: 'seccompProfile', detail: 'no RuntimeDefault or Localhost seccomp profile' });
  }
  return out;
}

/** What injection added to `sample` (containers and volumes by name) judged against the standards. */
export function injectionViolations(sample: Pod, injected: Pod): Violation[] {
  const names = (p: Pod) => new Set([...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => c.name));
  const before = names(sample);
  const spec = injected.spec;
  const added = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].filter((c) => !before.has(c.name)) as unknown as ContainerView[];
  const podContext = (spec?.securityContext ?? {}) as SecurityContextView;
  const out = containerViolations(added, podContext);
  const volumesBefore = new Set((sample.spec?.volumes ?? []).map((v) => v.name));
  for (const v of (spec?.volumes ?? []) as unknown as Record<string, unknown>[]) {
    const name = String(v.name ?? '');
    if (volumesBefore.has(name)) continue;
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type === 'hostPath') out.push({ level: 'baseline', subject: `volume ${name}`, rule: 'hostPath', detail: 'hostPath volume' });
    else if (type !== undefined && !RESTRICTED_VOLUMES.includes(type)) out.push({ level: 'restricted', subject: `volume ${name}`, rule: 'volumeTypes', detail: `${type} volume` });
  }
  return out;
}

/** The violations that break `level` (baseline ones break restricted too). */
export function violationsAt(violations: readonly Violation[], level: PodSecurityLevel): Violation[] {
  if (level === 'privileged') return [];
  if (level === 'baseline') return violations.filter((v) => v.level === 'baseline');
  return [...violations];
}

/** The strictest level every violation allows. */
export function highestPassingLevel(violations: readonly Violation[]): PodSecurityLevel {
  if (violations.some((v) => v.level === 'baseline')) return 'privileged';
  if (violations.length > 0) return 'baseline';
  return 'restricted';
}

/**
 * A pod that passes `restricted` by itself, standing for an application pod: what injection
 * adds to it is what a namespace's level must allow.
 */
export function restrictedSamplePod(namespace: string, name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name, 'app.kubernetes.io/managed-by': 'sidecar-kit-preflight' } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  } as Pod;
}
