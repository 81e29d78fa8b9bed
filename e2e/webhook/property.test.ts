/**
 * Property tests of the webhook route over random pods (fast-check, PROPERTY_RUNS, default 10^4):
 * it never throws or answers anything but a well-formed 200 AdmissionReview; every patch applies
 * with fast-json-patch; re-injecting the injected pod changes nothing, or, for the shapes whose
 * re-injection Istio itself does not leave alone (docs/inject.md "Re-injection"), changes only
 * what Istio changes and converges by the third injection; and a sample of patches applied with
 * `kubectl patch --local --type=json` (the API server's Go implementation) gives the same pod as
 * fast-json-patch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import fjp from 'fast-json-patch';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWebhookApp } from '../../src/webhook/app.js';
import { createCoreInjector, injectionEnvironment, settingsFromTexts } from '../../src/webhook/core-injector.js';
import { createWebhookMetrics } from '../../src/webhook/metrics.js';
import type { PodInjector } from '../../src/webhook/types.js';
import { podArbitrary } from './arbitraries.js';
import { findKubectl } from './kubectl.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 10_000);
const KUBECTL_SAMPLES = 150;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const settings = settingsFromTexts({}, '');
const injectors: Record<string, PodInjector> = {
  native: createCoreInjector(settings, injectionEnvironment({ ENABLE_NATIVE_SIDECARS: 'true' })),
  classic: createCoreInjector(settings, injectionEnvironment({ ENABLE_NATIVE_SIDECARS: 'false' })),
};
let mode = 'native';
const app = buildWebhookApp({
  injector: { current: () => injectors[mode] as PodInjector },
  cluster: { snapshot: () => ({ nodes: undefined, namespaceAnnotations: undefined }) },
  logger: pino({ level: 'silent' }),
  metrics: createWebhookMetrics(),
  clock: { now: () => performance.now() },
});
afterAll(() => app.close());

type Pod = Record<string, unknown>;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== null).map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}
const canonical = (v: unknown) => JSON.stringify(sortKeys(v));

async function admit(pod: Pod, url: string) {
  const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'prop', kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: (pod.metadata as { namespace?: string }).namespace ?? 'default', operation: 'CREATE', object: pod } };
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review) });
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
  const response = res.json().response as { uid: string; allowed: boolean; patch?: string; patchType?: string; status?: { message: string } };
  if (response.uid !== 'prop') throw new Error('uid not echoed');
  if (!response.allowed && !response.status?.message) throw new Error('rejection without a message');
  const patch = response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as fjp.Operation[]) : undefined;
  return { response, patch };
}

const samples: { pod: Pod; patch: fjp.Operation[]; patched: Pod }[] = [];

const INJECTED = new Set(['istio-proxy', 'istio-init', 'istio-validation']);
type Container = { name: string; env?: { name: string; value?: string }[] };
const containersOf = (pod: Pod): Container[] => {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
};

/** The application probers handed to the agent (ISTIO_KUBE_APP_PROBERS), parsed. */
function probersOf(pod: Pod): unknown {
  const value = containersOf(pod).find((c) => c.name === 'istio-proxy')?.env?.find((e) => e.name === 'ISTIO_KUBE_APP_PROBERS')?.value;
  return value === undefined ? {} : JSON.parse(value);
}

/** The pod with its containers mapped (in containers and initContainers). */
function mapContainers(pod: Pod, f: (c: Container) => Container | undefined): Pod {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const map = (list: Container[] | undefined) => list?.flatMap((c) => f(c) ?? []);
  return { ...pod, spec: { ...spec, containers: map(spec.containers), initContainers: map(spec.initContainers) } };
}
/** Without the injected containers: what re-injection never touches, whatever the pod declares. */
const withoutInjected = (pod: Pod) => mapContainers(pod, (c) => (INJECTED.has(c.name) ? undefined : c));
/** With the proxy env sorted: its order is all re-injection may change otherwise. */
const proxyEnvSorted = (pod: Pod) =>
  mapContainers(pod, (c) => (c.name === 'istio-proxy' ? { ...c, env: [...(c.env ?? [])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) } : c));

describe('webhook properties over random pods', () => {
  it(`never fails and every patch applies (${RUNS} pods)`, { timeout: 600_000 }, async () => {
    let injected = 0;
    await fc.assert(
      fc.asyncProperty(podArbitrary, fc.constantFrom('native', 'classic'), fc.constantFrom('/inject', '/inject/cluster/c1/net/n1'), async (pod, m, url) => {
        mode = m;
        const before = structuredClone(pod);
        const first = await admit(pod, url);
        expect(pod).toEqual(before);
        if (!first.response.allowed || !first.patch) return;
        expect(first.response.patchType).toBe('JSONPatch');
        const patched = fjp.applyPatch(structuredClone(pod), first.patch, true, false).newDocument as Pod;
        injected++;
        if (samples.length < KUBECTL_SAMPLES && Math.random() < 0.05) samples.push({ pod: before, patch: first.patch, patched });
      }),
      { numRuns: RUNS },
    );
    // the generator must exercise injection, not only skips and rejections
    expect(injected).toBeGreaterThan(RUNS / 5);
  });

  /**
   * Plain pods: the second injection changes nothing. The shapes Istio's own algorithm changes
   * again (user-declared istio-proxy/istio-init, the `topology.istio.io/network` label, URL
   * cluster/network overrides; docs/inject.md "Re-injection"): each re-injection keeps the
   * first injection's probers and changes only the proxy env order (with user-declared
   * injected containers: nothing outside them), and the third injection is a fixed point.
   * Re-injection stops at the first fixed point, so plain pods cost two admissions.
   */
  it(`re-injection changes nothing, or converges by the third injection (${RUNS} pods)`, { timeout: 600_000 }, async () => {
    let reinjected = 0;
    let converging = 0;
    await fc.assert(
      fc.asyncProperty(podArbitrary, fc.constantFrom('native', 'classic'), fc.constantFrom('/inject', '/inject/cluster/c1/net/n1'), async (pod, m, url) => {
        mode = m;
        const first = await admit(pod, url);
        if (!first.response.allowed || !first.patch) return;
        const userDeclared = containersOf(pod).some((c) => INJECTED.has(c.name));
        const labels = ((pod.metadata as { labels?: Record<string, string> }).labels ?? {});
        const plain = !userDeclared && !Object.hasOwn(labels, 'topology.istio.io/network') && url === '/inject';
        const injected = fjp.applyPatch(structuredClone(pod), first.patch, true, false).newDocument as Pod;
        let previous = injected;
        for (let round = 2; ; round++) {
          const again = await admit(previous, url);
          expect(again.response.allowed, again.response.status?.message).toBe(true);
          const next = again.patch ? (fjp.applyPatch(structuredClone(previous), again.patch, true, false).newDocument as Pod) : previous;
          if (canonical(next) === canonical(previous)) break;
          expect(plain, `re-injection ${round} of a plain pod changes it`).toBe(false);
          expect(round, 'the third injection is a fixed point').toBeLessThanOrEqual(3);
          expect(probersOf(next), `probers after injection ${round}`).toEqual(probersOf(injected));
          if (userDeclared) expect(canonical(withoutInjected(next))).toBe(canonical(withoutInjected(previous)));
          else expect(canonical(proxyEnvSorted(next))).toBe(canonical(proxyEnvSorted(previous)));
          if (round === 2) converging++;
          previous = next;
        }
        reinjected++;
      }),
      { numRuns: RUNS },
    );
    expect(reinjected).toBeGreaterThan(RUNS / 5);
    // the generator must reach the shapes that converge only later, not just plain pods
    expect(converging).toBeGreaterThan(0);
  });

  const kubectl = findKubectl(path.join(root, 'node_modules', '.cache', 'sidecar-kit-kubectl'));
  it.skipIf(!('path' in kubectl))(`kubectl patch --local applies the same patches (${'reason' in kubectl ? kubectl.reason : 'sampled'})`, { timeout: 300_000 }, () => {
    expect(samples.length).toBeGreaterThan(10);
    const dir = mkdtempSync(path.join(tmpdir(), 'sk-kubectl-'));
    try {
      for (const [i, s] of samples.entries()) {
        const file = path.join(dir, `pod-${i}.json`);
        writeFileSync(file, JSON.stringify(s.pod));
        const r = spawnSync((kubectl as { path: string }).path, ['patch', '--local', '-f', file, '--type=json', '-p', JSON.stringify(s.patch), '-o', 'json'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        expect(canonical(JSON.parse(r.stdout))).toBe(canonical(s.patched));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
