import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './command.js';
import { captureStdio, type CapturedStdio } from './testing/stdio.js';

let dir: string;
let stdio: CapturedStdio;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sk-kube-inject-'));
  stdio = captureStdio();
});
afterEach(() => vi.restoreAllMocks());

const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: a}]\n';
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('kube-inject command', () => {
  it('requires -f with istioctl\'s message', async () => {
    expect(await run([])).toBe(1);
    expect(stdio.err()).toBe('error: filename not specified (see --filename or -f)\n');
  });

  it('rejects unknown flags with usage', async () => {
    expect(await run(['--nope'])).toBe(2);
    expect(stdio.err()).toContain("Unknown option '--nope'");
    expect(stdio.err()).toContain('Usage: sidecar-kit kube-inject');
  });

  it('injects with built-in defaults and writes -o', async () => {
    const target = join(dir, 'out.yaml');
    expect(await run(['-f', file('in.yaml', pod), '-o', target])).toBe(0);
    expect(stdio.out()).toBe('');
    expect(readFileSync(target, 'utf8')).toContain('image: docker.io/istio/proxyv2:1.31.0');
  });

  it('leaves an existing -o file alone when a document fails', async () => {
    const target = file('out.yaml', 'previous\n');
    const bad = pod.replace('metadata: {name: p}', 'metadata: {name: p, annotations: {sidecar.istio.io/interceptionMode: nope}}');
    expect(await run(['-f', file('in.yaml', `${pod}---\n${bad}`), '-o', target])).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('previous\n');
    expect(stdio.err()).toMatch(/^error: Pod "p" \(document 2\): failed to run injection template: 1 error occurred/);
  });

  it('reads values, mesh and operator files and names a bad field', async () => {
    const values = file('values.json', '# comment\n{"global": {"hub": "my.registry/istio", "tag": "9"}}');
    const mesh = file('mesh.yaml', 'defaultConfig:\n  holdApplicationUntilProxyStarts: true\n');
    const iop = file('iop.yaml', 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      tag: "10"\n');
    expect(await run(['-f', file('in.yaml', pod), '--valuesFile', values, '--meshConfigFile', mesh, '--operatorFileName', iop])).toBe(0);
    expect(stdio.out()).toContain('image: my.registry/istio/proxyv2:10');
    expect(stdio.out()).toContain('{"holdApplicationUntilProxyStarts":true}');
    expect(await run(['-f', file('in.yaml', pod), '--valuesFile', file('bad.yaml', 'global: {proxy: {statusPort: x}}')])).toBe(1);
    expect(stdio.err()).toContain('error: values.global.proxy.statusPort: expected number, received string');
  });

  it('notes cluster-only flags and prints skip warnings after a blank line', async () => {
    const host = pod.replace('spec:\n', 'spec:\n  hostNetwork: true\n');
    expect(await run(['-f', file('in.yaml', host), '--kubeconfig', '/x', '--revision', 'canary'])).toBe(0);
    expect(stdio.err()).toBe(
      'note: --kubeconfig needs a Kubernetes cluster and is ignored (kube-inject runs offline)\n\n===> Skipping injection because Pod "p" has host networking enabled\n',
    );
  });
});
