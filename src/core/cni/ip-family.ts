/**
 * The pod's addresses as the previous plugin reported them. istio-iptables decides IPv6 from
 * the addresses inside the pod's netns (reference §f.1 "Derived at runtime"); the chained
 * plugin has them in `prevResult`, so no process has to look.
 */

interface ResultIp {
  readonly address?: unknown;
  readonly interface?: unknown;
}

function addressOf(ip: ResultIp): string | undefined {
  return typeof ip.address === 'string' ? (ip.address.split('/')[0] ?? '') : undefined;
}

/**
 * The pod-side addresses of a CNI result, in result order (addresses on host-side interfaces,
 * those without a `sandbox`, are skipped).
 */
export function podAddresses(result: Record<string, unknown> | undefined): string[] {
  const ips = Array.isArray(result?.ips) ? (result.ips as ResultIp[]) : [];
  const interfaces = Array.isArray(result?.interfaces) ? (result.interfaces as { sandbox?: unknown }[]) : [];
  return ips
    .filter((ip) => {
      if (typeof ip.interface !== 'number') return true;
      const sandbox = interfaces[ip.interface]?.sandbox;
      return typeof sandbox === 'string' && sandbox !== '';
    })
    .map(addressOf)
    .filter((a): a is string => a !== undefined && a !== '');
}
