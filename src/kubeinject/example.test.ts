/**
 * examples/shop.yaml and the table in docs/inject.md describe the same documents: each row's
 * object is the document at that position, and its outcome (injected, skipped, copied) and
 * the details the row names are what kube-inject produces with the built-in defaults.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import { parseYamlDocument, splitYamlDocuments } from '../core/yaml/parse.js';
import { injectManifest } from './manifest.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const example = read('examples/shop.yaml');
const docs = read('docs/inject.md');

interface Row {
  readonly index: number;
  readonly kind: string;
  readonly name: string;
  readonly outcome: string;
  readonly notes: string;
}

/** The rows of the table after the `shop.yaml table` marker. */
function tableRows(): Row[] {
  const start = docs.indexOf('<!-- shop.yaml table');
  expect(start, 'the table marker in docs/inject.md').toBeGreaterThan(0);
  const rows: Row[] = [];
  for (const line of docs.slice(start).split('\n').slice(3)) {
    if (!line.startsWith('|')) break;
    const [index, object, outcome, notes] = line.split('|').slice(1, -1).map((c) => c.trim());
    const m = /^(\w+) `([^`]+)`$/.exec(object ?? '');
    rows.push({ index: Number(index), kind: m?.[1] ?? '', name: m?.[2] ?? '', outcome: outcome ?? '', notes: notes ?? '' });
  }
  return rows;
}

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> };
const podSpecOf = (o: Obj): { containers?: { name: string; args?: string[] }[]; initContainers?: { name: string; args?: string[] }[] } => {
  const spec = o.spec ?? {};
  const template = (o.kind === 'CronJob' ? ((spec.jobTemplate as Obj).spec as Record<string, unknown>).template : spec.template) as { spec: never } | undefined;
  return o.kind === 'Pod' ? (spec as never) : (template?.spec ?? {});
};

describe('examples/shop.yaml and docs/inject.md', () => {
  const input = splitYamlDocuments(example);
  const result = injectManifest(example, { settings: resolveSettings(), env: {}, facts: {} });
  const output = result.output.split(/^---\n/m).slice(0, -1);
  const rows = tableRows();

  it('list the same documents in the same order', () => {
    expect(rows.map((r) => r.index)).toEqual(input.map((_d, i) => i + 1));
    expect(rows.map((r) => `${r.kind} ${r.name}`)).toEqual(
      input.map((d) => {
        const o = parseYamlDocument(d) as Obj;
        return `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
      }),
    );
  });

  it('agree on what kube-inject does to each document', () => {
    expect(output).toHaveLength(input.length);
    rows.forEach((row, i) => {
      const out = output[i] as string;
      const names = (o: Obj) => [...(podSpecOf(o).initContainers ?? []), ...(podSpecOf(o).containers ?? [])].map((c) => c.name);
      if (row.outcome === 'copied') expect(out, row.name).toBe(input[i]);
      else if (row.outcome === 'injected') expect(names(parseYamlDocument(out) as Obj), row.name).toEqual(expect.arrayContaining(['istio-init', 'istio-proxy']));
      else if (row.outcome === 'skipped') {
        expect(names(parseYamlDocument(out) as Obj), row.name).not.toContain('istio-proxy');
        expect(result.warnings.join('')).toContain(`${row.kind} "${row.name}"`);
      } else throw new Error(`unknown outcome ${row.outcome}`);
    });
  });

  it('agree on the details the table names', () => {
    const byName = (name: string, kind = 'Deployment') => output[rows.findIndex((r) => r.name === name && r.kind === kind)] as string;
    expect(byName('shop/storefront')).toContain('/app-health/web/readyz');
    expect(byName('shop/storefront')).toContain('prometheus.io/port: "15020"');
    expect(byName('shop/storefront')).toContain('ISTIO_PROMETHEUS_ANNOTATIONS');
    const cart = podSpecOf(parseYamlDocument(byName('shop/cart')) as Obj);
    expect(cart.containers?.map((c) => c.name)).toEqual(['cart', 'redis', 'istio-proxy']);
    const init = cart.initContainers?.find((c) => c.name === 'istio-init')?.args ?? [];
    expect(init[init.indexOf('-o') + 1]).toBe('6379');
    const job = parseYamlDocument(byName('shop/nightly-report', 'CronJob')) as { spec: { jobTemplate: { metadata: { annotations: Record<string, string> } } } };
    expect(Object.keys(job.spec.jobTemplate.metadata.annotations)).toContain('sidecar.istio.io/status');
    expect(rows.find((r) => r.name === 'shop/node-agent')?.notes).toContain(result.warnings.join('').trim().replace(/^\s+/, ''));
  });
});
