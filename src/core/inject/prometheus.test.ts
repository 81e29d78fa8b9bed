import { describe, expect, it } from 'vitest';
import type { Pod } from '../k8s/pod.js';
import { applyPrometheusMerge } from './prometheus.js';

const mesh = { enablePrometheusMerge: true };
const pod = (annotations: Record<string, string>): Pod => ({
  metadata: { annotations },
  spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', env: [] }] },
});
const merged = { 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/scrape': 'true' };

// Istio's PrometheusScrapeConfiguration at the pinned module emits scrape, path and port always.
describe('applyPrometheusMerge', () => {
  it.each([
    { name: 'no app settings: only the merged endpoint', ann: {}, env: undefined, out: merged },
    {
      name: 'app settings move into ISTIO_PROMETHEUS_ANNOTATIONS',
      ann: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' },
      env: '{"scrape":"true","path":"","port":"9102"}',
      out: merged,
    },
    {
      name: 'any spelling Prometheus sanitises the same is recognised and cleared',
      ann: { 'prometheus.io.port': '8080', prometheus_io_path: '/m' },
      env: '{"scrape":"","path":"/m","port":"8080"}',
      out: merged,
    },
    {
      name: 'scrape-targets: first target fills port/path, all listed',
      ann: { 'prometheus.istio.io/scrape-targets': '9000, 9100:/x' },
      env: '{"scrape":"","path":"/metrics","port":"9000","targets":[{"port":"9000","path":"/metrics"},{"port":"9100","path":"/x"}]}',
      out: merged,
    },
    { name: 'scrape disabled: untouched', ann: { 'prometheus.io/scrape': 'false' }, env: undefined, out: { 'prometheus.io/scrape': 'false' } },
    { name: 'merge disabled by annotation', ann: { 'prometheus.istio.io/merge-metrics': 'false' }, env: undefined, out: { 'prometheus.istio.io/merge-metrics': 'false' } },
    { name: 'already pointing at the status port: untouched', ann: { 'prometheus.io/port': '15020' }, env: undefined, out: { 'prometheus.io/port': '15020' } },
  ])('$name', ({ ann, env, out }) => {
    const p = pod({ ...(ann as Record<string, string>) });
    applyPrometheusMerge(p, mesh, 15020);
    const { 'prometheus.istio.io/merge-metrics': _m, ...rest } = p.metadata?.annotations ?? {};
    const expectedRest = { ...out } as Record<string, string>;
    delete expectedRest['prometheus.istio.io/merge-metrics'];
    expect(rest).toEqual(expectedRest);
    expect(p.spec?.containers?.[1]?.env?.find((e) => e.name === 'ISTIO_PROMETHEUS_ANNOTATIONS')?.value).toBe(env);
  });

  it('respects mesh enablePrometheusMerge=false', () => {
    const p = pod({ 'prometheus.io/port': '9000' });
    applyPrometheusMerge(p, { enablePrometheusMerge: false }, 15020);
    expect(p.metadata?.annotations).toEqual({ 'prometheus.io/port': '9000' });
  });

  // Istio's words (webhook.go applyPrometheusMerge), checked against the oracle.
  it.each([
    [{ 'prometheus.io/port': '15090' }, 'invalid prometheus scrape configuration: port 15090 is reserved for Istio (Envoy Prometheus (already merged)) and cannot be scraped'],
    [{ 'prometheus.io/port': '0' }, 'invalid prometheus scrape configuration: invalid port "0"'],
    [{ 'prometheus.io/port': 'x' }, 'invalid prometheus scrape configuration: invalid port "x"'],
    [{ 'prometheus.io/port': '+15021' }, 'invalid prometheus scrape configuration: port +15021 is reserved for Istio (Envoy health) and cannot be scraped'],
    [{ 'prometheus.io/port': '015020' }, 'invalid prometheus scrape configuration: port 015020 conflicts with agent port'],
    [{ 'prometheus.istio.io/scrape-targets': '8080,15000:/m' }, 'invalid prometheus scrape targets: target port 15000 is reserved for Istio (Envoy admin) and cannot be scraped'],
    // With scrape targets the legacy port annotation is not checked; the targets are.
    [{ 'prometheus.io/port': 'x', 'prometheus.istio.io/scrape-targets': '70000' }, 'invalid prometheus scrape targets: invalid target port "70000"'],
  ])('rejects %j: %s', (annotations, message) => {
    let thrown = '';
    try {
      applyPrometheusMerge(pod(annotations), mesh, 15020);
    } catch (e) {
      thrown = (e as Error).message;
    }
    expect(thrown).toBe(message);
  });

  it('ignores scrape targets with an empty port (Istio only logs them) and checks the legacy port instead', () => {
    expect(() => applyPrometheusMerge(pod({ 'prometheus.io/port': '8080', 'prometheus.istio.io/scrape-targets': ':/m' }), mesh, 15020)).not.toThrow();
    expect(() => applyPrometheusMerge(pod({ 'prometheus.io/port': 'x', 'prometheus.istio.io/scrape-targets': '8080,:/m' }), mesh, 15020)).toThrow('invalid port "x"');
  });
});
