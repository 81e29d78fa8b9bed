import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveSettings } from '../core/config/settings.js';
import { injectManifest } from './manifest.js';
import { takeWrites } from './testing/stdio.js';
import { run } from './uninject-command.js';
import { uninjectManifest } from './uninject-manifest.js';

let dir: string;
let out: string;
let err: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sk-kube-uninject-'));
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(takeWrites((s) => (out += s)));
  vi.spyOn(process.stderr, 'write').mockImplementation(takeWrites((s) => (err += s)));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const deployment = (name: string, podMeta = '{labels: {app: web}}') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: ${podMeta}
    spec:
      containers:
      - name: web
        image: example/web:1
`;
const service = '# kept byte for byte\nkind: Service\napiVersion: v1\nmetadata: {name: s}\n';
const inject = (text: string): string => injectManifest(text, { settings: resolveSettings(), env: { enableNativeSidecars: 'false' }, facts: {} }).output;

describe('uninjectManifest', () => {
  it('uninjects every injected object, copies other documents byte for byte and names objects that were not injected', () => {
    const injected = inject(`${deployment('a')}---\n${service}`);
    const plain = deployment('b', '{labels: {app: web}, annotations: {sidecar.istio.io/inject: "false"}}');
    const r = uninjectManifest(`${injected}${plain}`);
    const docs = r.output.split('---\n');
    expect(docs).toHaveLength(4);
    expect(docs[0]).not.toContain('istio');
    expect(docs[1]).toBe(service);
    expect(docs[2]).toBe(plain);
    expect(r.notes).toEqual(['note: Deployment "shop/b" (document 3): not injected (no sidecar.istio.io/status annotation): left as it is\n']);
    expect([r.uninjected, r.notInjected]).toEqual([1, 1]);
  });

  it('uninjects the items of a List and CronJobs (pod metadata on the jobTemplate, as injection wrote it)', () => {
    const cron = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: job, image: j}]\n';
    const list = `apiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'a' }] } })}\n`;
    const injected = inject(`${cron}---\n${list}`);
    expect(injected.match(/sidecar\.istio\.io\/status/g)).toHaveLength(2);
    const r = uninjectManifest(injected);
    expect(r.output).not.toMatch(/istio/);
    expect(r.uninjected).toBe(2);
  });

  it('fails naming the object when the status annotation does not parse', () => {
    const bad = deployment('a', `{annotations: {sidecar.istio.io/status: '{"containers":'}}`);
    expect(() => uninjectManifest(bad)).toThrow(/^Deployment "shop\/a" \(document 1\): invalid sidecar\.istio\.io\/status annotation: /);
  });
});

describe('kube-uninject command', () => {
  it('requires -f (a usage error)', async () => {
    expect(await run([])).toBe(2);
    expect(err).toBe("error: filename not specified (see --filename or -f)\nRun 'sidecar-kit kube-uninject --help' for usage.\n");
  });

  it('writes the uninjected manifest to stdout and the notes to stderr; -q keeps quiet about objects not injected', async () => {
    const input = file('in.yaml', `${inject(deployment('a'))}${deployment('b')}`);
    expect(await run(['-f', input])).toBe(0);
    expect(out).not.toContain('istio-proxy');
    expect(out.split('---\n')).toHaveLength(3);
    expect(err).toBe('note: Deployment "shop/b" (document 2): not injected (no sidecar.istio.io/status annotation): left as it is\n');
    out = '';
    err = '';
    expect(await run(['-q', '-f', input])).toBe(0);
    expect(err).toBe('');
  });

  it('writes -o atomically and nothing at all when a document fails', async () => {
    const good = file('good.yaml', inject(deployment('a')));
    const target = file('out.yaml', 'old\n');
    expect(await run(['-f', good, '-o', target])).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('name: web');
    const bad = file('bad.yaml', `${inject(deployment('a'))}${deployment('b', `{annotations: {sidecar.istio.io/status: 'x'}}`)}`);
    expect(await run(['-f', bad, '-o', target])).toBe(1);
    expect(err).toMatch(/^error: Deployment "shop\/b" \(document 2\): invalid sidecar\.istio\.io\/status annotation: invalid character 'x'/);
    expect(readFileSync(target, 'utf8')).toContain('name: web');
  });

  it('inverts kube-inject on the sample manifest up to its typed serialisation', async () => {
    const sample = readFileSync(join(import.meta.dirname, '../../examples/shop.yaml'), 'utf8');
    expect(await run(['-f', file('s.yaml', inject(sample))])).toBe(0);
    expect(out).not.toMatch(/istio-proxy|sidecar\.istio\.io\/status|app-health|15020/);
    expect(out).toContain('prometheus.io/port: "9102"');
  });
});
