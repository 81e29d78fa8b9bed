/**
 * Real traffic through the rules our CLI programs, in throw-away network namespaces: for
 * iptables-nft, iptables-legacy and native nftables, IPv4 and IPv6, with the default sidecar
 * arguments. "Captured or not" is judged by which listener answers (SO_ORIGINAL_DST alone
 * answers for any tracked flow). A negative control without rules proves the checks can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A4, A6, B4, B6, BACKENDS, SIDECAR_ARGS, Topology, skipReason } from './harness.js';

const reason = skipReason();
const title = (name: string): string => (reason ? `${name} (skipped: ${reason})` : name);

/** Listeners of the standard scenario: proxy ports and an excluded app port in A, a server in B. */
async function startListeners(t: Topology, opts: { transparentInbound?: boolean } = {}): Promise<void> {
  await t.listen('a', 'outbound', ['0.0.0.0:15001', '[::]:15001']);
  await t.listen('a', 'inbound', ['0.0.0.0:15006', '[::]:15006'], opts.transparentInbound);
  await t.listen('a', 'app15021', ['0.0.0.0:15021', '[::]:15021']);
  await t.listen('b', 'realB', [`${B4}:8080`, `[${B6}]:8080`, `udp:${B4}:53`]);
}

const families = [
  { family: 'IPv4', a: A4, b: B4, lo: '127.0.0.1', fmt: (h: string, p: number) => `${h}:${p}` },
  { family: 'IPv6', a: A6, b: B6, lo: '::1', fmt: (h: string, p: number) => `[${h}]:${p}` },
] as const;

describe.skipIf(reason)(title('capture with real traffic (default sidecar args)'), () => {
  describe.each(BACKENDS)('$name', (backend) => {
    let t: Topology;
    beforeAll(async () => {
      t = new Topology();
      const r = t.cli([...SIDECAR_ARGS, ...backend.args, '--ipv6', 'true']);
      expect(r.code, r.stderr).toBe(0);
      await startListeners(t);
    });
    afterAll(() => t?.destroy());

    describe.each(families)('$family', (f) => {
      it('app uid outbound lands on 15001 with the original destination recovered', () => {
        expect(t.connect('a', f.b, 8080, { uid: 1000 })).toMatch(new RegExp(`^tag=outbound .*orig=${escape(f.fmt(f.b, 8080))} `));
      });
      it('the proxy uid 1337 is not captured', () => {
        expect(t.connect('a', f.b, 8080, { uid: 1337 })).toMatch(new RegExp(`^tag=realB local=${escape(f.fmt(f.b, 8080))} `));
      });
      it('inbound lands on 15006 with the original destination recovered', () => {
        expect(t.connect('b', f.a, 8080)).toMatch(new RegExp(`^tag=inbound .*orig=${escape(f.fmt(f.a, 8080))} peer=${escape(f.fmt(f.b, 0).slice(0, -1))}`));
      });
      it('an excluded inbound port (15021) is not captured', () => {
        expect(t.connect('b', f.a, 15021)).toMatch(/^tag=app15021 /);
      });
      it('loopback traffic to a non-proxy port is not captured', () => {
        expect(t.connect('a', f.lo, 15021, { uid: 1000 })).toMatch(/^tag=app15021 /);
      });
    });
  });

  it('without --ipv6, detection sees the IPv4 address first and programs IPv4 only (like Istio)', () => {
    const t = new Topology();
    try {
      expect(t.cli(SIDECAR_ARGS).code).toBe(0);
      expect(t.exec('a', ['iptables-save']).stdout).toContain('ISTIO_OUTPUT');
      expect(t.exec('a', ['ip6tables-save']).stdout).not.toContain('ISTIO');
    } finally {
      t.destroy();
    }
  });

  describe('negative control: no rules', () => {
    let t: Topology;
    beforeAll(async () => {
      t = new Topology();
      await startListeners(t);
    });
    afterAll(() => t?.destroy());
    it.each(families)('$family: outbound reaches the real server and inbound is refused', (f) => {
      expect(t.connect('a', f.b, 8080, { uid: 1000 })).toMatch(/^tag=realB /);
      expect(t.connect('b', f.a, 8080)).toMatch(/^ERR ConnectionRefused/);
    });
    it('DNS reaches the real resolver', () => {
      expect(t.connect('a', B4, 53, { uid: 1000, udp: true })).toMatch(/^tag=realB /);
    });
  });

  describe.each(BACKENDS)('TPROXY inbound ($name)', (backend) => {
    let t: Topology;
    beforeAll(async () => {
      t = new Topology();
      const args = SIDECAR_ARGS.map((a) => (a === 'REDIRECT' ? 'TPROXY' : a));
      const r = t.cli([...args, ...backend.args, '--ipv6', 'true']);
      expect(r.code, r.stderr).toBe(0);
      await startListeners(t, { transparentInbound: true });
    });
    afterAll(() => t?.destroy());

    it.each(families)('$family: inbound lands on the transparent listener keeping the dialled address', (f) => {
      expect(t.connect('b', f.a, 8080)).toMatch(new RegExp(`^tag=inbound local=${escape(f.fmt(f.a, 8080))} `));
    });
    it.each(families)('$family: outbound is still redirected to 15001', (f) => {
      expect(t.connect('a', f.b, 8080, { uid: 1000 })).toMatch(/^tag=outbound /);
    });
    it('policy routing sends the TPROXY mark to local table 133 (both families)', () => {
      for (const fam of ['-4', '-6']) {
        expect(t.exec('a', ['ip', fam, 'rule']).stdout).toMatch(/fwmark 0x539 lookup 133/);
        expect(t.exec('a', ['ip', fam, 'route', 'show', 'table', '133']).stdout).toMatch(/^local default dev lo/m);
      }
    });
  });

  describe.each(BACKENDS)('DNS capture to 15053 ($name)', (backend) => {
    let t: Topology;
    beforeAll(async () => {
      t = new Topology();
      const r = t.cli([...SIDECAR_ARGS, ...backend.args, '--ipv6', 'false', '--redirect-dns', '--dns-servers', B4]);
      expect(r.code, r.stderr).toBe(0);
      await startListeners(t);
      await t.listen('a', 'agentDns', ['udp:0.0.0.0:15053', '0.0.0.0:15053']);
    });
    afterAll(() => t?.destroy());

    it('app UDP DNS to the resolver lands on the agent (15053)', () => {
      expect(t.connect('a', B4, 53, { uid: 1000, udp: true })).toMatch(/^tag=agentDns /);
    });
    it('app TCP DNS to the resolver lands on the agent (15053)', () => {
      expect(t.connect('a', B4, 53, { uid: 1000 })).toMatch(/^tag=agentDns .*orig=198\.51\.100\.2:53 /);
    });
    it("the proxy's own DNS queries reach the real resolver", () => {
      expect(t.connect('a', B4, 53, { uid: 1337, udp: true })).toMatch(/^tag=realB /);
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
