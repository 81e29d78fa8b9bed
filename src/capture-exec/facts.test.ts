import { describe, expect, it } from 'vitest';
import { detectBackend, iptablesBinaries, type DetectionEnv } from './backend.js';
import { detectIpv6, proxyUidFromPasswd, resolvConfServers } from './facts.js';

describe('proxyUidFromPasswd', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\nistio-proxy:x:1337:1337::/home:/bin/false\nenvoy:x:101:101::/:/bin/false\n';
  it.each([
    ['istio-proxy', '1337'],
    ['envoy', '101'],
    ['nobody-here', '1337'],
  ])('%s -> %s', (user, uid) => {
    expect(proxyUidFromPasswd(passwd, user)).toBe(uid);
  });
  it('falls back to 1337 without a passwd file', () => {
    expect(proxyUidFromPasswd(undefined, 'istio-proxy')).toBe('1337');
  });
});

describe('detectIpv6', () => {
  const lo = [{ address: '127.0.0.1', family: 'IPv4' }, { address: '::1', family: 'IPv6' }];
  it.each<[string, Record<string, { address: string; family: string }[]>, boolean, boolean]>([
    ['IPv4 pod', { lo, eth0: [{ address: '10.1.1.1', family: 'IPv4' }] }, false, false],
    ['IPv6 pod (link-local skipped)', { lo, eth0: [{ address: 'fe80::1', family: 'IPv6' }, { address: 'fd00::5', family: 'IPv6' }] }, false, true],
    ['dual-stack pod, IPv4 first, without --dual-stack', { eth0: [{ address: '10.1.1.1', family: 'IPv4' }, { address: 'fd00::5', family: 'IPv6' }] }, false, false],
    ['dual-stack pod with --dual-stack', { eth0: [{ address: '10.1.1.1', family: 'IPv4' }, { address: 'fd00::5', family: 'IPv6' }] }, true, true],
    ['IPv4 link-local only', { eth0: [{ address: '169.254.1.1', family: 'IPv4' }] }, false, false],
    ['only loopback', { lo }, false, false],
  ])('%s', (_name, interfaces, dualStack, want) => {
    expect(detectIpv6(interfaces, dualStack)).toBe(want);
  });
});

describe('resolvConfServers', () => {
  it('reads nameserver lines verbatim', () => {
    expect(resolvConfServers('search svc.cluster.local\nnameserver 10.96.0.10\n  nameserver ::127.0.0.53 \n# nameserver 1.1.1.1\noptions ndots:5\n')).toEqual(['10.96.0.10', '::127.0.0.53']);
  });
});

describe('detectBackend', () => {
  const env = (binaries: string[], legacyTables: ('v4' | 'v6')[] = []): DetectionEnv => ({
    hasBinary: (n) => binaries.includes(n),
    legacyHasTables: async (f) => legacyTables.includes(f),
  });
  const all = ['iptables-legacy-restore', 'ip6tables-legacy-restore', 'iptables-nft-restore', 'ip6tables-nft-restore', 'iptables-restore'];

  it.each<[string, DetectionEnv, 'legacy' | 'nft' | undefined, string, string]>([
    ['nft when legacy holds nothing', env(all), undefined, 'iptables-nft-restore', 'ip6tables-nft-restore'],
    ['legacy per family when it already holds tables', env(all, ['v4']), undefined, 'iptables-legacy-restore', 'ip6tables-nft-restore'],
    ['plain iptables when neither variant is installed', env(['iptables-restore']), undefined, 'iptables-restore', 'ip6tables-restore'],
    ['--force-iptables-binary wins', env(all, ['v4', 'v6']), 'nft', 'iptables-nft-restore', 'ip6tables-nft-restore'],
  ])('%s', async (_name, e, force, v4, v6) => {
    const b = await detectBackend({ nativeNftables: false, force }, e);
    expect(b.kind === 'iptables' && [b.v4.restore, b.v6.restore]).toEqual([v4, v6]);
  });

  it('native nftables needs no detection', async () => {
    expect(await detectBackend({ nativeNftables: true }, env([]))).toEqual({ kind: 'nft' });
  });

  it('legacy restore takes the xtables lock like Istio', () => {
    expect(iptablesBinaries('legacy', 'v6')).toEqual({ variant: 'legacy', save: 'ip6tables-legacy-save', restore: 'ip6tables-legacy-restore', restoreArgs: ['--wait=30'] });
  });
});
