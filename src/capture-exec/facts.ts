/**
 * Facts istio-iptables reads from the machine when the command line does not give them,
 * computed from injected inputs so they are testable: the proxy uid from /etc/passwd, whether
 * IPv6 rules are needed from the interface addresses, DNS resolvers from /etc/resolv.conf.
 */
import { DEFAULT_PROXY_UID } from '../core/config/capture.js';
import { parseAddr, isLoopback } from '../core/format/net.js';

/** The uid of `user` in passwd-format text, else 1337. */
export function proxyUidFromPasswd(passwd: string | undefined, user: string): string {
  for (const line of (passwd ?? '').split('\n')) {
    const [name, , uid] = line.split(':');
    if (name === user && uid !== undefined && /^[0-9]+$/.test(uid)) return uid;
  }
  return DEFAULT_PROXY_UID;
}

export interface InterfaceAddress {
  readonly address: string;
  readonly family: string | number;
}

/**
 * Istio's IPv6 decision: the first non-loopback, non-link-local address is IPv6; with
 * dual-stack, any such address is IPv6. `interfaces` is `os.networkInterfaces()` (interface
 * order as the kernel lists them).
 */
export function detectIpv6(interfaces: Readonly<Record<string, readonly InterfaceAddress[] | undefined>>, dualStack: boolean): boolean {
  for (const list of Object.values(interfaces)) {
    for (const entry of list ?? []) {
      const addr = parseAddr(entry.address.split('%')[0] ?? '');
      if (!addr || isLoopback(addr)) continue;
      const b = addr.bytes;
      const linkLocal = addr.family === 'v4' ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
      if (linkLocal) continue;
      if (!dualStack || addr.family === 'v6') return addr.family === 'v6';
    }
  }
  return false;
}

/** `nameserver` entries of resolv.conf text, verbatim. */
export function resolvConfServers(text: string | undefined): string[] {
  const out: string[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1]) out.push(m[1]);
  }
  return out;
}
