/**
 * Whether IPv6 rules are programmed for a pod, decided the way istio-iptables decides inside the
 * pod's netns (reference §f.1 "Derived at runtime"): IPv6 is on when the first address that is
 * neither loopback nor link-local is IPv6; with dual stack, when any such address is IPv6. The
 * pod's addresses come from the previous plugin's result, so no process has to look.
 */

interface ResultIp {
  readonly address?: unknown;
  readonly interface?: unknown;
}

function addressOf(ip: ResultIp): string | undefined {
  return typeof ip.address === 'string' ? (ip.address.split('/')[0] ?? '') : undefined;
}

function usable(addr: string): boolean {
  const a = addr.toLowerCase();
  if (a.includes(':')) return a !== '::1' && !/^fe[89ab][0-9a-f]?:/.test(a);
  return !a.startsWith('127.') && !a.startsWith('169.254.');
}

/** The pod-side addresses of a CNI result, in result order (host-side interfaces skipped). */
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

/** IPv6 on/off from addresses; undefined when none is usable (the caller must look itself). */
export function ipv6FromAddresses(addresses: readonly string[], dualStack: boolean): boolean | undefined {
  const candidates = addresses.filter(usable);
  if (candidates.length === 0) return undefined;
  return dualStack ? candidates.some((a) => a.includes(':')) : (candidates[0] as string).includes(':');
}
