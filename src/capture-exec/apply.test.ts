/**
 * The executor against the recording runner (the test double for the kernel's iptables/nft/ip
 * binaries; the real-kernel counterparts are in e2e/capture). Scripted results stand for
 * what the binaries answer.
 */
import { describe, expect, it } from 'vitest';
import { buildRules } from '../core/capture/build.js';
import { renderIptables, renderNft } from '../core/capture/index.js';
import { SIDECAR_SETTINGS, testConfig } from '../core/capture/test-config.js';
import { applyCapture } from './apply.js';
import { DRY_RUN_BACKEND, iptablesBinaries, type Backend } from './backend.js';
import { CaptureError, CaptureErrorCode } from './errors.js';
import { RecordingRunner, type Command, type CommandResult } from './runner.js';

const NFT: Backend = { kind: 'iptables', v4: iptablesBinaries('nft', 'v4'), v6: iptablesBinaries('nft', 'v6') };
const argv = (runner: RecordingRunner): string[] => runner.commands.map((c) => c.argv.join(' '));
type Script = (c: Command) => Partial<CommandResult> | undefined;

/** iptables-save output of a namespace where the given config is already applied (same rules). */
function savedOf(settings: Parameters<typeof testConfig>[0]): string {
  const text = renderIptables(buildRules(testConfig(settings)), 'v4');
  let out = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('* ')) out += `*${line.slice(2)}\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n`;
    else if (line.startsWith('-N ')) out += `:${line.slice(3)} - [0:0]\n`;
    else if (line.startsWith('-I ')) out += `-A ${line.split(' ')[1]} ${line.split(' ').slice(3).join(' ')}\n`;
    else if (line !== '') out += `${line}\n`;
  }
  return out;
}

describe('applyCapture with iptables', () => {
  it('programs a fresh namespace with a single iptables-restore', async () => {
    const runner = new RecordingRunner();
    const cfg = testConfig(SIDECAR_SETTINGS);
    const report = await applyCapture(cfg, { runner, backend: NFT });
    expect(argv(runner)).toEqual(['iptables-nft-restore --noflush']);
    expect(runner.commands[0]?.stdin).toBe(renderIptables(buildRules(cfg), 'v4'));
    expect(report.families).toEqual({ v4: 'applied' });
  });

  it('programs IPv6 with a second restore and legacy restores wait for the xtables lock', async () => {
    const runner = new RecordingRunner();
    const legacy: Backend = { kind: 'iptables', v4: iptablesBinaries('legacy', 'v4'), v6: iptablesBinaries('legacy', 'v6') };
    await applyCapture(testConfig({ ...SIDECAR_SETTINGS, ipv6: 'true' }), { runner, backend: legacy });
    expect(argv(runner)).toEqual(['iptables-legacy-restore --noflush --wait=30', 'ip6tables-legacy-restore --noflush --wait=30']);
  });

  it('runs inside a network namespace with a pod-scoped xtables lock', async () => {
    const runner = new RecordingRunner();
    await applyCapture(testConfig(SIDECAR_SETTINGS), { runner, backend: NFT, netns: '/var/run/netns/pod', xtablesLockFile: '/run/pod.lock' });
    expect(runner.commands[0]).toMatchObject({
      argv: ['nsenter', '--net=/var/run/netns/pod', '--', 'iptables-nft-restore', '--noflush'],
      env: { XTABLES_LOCKFILE: '/run/pod.lock' },
    });
  });

  it('a rerun with the same rules inspects once and changes nothing', async () => {
    const saved = savedOf(SIDECAR_SETTINGS);
    const script: Script = (c) => {
      if (c.argv[0] === 'iptables-nft-save') return { stdout: saved };
      if (c.stdin?.includes('-N ISTIO_INBOUND')) return { code: 1, stderr: 'iptables-nft-restore: line 2 failed: Chain already exists.' };
      return undefined; // the -C check passes
    };
    const runner = new RecordingRunner(script);
    const report = await applyCapture(testConfig(SIDECAR_SETTINGS), { runner, backend: NFT });
    expect(report.families).toEqual({ v4: 'unchanged' });
    expect(argv(runner)).toEqual(['iptables-nft-restore --noflush', 'iptables-nft-save', 'iptables-nft-restore --noflush']);
    expect(runner.commands[2]?.stdin).toMatch(/^\* nat\n-C ISTIO_INBOUND -p tcp --dport 15008 -j RETURN\n/);
  });

  it('different rules fail without --reconcile, naming the difference', async () => {
    const saved = savedOf({ ...SIDECAR_SETTINGS, inboundPortsExclude: '15090' });
    const runner = new RecordingRunner((c) =>
      c.argv[0] === 'iptables-nft-save' ? { stdout: saved } : c.stdin?.includes('-N ') ? { code: 1, stderr: 'line 2 failed' } : undefined,
    );
    const err = await applyCapture(testConfig(SIDECAR_SETTINGS), { runner, backend: NFT }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureError);
    expect(err).toMatchObject({ code: CaptureErrorCode.existingRules, message: expect.stringMatching(/ISTIO_INBOUND has 3 rules, expected 5.*--reconcile/) });
  });

  it('with --reconcile, replaces them in one restore that flushes and refills the chains', async () => {
    const saved = savedOf({ ...SIDECAR_SETTINGS, inboundPortsExclude: '15090' });
    const runner = new RecordingRunner((c) =>
      c.argv[0] === 'iptables-nft-save' ? { stdout: saved } : c.stdin?.startsWith('* nat\n-N ') ? { code: 1, stderr: 'line 2 failed' } : undefined,
    );
    const report = await applyCapture(testConfig({ ...SIDECAR_SETTINGS, reconcile: 'true' }), { runner, backend: NFT });
    expect(report.families).toEqual({ v4: 'reconciled' });
    // A former TPROXY run's policy routes go too (missing ones are fine).
    expect(argv(runner).at(-1)).toBe('ip -force -batch -');
    const reconcile = runner.commands.at(-2)?.stdin ?? '';
    expect(reconcile).toMatch(/^\* nat\n-D OUTPUT -j ISTIO_OUTPUT\n-D PREROUTING -p tcp -j ISTIO_INBOUND\n-F ISTIO_INBOUND\n/);
    expect(reconcile).not.toContain('-N ');
    expect(reconcile).toContain('-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN');
  });

  it('an IPv6 failure removes the IPv4 rules this run added', async () => {
    const runner = new RecordingRunner((c) => (c.argv[0]?.startsWith('ip6tables') ? { code: 1, stderr: 'ip6tables-nft-restore: line 3 failed: boom' } : undefined));
    const cfg = testConfig({ ...SIDECAR_SETTINGS, ipv6: 'true' });
    await expect(applyCapture(cfg, { runner, backend: NFT })).rejects.toMatchObject({ code: CaptureErrorCode.applyFailed, message: expect.stringContaining('v6: ip6tables-nft-restore failed: ip6tables-nft-restore: line 3 failed: boom') });
    expect(argv(runner)).toEqual(['iptables-nft-restore --noflush', 'ip6tables-nft-restore --noflush', 'ip6tables-nft-save', 'iptables-nft-restore --noflush']);
    expect(runner.commands[3]?.stdin).toMatch(/^\* nat\n-D OUTPUT -j ISTIO_OUTPUT\n-D PREROUTING -p tcp -j ISTIO_INBOUND\n-F ISTIO_INBOUND\n[\s\S]*-X ISTIO_OUTPUT\nCOMMIT\n$/);
  });

  it('a later table failing removes the tables the kernel already committed', async () => {
    const cfg = testConfig({ redirectDns: 'true', captureAllDns: 'true' });
    const text = renderIptables(buildRules(cfg), 'v4');
    const rawLine = text.split('\n').indexOf('* raw') + 2;
    const runner = new RecordingRunner((c) => (c.stdin === text ? { code: 1, stderr: `Error occurred at line: ${rawLine}` } : undefined));
    await expect(applyCapture(cfg, { runner, backend: NFT })).rejects.toMatchObject({ code: CaptureErrorCode.applyFailed });
    const rollback = runner.commands[1]?.stdin ?? '';
    expect(rollback).toMatch(/^\* nat\n-D OUTPUT -j ISTIO_OUTPUT\n/);
    expect(rollback).not.toContain('* raw');
  });

  it('TPROXY adds the policy routes after the rules, one ip batch per family', async () => {
    const runner = new RecordingRunner();
    await applyCapture(testConfig({ ...SIDECAR_SETTINGS, interceptionMode: 'TPROXY', ipv6: 'true' }), { runner, backend: NFT });
    expect(argv(runner).slice(2)).toEqual(['ip -batch -', 'ip -6 -batch -']);
    expect(runner.commands[3]?.stdin).toBe('rule add fwmark 1337 lookup 133\nroute add local ::/0 dev lo table 133\n');
  });

  it('--cleanup-only removes what iptables-save shows in both families and the routes', async () => {
    const saved = savedOf(SIDECAR_SETTINGS);
    const runner = new RecordingRunner((c) => (c.argv[0] === 'iptables-nft-save' ? { stdout: saved } : undefined));
    const report = await applyCapture(testConfig({ ...SIDECAR_SETTINGS, cleanupOnly: 'true' }), { runner, backend: NFT });
    expect(report.families).toEqual({ v4: 'cleaned', v6: 'cleaned' });
    expect(argv(runner)).toEqual(['iptables-nft-save', 'iptables-nft-restore --noflush', 'ip6tables-nft-save', 'ip -force -batch -', 'ip -6 -force -batch -']);
    expect(runner.commands[1]?.stdin).toContain('-X ISTIO_OUTPUT\n');
  });
});

describe('dry run (recording runner)', () => {
  it("records Istio's sequence: both saves, the restore input, the final save", async () => {
    const runner = new RecordingRunner();
    const cfg = testConfig({ ...SIDECAR_SETTINGS, interceptionMode: 'TPROXY' });
    await applyCapture(cfg, { runner, backend: DRY_RUN_BACKEND, dryRun: true });
    expect(runner.transcript()).toBe(`iptables-save\nip6tables-save\n${renderIptables(buildRules(cfg), 'v4')}iptables-save\n`);
  });

  it('records only the nft transaction for native nftables', async () => {
    const runner = new RecordingRunner();
    const cfg = testConfig({ ...SIDECAR_SETTINGS, ipv6: 'true', nativeNftables: 'true' });
    await applyCapture(cfg, { runner, backend: { kind: 'nft' }, dryRun: true });
    expect(runner.transcript()).toBe(renderNft(buildRules(cfg)));
  });
});

describe('applyCapture with native nftables', () => {
  it('submits one transaction that deletes and recreates the tables', async () => {
    const runner = new RecordingRunner();
    const cfg = testConfig({ ...SIDECAR_SETTINGS, nativeNftables: 'true' });
    await applyCapture(cfg, { runner, backend: { kind: 'nft' } });
    expect(argv(runner)).toEqual(['nft -f -']);
    expect(runner.commands[0]?.stdin).toMatch(/^add table inet istio-proxy-nat\ndelete table inet istio-proxy-nat\n[\s\S]*delete table inet istio-proxy-raw\nadd table inet istio-proxy-nat\nflush table/);
  });

  it('a failed transaction is reported and nothing else runs', async () => {
    const runner = new RecordingRunner(() => ({ code: 1, stderr: 'Error: syntax error' }));
    await expect(applyCapture(testConfig({ nativeNftables: 'true', interceptionMode: 'TPROXY', inboundPorts: '*' }), { runner, backend: { kind: 'nft' } })).rejects.toMatchObject({
      code: CaptureErrorCode.applyFailed,
      message: 'nft failed: Error: syntax error',
    });
    expect(runner.commands).toHaveLength(1);
  });
});
