/**
 * The rule lifecycle against a real kernel (the netns counterparts of Istio's
 * run_linux_test.go): reruns, reconcile, cleanup, rollback of a failed apply, backend
 * detection, --run-validation, and a matrix of flag combinations no golden covers, each
 * applied, re-applied and removed with every backend. One fresh network namespace per test.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, SIDECAR_ARGS, Topology, istioTrace, skipReason } from './harness.js';

const reason = skipReason();
const title = (name: string): string => (reason ? `${name} (skipped: ${reason})` : name);

/** Runs `fn` with a fresh namespace pair, always removed afterwards. */
function withNetns<T>(fn: (t: Topology) => T, opts: { peer?: boolean } = {}): T {
  const t = new Topology(opts);
  try {
    return fn(t);
  } finally {
    t.destroy();
  }
}

/** The rules a fresh namespace has after one run with `args`. */
function freshRules(args: readonly string[]): string {
  return withNetns((t) => {
    const r = t.cli(args);
    expect(r.code, r.stderr).toBe(0);
    return t.rules();
  }, { peer: false });
}

const TPROXY_ARGS = SIDECAR_ARGS.map((a) => (a === 'REDIRECT' ? 'TPROXY' : a));
const OTHER_ARGS = SIDECAR_ARGS.map((a) => (a === '15090,15021,15020' ? '15090,15021' : a));

describe.skipIf(reason)(title('capture lifecycle in a real network namespace'), () => {
  describe.each(BACKENDS)('$name', (backend) => {
    const args = (base: readonly string[], ...extra: string[]): string[] => [...base, ...backend.args, '--ipv6', 'true', ...extra];

    it('a rerun with the same flags succeeds and changes nothing', () =>
      withNetns((t) => {
        expect(t.cli(args(SIDECAR_ARGS)).code).toBe(0);
        const before = t.dump();
        const again = t.cli(args(SIDECAR_ARGS));
        expect(again.code, again.stderr).toBe(0);
        expect(t.dump()).toBe(before);
      }, { peer: false }));

    it.skipIf(backend.nft)('different flags fail without --reconcile and leave the rules alone', () =>
      withNetns((t) => {
        expect(t.cli(args(SIDECAR_ARGS)).code).toBe(0);
        const before = t.dump();
        const r = t.cli(args(OTHER_ARGS));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/--reconcile/);
        expect(t.dump()).toBe(before);
      }, { peer: false }));

    // Native nftables owns whole tables: every run deletes and re-creates them (docs/capture.md,
    // "rerunning Istio's exact transaction misorders TPROXY's inserted rules"), so new flags
    // replace the old rules even without --reconcile.
    it.runIf(backend.nft)('native nft: different flags replace the tables even without --reconcile', () => {
      const want = freshRules(args(OTHER_ARGS));
      withNetns((t) => {
        expect(t.cli(args(SIDECAR_ARGS)).code).toBe(0);
        const r = t.cli(args(OTHER_ARGS));
        expect(r.code, r.stderr).toBe(0);
        expect(t.rules()).toBe(want);
      }, { peer: false });
    });

    it('different flags with --reconcile replace the rules (same state as a fresh run)', () => {
      const want = freshRules(args(OTHER_ARGS));
      withNetns((t) => {
        expect(t.cli(args(TPROXY_ARGS)).code).toBe(0);
        const r = t.cli(args(OTHER_ARGS, '--reconcile'));
        expect(r.code, r.stderr).toBe(0);
        expect(t.rules()).toBe(want);
        expect(t.exec('a', ['ip', 'rule']).stdout).not.toContain('lookup 133');
      }, { peer: false });
    });

    it.each([
      ['REDIRECT', SIDECAR_ARGS],
      ['TPROXY with DNS and drop-invalid', [...TPROXY_ARGS, '--redirect-dns', '--capture-all-dns', '--drop-invalid']],
    ])('--cleanup-only leaves no trace (%s)', (_name, base) =>
      withNetns((t) => {
        expect(t.cli(args(base)).code).toBe(0);
        expect(istioTrace(t).length).toBeGreaterThan(0);
        const r = t.cli(args(base, '--cleanup-only'));
        expect(r.code, r.stderr).toBe(0);
        expect(istioTrace(t)).toEqual([]);
      }, { peer: false }));

    it('--run-validation exits 0 when the rules are in place (run as the proxy uid)', () =>
      withNetns((t) => {
        expect(t.cli([...SIDECAR_ARGS, ...backend.args]).code).toBe(0);
        const r = t.cli([...SIDECAR_ARGS, '--skip-rule-apply', '--run-validation', '--probe-timeout', '3s'], { uid: 1337 });
        expect(r.code, r.stderr).toBe(0);
      }, { peer: false }));
  });

  it('--run-validation exits 126 with Istio\'s message when nothing redirects', () =>
    withNetns((t) => {
      const r = t.cli([...SIDECAR_ARGS, '--skip-rule-apply', '--run-validation', '--probe-timeout', '1s'], { uid: 1337 });
      expect(r.code).toBe(126);
      expect(r.stderr).toMatch(/^iptables validation failed; workload is not ready for Istio\./);
    }, { peer: false }));

  it('an IPv6 failure rolls back the IPv4 rules already applied', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-fake-ip6-'));
    try {
      const fake = join(dir, 'ip6tables-nft-restore');
      writeFileSync(fake, '#!/bin/sh\necho "ip6tables-nft-restore: line 1 failed: injected failure" >&2\nexit 1\n');
      chmodSync(fake, 0o755);
      withNetns((t) => {
        const r = t.cli([...SIDECAR_ARGS, '--ipv6', 'true'], { pathPrefix: dir });
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/v6: ip6tables-nft-restore failed: .*injected failure/);
        expect(istioTrace(t)).toEqual([]);
      }, { peer: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a table that fails after others were committed leaves nothing of this run behind', () =>
    withNetns((t) => {
      const dnsArgs = [...SIDECAR_ARGS, '--ipv6', 'false', '--redirect-dns', '--capture-all-dns'];
      // A stray chain in raw makes the raw table fail after nat was committed.
      expect(t.exec('a', ['iptables', '-t', 'raw', '-N', 'ISTIO_OUTPUT_DNS']).code).toBe(0);
      const r = t.cli(dnsArgs);
      expect(r.code).toBe(1);
      const nat = t.exec('a', ['iptables-save', '-t', 'nat']).stdout;
      expect(nat).not.toContain('ISTIO');
      const fixed = t.cli([...dnsArgs, '--reconcile']);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(t.rules()).toBe(freshRules(dnsArgs));
    }, { peer: false }));

  it('picks iptables-legacy when legacy tables already exist in the namespace (no --force)', () =>
    withNetns((t) => {
      expect(t.exec('a', ['iptables-legacy', '-t', 'nat', '-L', '-n']).code).toBe(0);
      const r = t.cli(SIDECAR_ARGS);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/iptables-legacy-restore: v4 applied/);
      expect(t.exec('a', ['iptables-legacy-save']).stdout).toContain('ISTIO_OUTPUT');
      expect(t.exec('a', ['iptables-nft-save']).stdout).not.toContain('ISTIO');
    }, { peer: false }));

  // Flag combinations without a golden: the kernel must accept every rendering, a rerun must be
  // a no-op and --cleanup-only must remove everything.
  const MATRIX: [string, string[], Record<string, string>?][] = [
    ['TPROXY explicit ports, CIDRs, reroute and excluded interfaces', ['-b', '32000,31000', '-m', 'TPROXY', '-i', '10.0.0.0/8,fd00:a::/32', '-x', '10.1.0.0/16,fd00:b::/32', '-k', 'eth3', '-c', 'eth9']],
    ['outbound ports included and excluded', ['-q', '32000,31000', '-o', '7777,8888', '-i', '*']],
    ['capture-all DNS with an inbound exclude list', ['--redirect-dns', '--capture-all-dns', '-b', '*', '-d', '15090']],
    ['DNS servers of both families with TPROXY', ['--redirect-dns', '--dns-servers', '10.0.0.10,fd00::a', '-b', '*', '-d', '15090', '-m', 'TPROXY']],
    ['owner-group include list, several gids, reroute with wildcard', ['-g', '1337,1338', '-i', '*', '-k', 'eth1,eth2'], { ISTIO_OUTBOUND_OWNER_GROUPS: 'daemon,202' }],
    ['TPROXY without inbound ports, drop-invalid, loopback CIDR /8', ['-i', '*', '-b', '', '-m', 'TPROXY', '--drop-invalid'], { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/8' }],
    ['loopback include CIDR and owner-group excludes', ['-i', '127.1.2.3/32,::1/128', '-u', '3,4', '-g', '5'], { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: 'daemon,7' }],
    ['interface wildcards (eth+ is "eth*" in nft), TPROXY with one inbound port', ['-c', 'eth+', '-k', 'vm+', '-i', '*', '-b', '80', '-m', 'TPROXY']],
    ['excluded CIDRs of mixed families, outbound ports, capture-all DNS', ['-i', '10.0.0.0/8,fd00::/8', '-x', 'fd00:1::/32,10.1.0.0/16', '-o', '7777', '-q', '8443', '--redirect-dns', '--capture-all-dns']],
  ];
  describe.each(BACKENDS)('flag matrix ($name)', (backend) => {
    it.each(MATRIX)('%s', (_name, flags, env) =>
      withNetns((t) => {
        // A flag may be given once: the case's own -u replaces the default one.
        const args = [...(flags.includes('-u') ? [] : ['-u', '1337']), ...flags, ...backend.args, '--ipv6', 'true'];
        const first = t.cli(args, { env });
        expect(first.code, first.stderr).toBe(0);
        const before = t.dump();
        expect(t.cli(args, { env }).code).toBe(0);
        expect(t.dump()).toBe(before);
        expect(t.cli([...args, '--cleanup-only'], { env }).code).toBe(0);
        expect(istioTrace(t)).toEqual([]);
      }, { peer: false }));
  });
});
