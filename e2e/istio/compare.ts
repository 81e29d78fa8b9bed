/**
 * Field-by-field comparison of stored Pods: one injected by istiod, its twin by sidecar-kit
 * (same workload, other namespace). What differs by nature is removed first — the names the API
 * server and the controllers generate (pod name suffix, uids, the service-account token volume's
 * name, a CronJob's schedule-stamped Job name), the namespace, timestamps, managedFields,
 * resourceVersion, status, and the injectors' revision names — and what remains is compared
 * path by path. Pure functions; the suite feeds them `kubectl get -o json` output.
 */

export interface Difference {
  /** JSON path (`spec.initContainers[name=istio-proxy].env[name=CA_ADDR].value`). */
  readonly path: string;
  readonly istiod: unknown;
  readonly ours: unknown;
}

export interface Twin {
  /** The workload key both pods share (see podKey). */
  readonly key: string;
  readonly differences: readonly Difference[];
}

export interface PodLike {
  metadata: { name?: string; generateName?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec?: unknown;
  status?: unknown;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** A CronJob's Jobs are named `<cronjob>-<minutes since the epoch>`. */
const CRON_SUFFIX = /^(.*)-\d{8,}(-?)$/;

/** What pairs twins across the namespaces: the generated-name stem or the name, without schedule stamps or random suffixes. */
export function podKey(pod: PodLike): string {
  const m = pod.metadata;
  const owner = m.ownerReferences?.[0];
  if (owner?.kind === 'Job') {
    const cron = CRON_SUFFIX.exec(owner.name);
    return `Job/${cron ? `${cron[1]}-<scheduled>` : owner.name}`;
  }
  if (owner?.kind === 'ReplicaSet' || owner?.kind === 'DaemonSet') return `${owner.kind}/${owner.name}`;
  return `${owner?.kind ?? 'Pod'}/${m.name ?? m.generateName ?? '?'}`;
}

export interface NormalizeContext {
  readonly namespace: string;
  /** The injector's revision, written into the pod's `istio.io/rev` label and annotation and its status annotation. */
  readonly revision: string;
  /**
   * The image of the injector's `istio-init` / `istio-validation` (by design ours is sidecar-kit's
   * init image, running our capture code, where istiod's is the proxy image): replaced by
   * `<init-image>`.
   */
  readonly initImage?: string;
}

/** The pod with what differs by nature removed or replaced by placeholders. */
export function normalizePod(pod: PodLike, ctx: NormalizeContext): unknown {
  const p = structuredClone(pod) as PodLike & { status?: unknown; spec?: { volumes?: { name: string }[]; hostname?: string } };
  delete p.status;
  const m = p.metadata as Record<string, unknown> & PodLike['metadata'];
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) delete m[k];
  const podName = m.name ?? '';
  let text = JSON.stringify(p);
  // names generated per namespace
  const replacements: [string | RegExp, string][] = [
    [UUID, '<uid>'],
    [/kube-api-access-[a-z0-9]{5}/g, 'kube-api-access-<generated>'],
  ];
  // the generated pod name first: it contains a CronJob's schedule stamp
  if (m.generateName && podName.startsWith(m.generateName)) replacements.push([new RegExp(`"${escape(podName)}"`, 'g'), '"<pod>"']);
  const cron = m.ownerReferences?.[0]?.kind === 'Job' ? CRON_SUFFIX.exec(m.ownerReferences[0].name) : null;
  if (cron?.[1]) replacements.push([new RegExp(`${escape(cron[1])}-\\d{8,}`, 'g'), `${cron[1]}-<scheduled>`]);
  // the namespace inside API paths (ISTIO_META_OWNER, selfLinks)
  replacements.push([new RegExp(`/namespaces/${escape(ctx.namespace)}/`, 'g'), '/namespaces/<namespace>/']);
  for (const [re, to] of replacements) text = text.replace(re, to);
  const out = JSON.parse(text) as typeof p;
  const om = out.metadata as PodLike['metadata'] & Record<string, unknown>;
  delete om.namespace;
  // the namespace's name wherever it is a whole value
  replaceValues(out, ctx.namespace, '<namespace>');
  if (om.labels?.['istio.io/rev'] === ctx.revision) om.labels['istio.io/rev'] = '<revision>';
  if (om.annotations?.['istio.io/rev'] === ctx.revision) om.annotations['istio.io/rev'] = '<revision>';
  const spec = out.spec as { initContainers?: { name: string; image?: string }[] } | undefined;
  for (const c of spec?.initContainers ?? []) if ((c.name === 'istio-init' || c.name === 'istio-validation') && ctx.initImage !== undefined && c.image === ctx.initImage) c.image = '<init-image>';
  const status = om.annotations?.['sidecar.istio.io/status'];
  if (status && om.annotations) {
    try {
      const s = JSON.parse(status) as Record<string, unknown>;
      if (s.revision === ctx.revision) s.revision = '<revision>';
      om.annotations['sidecar.istio.io/status'] = JSON.stringify(s);
    } catch {
      // compared as it is
    }
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function replaceValues(v: unknown, from: string, to: string): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (x === from) v[i] = to;
      else replaceValues(x, from, to);
    });
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (x === from) (v as Record<string, unknown>)[k] = to;
      else replaceValues(x, from, to);
    }
  }
}

/** A stable name for an array element: its `name` (containers, env, volumes, ports), else its index. */
function elementKey(x: unknown, i: number): string {
  if (x && typeof x === 'object' && 'name' in x && typeof (x as { name: unknown }).name === 'string') return `name=${(x as { name: string }).name}`;
  return String(i);
}

/**
 * Every difference between two JSON values, by path. Arrays whose elements all have names are
 * compared by name (and their order separately, as `<path>#order`); others by index.
 */
export function diff(a: unknown, b: unknown, path = ''): Difference[] {
  if (Object.is(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = [...a, ...b].every((x) => x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string');
    if (!named) {
      const out: Difference[] = [];
      for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diff(a[i], b[i], `${path}[${i}]`));
      return out;
    }
    const ka = a.map(elementKey);
    const kb = b.map(elementKey);
    const out: Difference[] = [];
    for (const k of new Set([...ka, ...kb])) out.push(...diff(a[ka.indexOf(k)], b[kb.indexOf(k)], `${path}[${k}]`));
    const common = ka.filter((k) => kb.includes(k));
    const commonB = kb.filter((k) => ka.includes(k));
    if (JSON.stringify(common) !== JSON.stringify(commonB)) out.push({ path: `${path}#order`, istiod: common, ours: commonB });
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Difference[] = [];
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) out.push(...diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
    return out;
  }
  // strings holding JSON (status annotation, PROXY_CONFIG, ISTIO_KUBE_APP_PROBERS …): compare parsed
  if (typeof a === 'string' && typeof b === 'string' && /^[[{]/.test(a) && /^[[{]/.test(b)) {
    try {
      return diff(JSON.parse(a), JSON.parse(b), `${path}<json>`);
    } catch {
      // not JSON after all
    }
  }
  return [{ path, istiod: a, ours: b }];
}

/**
 * Pairs the pods of the two namespaces by podKey and compares each pair. Pods without a twin are
 * reported as a difference of `<pod>` presence.
 */
export function compareTwins(istiodPods: readonly PodLike[], ourPods: readonly PodLike[], ctx: { istiod: NormalizeContext; ours: NormalizeContext }): Twin[] {
  const byKey = (pods: readonly PodLike[]) => new Map(pods.map((p) => [podKey(p), p]));
  const a = byKey(istiodPods);
  const b = byKey(ourPods);
  const out: Twin[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const pa = a.get(key);
    const pb = b.get(key);
    if (!pa || !pb) {
      out.push({ key, differences: [{ path: '<pod>', istiod: pa ? 'present' : 'missing', ours: pb ? 'present' : 'missing' }] });
      continue;
    }
    out.push({ key, differences: diff(normalizePod(pa, ctx.istiod), normalizePod(pb, ctx.ours)) });
  }
  return out;
}

/** One line per difference, for the report. */
export function describeDifference(key: string, d: Difference): string {
  const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
  return `${key}: ${d.path}: istiod=${show(d.istiod)} sidecar-kit=${show(d.ours)}`;
}
