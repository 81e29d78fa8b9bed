// The shipped bundle on the Node.js LTS release it ships with (scripts/node-lts.mjs): every
// command loads and prints its help without a runtime warning. Node 24 turns deprecated core
// modules into warnings on stderr at load time (DEP0040 `punycode`, reached through
// @kubernetes/client-node → node-fetch 2 → whatwg-url 5 until package.json's override), which an
// operator reads as a fault in the webhook's first log lines.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'sidecar-kit.js');
const node = execFileSync(process.execPath, [join(root, 'scripts', 'node-lts.mjs')], { encoding: 'utf8' }).trim();

function commands(): string[] {
  const help = execFileSync(node, [bundle, '--help'], { encoding: 'utf8' });
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((c): c is string => Boolean(c) && c !== 'help');
}

describe.skipIf(!existsSync(bundle))('the bundle on the shipped Node LTS (skipped: dist/ not built; npm test builds it)', () => {
  it('lists the commands', () => {
    expect(commands()).toEqual(expect.arrayContaining(['kube-inject', 'webhook', 'istio-iptables', 'cni-install', 'cni-rules']));
  });

  it.each(existsSync(bundle) ? commands() : [])('%s --help: exit 0, nothing on stderr', (cmd) => {
    const r = spawnSync(node, [bundle, cmd, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: sidecar-kit ${cmd}`);
  });
});
