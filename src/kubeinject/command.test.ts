import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from './command.js';
import { takeWrites } from './testing/stdio.js';

let dir: string;
let out: string;
let err: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sk-kube-inject-'));
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(takeWrites((s) => (out += s)));
  vi.spyOn(process.stderr, 'write').mockImplementation(takeWrites((s) => (err += s)));
});
afterEach(() => vi.restoreAllMocks());

const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: a}]\n';
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('kube-inject command', () => {
  it('requires -f with istioctl\'s message (a usage error)', async () => {
    expect(await run([])).toBe(2);
    expect(err).toBe("error: filename not specified (see --filename or -f)\nRun 'sidecar-kit kube-inject --help' for usage.\n");
  });

  it('rejects unknown flags and arguments as usage errors', async () => {
    expect(await run(['--nope'])).toBe(2);
    expect(err).toBe("error: unknown flag: --nope\nRun 'sidecar-kit kube-inject --help' for usage.\n");
    err = '';
    expect(await run(['-f', 'a.yaml', 'b.yaml'])).toBe(2);
    expect(err).toMatch(/^error: unexpected argument "b.yaml"\n/);
  });

  it('reads every *.yaml, *.yml and *.json file of a directory given to -f, in name order', async () => {
    const d = join(dir, 'manifests');
    mkdirSync(join(d, 'sub.yaml'), { recursive: true });
    writeFileSync(join(d, 'b.yml'), pod.replace('name: p', 'name: b'));
    writeFileSync(join(d, 'a.yaml'), pod.replace('name: p', 'name: a'));
    writeFileSync(join(d, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }));
    writeFileSync(join(d, 'notes.txt'), 'not a manifest');
    expect(await run(['-f', d])).toBe(0);
    const names = [...out.matchAll(/^ {2}name: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(['a', 'b']);
    expect(out.split('---\n')).toHaveLength(4);
    expect(out).toContain('"name":"c"');
  });

  it('names the file of a directory whose document fails, and writes nothing', async () => {
    const d = join(dir, 'bad');
    mkdirSync(d);
    writeFileSync(join(d, 'a.yaml'), pod);
    writeFileSync(join(d, 'b.yaml'), pod.replace('metadata: {name: p}', 'metadata: {name: p, annotations: {sidecar.istio.io/interceptionMode: nope}}'));
    expect(await run(['-f', d])).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(new RegExp(`^error: ${join(d, 'b.yaml')}: Pod "p" \\(document 1\\): `));
  });

  it.each([
    ['a missing file', ['-f', '/nonexistent/x.yaml'], 'error: -f: /nonexistent/x.yaml: no such file\n'],
    ['a directory without manifests', ['--filename', '/proc/self/fdinfo'], 'error: --filename: /proc/self/fdinfo: a directory without *.yaml, *.yml or *.json files\n'],
  ])('-f: %s fails naming the flag as typed', async (_n, args, message) => {
    expect(await run(args)).toBe(1);
    expect(err).toBe(message);
  });

  it('refuses a non-regular -o target before reading anything, and a bad --maxInputBytes as a usage error', async () => {
    expect(await run(['-f', '/nonexistent.yaml', '-o', '/dev/null'])).toBe(1);
    expect(err).toBe('error: -o: /dev/null: is a character device; -o writes regular files only\n');
    err = '';
    expect(await run(['-f', file('in.yaml', pod), '--maxInputBytes', '2MB'])).toBe(2);
    expect(err).toMatch(/^error: --maxInputBytes: "2MB": expected a size in bytes, optionally with a Ki, Mi, Gi, k, M or G suffix\n/);
  });

  it('--maxInputBytes bounds a file and a directory\'s files in all', async () => {
    const d = join(dir, 'many');
    mkdirSync(d);
    writeFileSync(join(d, 'a.yaml'), pod);
    writeFileSync(join(d, 'b.yaml'), pod);
    expect(await run(['-f', join(d, 'a.yaml'), '--maxInputBytes', String(pod.length - 1)])).toBe(1);
    expect(err).toBe(`error: -f: ${join(d, 'a.yaml')}: more than ${pod.length - 1} bytes of input (--maxInputBytes); split it or raise the bound\n`);
    err = '';
    expect(await run(['-f', d, '--maxInputBytes', String(2 * pod.length - 1)])).toBe(1);
    expect(err).toBe(`error: -f: ${d}: more than ${2 * pod.length - 1} bytes of input (--maxInputBytes); split it or raise the bound\n`);
    expect(out).toBe('');
    expect(await run(['-f', d, '--maxInputBytes', String(2 * pod.length)])).toBe(0);
    expect(out.split('---\n')).toHaveLength(3);
  });

  it('injects with built-in defaults and writes -o', async () => {
    const target = join(dir, 'out.yaml');
    expect(await run(['-f', file('in.yaml', pod), '-o', target])).toBe(0);
    expect(out).toBe('');
    expect(readFileSync(target, 'utf8')).toContain('image: docker.io/istio/proxyv2:1.31.0');
  });

  it('leaves an existing -o file alone when a document fails', async () => {
    const target = file('out.yaml', 'previous\n');
    const bad = pod.replace('metadata: {name: p}', 'metadata: {name: p, annotations: {sidecar.istio.io/interceptionMode: nope}}');
    expect(await run(['-f', file('in.yaml', `${pod}---\n${bad}`), '-o', target])).toBe(1);
    expect(readFileSync(target, 'utf8')).toBe('previous\n');
    expect(err).toMatch(/^error: Pod "p" \(document 2\): failed to run injection template: 1 error occurred/);
  });

  it('reads values, mesh and operator files and names a bad field', async () => {
    const values = file('values.json', '# comment\n{"global": {"hub": "my.registry/istio", "tag": "9"}}');
    const mesh = file('mesh.yaml', 'defaultConfig:\n  holdApplicationUntilProxyStarts: true\n');
    const iop = file('iop.yaml', 'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  values:\n    global:\n      tag: "10"\n');
    expect(await run(['-f', file('in.yaml', pod), '--valuesFile', values, '--meshConfigFile', mesh, '--operatorFileName', iop])).toBe(0);
    expect(out).toContain('image: my.registry/istio/proxyv2:10');
    expect(out).toContain('{"holdApplicationUntilProxyStarts":true}');
    expect(await run(['-f', file('in.yaml', pod), '--valuesFile', file('bad.yaml', 'global: {proxy: {statusPort: x}}')])).toBe(1);
    expect(err).toContain('error: values.global.proxy.statusPort: expected number, received string');
  });

  it('notes xDS-only flags and prints skip warnings after a blank line', async () => {
    const host = pod.replace('spec:\n', 'spec:\n  hostNetwork: true\n');
    expect(await run(['-f', file('in.yaml', host), '--xds-address', 'istiod:15012', '--revision', 'canary'])).toBe(0);
    expect(err).toBe(
      "note: --xds-address is for injection through istiod's xDS and is ignored\n\n===> Skipping injection because Pod \"p\" has host networking enabled\n",
    );
  });

  it('a cluster flag switches to cluster mode: an unreadable kubeconfig fails naming the flag, nothing written', async () => {
    expect(await run(['-f', file('in.yaml', pod), '--kubeconfig', '/nonexistent/kubeconfig'])).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^error: --kubeconfig: \/nonexistent\/kubeconfig: .*no such file/);
    expect(await run(['-f', file('in.yaml', pod), '--cluster=maybe'])).toBe(2);
    expect(err).toMatch(/--cluster/);
  });
});
