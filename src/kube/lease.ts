/**
 * A coordination.k8s.io/v1 Lease held by one replica at a time (client-go's leader election,
 * reduced to what a periodic task needs): at each pass a replica takes the Lease when it is
 * absent, expired (renewTime + leaseDurationSeconds in the past) or already its own, and renews
 * it; writes carry the resourceVersion read, so two replicas racing for it cannot both win (the
 * API server answers 409 to the loser). Needs get, create and patch on leases in its namespace.
 */
import { KubeApiError, type KubeJson } from './json-client.js';

interface LeaseJson {
  readonly metadata: { readonly resourceVersion?: string };
  readonly spec?: { readonly holderIdentity?: string; readonly leaseDurationSeconds?: number; readonly renewTime?: string };
}

/** RFC 3339 with microseconds (metav1.MicroTime). */
const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export async function holdLease(api: KubeJson, o: { namespace: string; name: string; identity: string; durationSeconds: number; now: Date }): Promise<boolean> {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases`;
  const spec = { holderIdentity: o.identity, leaseDurationSeconds: o.durationSeconds, renewTime: micro(o.now) };
  let lease: LeaseJson;
  try {
    lease = await api.get<LeaseJson>(`${base}/${encodeURIComponent(o.name)}`);
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.status !== 404) throw err;
    try {
      await api.post(base, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: o.name }, spec: { ...spec, acquireTime: micro(o.now) } });
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 409) return false;
      throw e;
    }
  }
  const holder = lease.spec?.holderIdentity ?? '';
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const expired = !Number.isFinite(renewed) || o.now.getTime() - renewed > (lease.spec?.leaseDurationSeconds ?? o.durationSeconds) * 1000;
  if (holder !== '' && holder !== o.identity && !expired) return false;
  try {
    await api.patch(`${base}/${encodeURIComponent(o.name)}`, { metadata: { resourceVersion: lease.metadata.resourceVersion }, spec: holder === o.identity ? spec : { ...spec, acquireTime: micro(o.now) } });
    return true;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 409) return false;
    throw e;
  }
}
