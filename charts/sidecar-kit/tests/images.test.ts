/**
 * What can be checked of the Dockerfiles in images/ without building them: they agree with the
 * chart and the CLI on the paths, users and commands the chart relies on. (e2e/images builds
 * them with podman and runs them; the kind suite builds them with Docker.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { findCommand } from '../../../src/cli/commands.js';
import { CHART_DIR, find, helmSkipReason, render } from './helm.js';

const root = resolve(CHART_DIR, '..', '..');
const IMAGES = ['webhook', 'init', 'cni'] as const;
const values = parseDocument(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')).toJS() as {
  webhook: { image: string; podSecurityContext: { runAsUser: number } };
  proxyInit: { image: string };
  cni: { image: string };
};

interface Stage {
  from: string;
  lines: string[];
}
/** The stages of a Dockerfile, FROM lines with the default values of the ARGs declared before them. */
function stages(name: string): Stage[] {
  const text = readFileSync(join(root, 'images', `${name}.Dockerfile`), 'utf8').replace(/\\\n/g, ' ');
  const out: Stage[] = [];
  const globalArgs = new Map<string, string>();
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && out.length === 0) globalArgs.set(arg[1] as string, arg[2] as string);
    else if (line.startsWith('FROM ')) out.push({ from: line.slice(5).replace(/\$\{(\w+)\}/g, (m, v: string) => globalArgs.get(v) ?? m), lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}
const final = (name: string) => stages(name).at(-1) as Stage;
const instr = (s: Stage, op: string) => s.lines.filter((l) => l.startsWith(`${op} `)).map((l) => l.slice(op.length + 1));

describe('images/*.Dockerfile', () => {
  it.each(IMAGES)('%s: Node 24 LTS, multi-stage, the CLI bundle at /opt/sidecar-kit as the entrypoint', (name) => {
    const all = stages(name);
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const s of all) expect(s.from).toMatch(/^node:24-bookworm-slim( AS \w+)?$/);
    expect(instr(final(name), 'COPY')).toContain('--from=build /out /opt/sidecar-kit');
    expect(JSON.parse(instr(final(name), 'ENTRYPOINT')[0] ?? '[]')).toEqual(['node', '/opt/sidecar-kit/sidecar-kit.js']);
    expect(existsSync(join(root, 'images', `${name}.Dockerfile.dockerignore`))).toBe(true);
    for (const script of instr(all[0] as Stage, 'RUN').join(' ').match(/scripts\/[\w-]+\.mjs/g) ?? []) expect(existsSync(join(root, script))).toBe(true);
  });

  it('the chart names the images by their Dockerfile names', () => {
    expect([values.webhook.image, values.proxyInit.image, values.cni.image]).toEqual([...IMAGES]);
  });

  it('the webhook image runs as the non-root user the chart declares', () => {
    expect(instr(final('webhook'), 'USER')).toEqual([`${values.webhook.podSecurityContext.runAsUser}:${values.webhook.podSecurityContext.runAsUser}`]);
  });

  it('the init image has iptables, nftables and iproute2, and istio-iptables is a CLI command', () => {
    const run = instr(final('init'), 'RUN').join(' ');
    for (const pkg of ['iptables', 'nftables', 'iproute2']) expect(run).toContain(pkg);
    expect(findCommand('istio-iptables')).toBeDefined();
  });

  it('the CNI image builds the plugin executable next to the CLI', () => {
    expect(instr(stages('cni')[0] as Stage, 'RUN').join(' ')).toContain('node scripts/build-cni-plugin.mjs /out');
    expect(instr(final('cni'), 'ENV').join(' ')).toContain('CNI_PLUGIN_BINARY=/opt/sidecar-kit/istio-cni');
  });

  it.skipIf(helmSkipReason !== undefined)(`the rendered workloads run commands the CLI has, with files the images carry${helmSkipReason ? ` (skipped: ${helmSkipReason})` : ''}`, () => {
    const objects = render(['--set', 'cni.enabled=true']);
    const args = (kind: string) => (find(objects, kind).spec as { template: { spec: { containers: { args: string[]; env?: { name: string; value?: string }[] }[] } } }).template.spec.containers[0];
    expect(findCommand(args('Deployment')?.args[0] ?? '')).toBeDefined();
    const cni = args('DaemonSet');
    expect(findCommand(cni?.args[0] ?? '')).toBeDefined();
    expect(cni?.env?.find((e) => e.name === 'CNI_PLUGIN_BINARY')?.value).toBe('/opt/sidecar-kit/istio-cni');
  });
});
