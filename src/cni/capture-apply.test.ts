import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pluginConfSchema } from '../core/config/cni.js';
import { redirectFromPod } from '../core/cni/redirect.js';
import { RecordingRunner, type Command } from '../capture-exec/runner.js';
import { createNetnsCapture } from './capture-apply.js';
import { memoryLogger } from './log.js';
import type { CaptureTarget } from './plugin.js';

// A PATH with both iptables variants, as on Debian (whatever this machine has installed).
const PATH = '/usr/sbin';
/** The node's own netns has legacy tables (kube-proxy in iptables-legacy mode). */
const nodeLegacy = (p: string) => (p === '/proc/net/ip_tables_names' ? 'nat\nfilter\n' : '');
const isExecutable = (p: string) => /^\/usr\/sbin\/(ip6?tables-(nft|legacy)-(restore|save)|nft)$/.test(p);
const decision = redirectFromPod({
  metadata: { annotations: { 'sidecar.istio.io/status': '{}' } },
  spec: { containers: [{ name: 'istio-proxy', args: ['proxy', 'sidecar'] }] },
});
if (decision.kind !== 'redirect') throw new Error('fixture pod must be handled');

// The lock file directory is really created (the runner only records commands).
const runDir = mkdtempSync(join(tmpdir(), 'sk-cni-capture-'));
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

function target(nft = false): CaptureTarget {
  const conf = pluginConfSchema.parse({ cniVersion: '1.0.0', cni_agent_run_dir: runDir, native_nftables: nft });
  return {
    netns: '/run/netns/pod1',
    containerId: 'c1',
    pod: { name: 'web', namespace: 'shop', uid: 'u1', infraContainerId: 'c1' },
    conf,
    prevResult: { ips: [{ address: '198.51.100.7/24' }] },
  };
}

const summary = (cmds: readonly Command[]) =>
  cmds.map((c) => c.argv.filter((a) => !a.startsWith('--net=') && a !== '--').slice(1).join(' ') + (c.env?.XTABLES_LOCKFILE ? ' [pod lock]' : ''));

describe('createNetnsCapture', () => {
  it('node without legacy tables: one nft restore in the pod netns, nothing else', async () => {
    const runner = new RecordingRunner();
    await createNetnsCapture({ runner, pathEnv: PATH, isExecutable, readFile: () => '' })(target(), memoryLogger()).apply(decision.redirect);
    expect(summary(runner.commands)).toEqual(['iptables-nft-restore --noflush [pod lock]']);
  });

  it('node with legacy tables, fresh pod netns: the look and one nft restore', async () => {
    const runner = new RecordingRunner();
    await createNetnsCapture({ runner, pathEnv: PATH, isExecutable, readFile: nodeLegacy })(target(), memoryLogger()).apply(decision.redirect);
    expect(runner.commands.every((c) => c.argv[0] === 'nsenter' && c.argv[1] === '--net=/run/netns/pod1')).toBe(true);
    expect(summary(runner.commands)).toEqual([
      'grep -Hs  /proc/net/ip_tables_names /proc/net/ip6_tables_names',
      'iptables-nft-restore --noflush [pod lock]',
    ]);
    expect(runner.commands[1]?.stdin).toContain('-A ISTIO_OUTPUT -p tcp --dport 15020 -j RETURN');
  });

  it('legacy tables in the pod netns: the rules move to iptables-legacy', async () => {
    const runner = new RecordingRunner((c) => (c.argv.includes('grep') ? { stdout: '/proc/net/ip_tables_names:filter\n' } : undefined));
    await createNetnsCapture({ runner, pathEnv: PATH, isExecutable, readFile: nodeLegacy })(target(), memoryLogger()).apply(decision.redirect);
    const s = summary(runner.commands);
    expect(s[1]).toBe('iptables-nft-restore --noflush [pod lock]');
    expect(s.at(-1)).toBe('iptables-legacy-restore --noflush --wait=30 [pod lock]');
    expect(s.slice(2, -1).some((c) => c.startsWith('iptables-nft-save'))).toBe(true);
  });

  it('native nftables: no look, one nft transaction', async () => {
    const runner = new RecordingRunner();
    await createNetnsCapture({ runner, pathEnv: PATH, isExecutable, readFile: nodeLegacy })(target(true), memoryLogger()).apply(decision.redirect);
    expect(summary(runner.commands)).toEqual(['nft -f -']);
  });

  it('a rejected restore is a CNI error naming the netns', async () => {
    const runner = new RecordingRunner((c) => (c.argv.includes('iptables-nft-restore') ? { code: 2, stderr: 'iptables-nft-restore: line 3 failed' } : undefined));
    await expect(createNetnsCapture({ runner, pathEnv: PATH, isExecutable, readFile: () => '' })(target(), memoryLogger()).apply(decision.redirect)).rejects.toMatchObject({
      code: 102,
      message: expect.stringContaining('programming capture rules in /run/netns/pod1 failed'),
    });
  });
});
