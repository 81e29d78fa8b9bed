/**
 * The Grafana dashboard (dashboards/sidecar-kit-webhook.json): it parses, every query names
 * only metrics the webhook exports (its own and prom-client's process/Node.js metrics, as
 * `/metrics` serves them), every injector metric is shown somewhere, and the chart renders it
 * into a ConfigMap only when `dashboards.enabled`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWebhookMetrics } from '../../../src/webhook/metrics.js';
import { CHART_DIR, helmSkipReason, render } from './helm.js';

const DASHBOARD = join(CHART_DIR, 'dashboards', 'sidecar-kit-webhook.json');

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query?: unknown; definition?: string }[] };
};

/** PromQL words that are not metric names: functions, aggregations, keywords. */
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'rate', 'increase', 'irate', 'histogram_quantile', 'clamp_min', 'by', 'without', 'on', 'ignoring', 'offset', 'bool', 'label_values',
]);

/** Metric names a PromQL expression reads (label matchers, ranges, grouping lists removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(\.\d+)?(e-?\d+)?\b/g, ' ');
  return [...new Set([...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w)))];
}

/** Every series name `/metrics` can serve (histograms as _bucket/_sum/_count). */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createWebhookMetrics({ defaultMetrics: true });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
    else names.add(m.name);
  }
  return names;
}

const queries = (): string[] => [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
];

describe('the Grafana dashboard', () => {
  it('extracts metric names from PromQL', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket{instance=~"$x"}[5m]))) / clamp_min(sum(rate(b_total[1m])), 1e-9)')).toEqual(['a_bucket', 'b_total']);
    expect(metricNames('label_values(sidecar_injection_requests_total, instance)')).toEqual(['sidecar_injection_requests_total', 'instance']);
  });

  it('parses, with unique panel ids and a stable uid', () => {
    expect(dashboard.uid).toBe('sidecar-kit-webhook');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the webhook exports', async () => {
    const exported = await exportedNames();
    const labels = new Set(['instance']);
    const unknown = queries().flatMap((q) => metricNames(q).filter((n) => !exported.has(n) && !labels.has(n)).map((n) => `${n} in ${q}`));
    expect(unknown).toEqual([]);
  });

  it("shows every one of the injector's own metrics", async () => {
    const used = new Set(queries().flatMap(metricNames));
    const own = [...(await exportedNames())].filter((n) => n.startsWith('sidecar_injection_') && !/_(sum|count)$/.test(n));
    expect(own.length).toBeGreaterThan(8);
    expect(own.filter((n) => !used.has(n))).toEqual([]);
  });
});

describe.skipIf(helmSkipReason !== undefined)(`the dashboard ConfigMap${helmSkipReason ? ` (skipped: ${helmSkipReason})` : ''}`, () => {
  const dashboards = (args: string[]) => render(args).filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboards'));

  it('is not rendered by default', () => {
    expect(dashboards([])).toEqual([]);
  });

  it('carries the JSON verbatim with the Grafana sidecar label when enabled', () => {
    const [cm] = dashboards(['--set', 'dashboards.enabled=true', '--set', 'dashboards.annotations.grafana_folder=Istio']);
    expect(cm?.metadata.labels?.grafana_dashboard).toBe('1');
    expect(cm?.metadata.annotations).toEqual({ grafana_folder: 'Istio' });
    expect((cm?.data as Record<string, string>)['sidecar-kit-webhook.json']).toBe(readFileSync(DASHBOARD, 'utf8'));
  });
});
