/**
 * Every golden pod fixture (src/core/inject/testdata) through both of Istio's paths, as Istio's
 * own injection tests do: the core (`injectPod`, what kube-inject calls) and the webhook's HTTP
 * route (AdmissionReview in, JSONPatch out). The route's patch applied to the received pod must
 * give the core's pod, and both must match the fixture's golden file.
 */
import fastJsonPatch from 'fast-json-patch';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepFreeze, deepMerge } from '../core/config/merge.js';
import { resolveSettings } from '../core/config/settings.js';
import type { InjectionEnvironment } from '../core/inject/environment.js';
import { injectPod } from '../core/inject/inject.js';
import { normalizeAs } from '../core/k8s/normalize.js';
import type { Pod } from '../core/k8s/pod.js';
import { emitYaml } from '../core/yaml/emit.js';
import { parseYamlDocument } from '../core/yaml/parse.js';
import { createCoreInjector } from './core-injector.js';
import { buildTestApp, review } from './testing/harness.js';

const dir = join(import.meta.dirname, '../core/inject/testdata');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.golden.yaml'));

interface Fixture {
  env?: { enableNativeSidecars?: string; compliancePolicy?: string };
  envOverrides?: Record<string, string>;
  values?: unknown;
  mesh?: unknown;
  pod: Pod;
}

/** The values golden.test.ts injects with (kept equal: both read the same goldens). */
const baseValues = { global: { hub: 'registry.example/istio', tag: 'testing' } };

/** The webhook URL that carries `envOverrides` (`/inject/KEY/value/...`, `/` in values as `--slash--`). */
const injectUrl = (overrides: Readonly<Record<string, string>> = {}): string =>
  ['/inject', ...Object.entries(overrides).flatMap(([k, v]) => [k, v.replaceAll('/', '--slash--')])].join('/');

describe('golden fixtures: the core and the HTTP route agree', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(10);
  });

  it.each(fixtures)('%s', async (name) => {
    const f = parseYamlDocument(readFileSync(join(dir, name), 'utf8')) as Fixture;
    const settings = resolveSettings({ values: deepMerge(baseValues, f.values ?? {}), mesh: f.mesh });
    const env: InjectionEnvironment = { enableNativeSidecars: f.env?.enableNativeSidecars ?? 'true', compliancePolicy: f.env?.compliancePolicy ?? '', platform: '' };
    const namespace = f.pod.metadata?.namespace ?? 'default';
    const core = injectPod({ pod: deepFreeze(structuredClone(f.pod)), namespace, envOverrides: f.envOverrides }, settings, env);

    const { app } = buildTestApp({ injector: createCoreInjector(settings, env) });
    const res = await app.inject({ method: 'POST', url: injectUrl(f.envOverrides), headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review(f.pod, { namespace })) });
    expect(res.statusCode).toBe(200);
    const answer = (res.json() as { response: { allowed: boolean; patch?: string; status?: { message?: string } } }).response;
    expect(answer.allowed, answer.status?.message).toBe(true);
    expect(answer.patch, 'the route returned no patch').toBeDefined();
    const patch = JSON.parse(Buffer.from(answer.patch as string, 'base64').toString('utf8')) as never;
    const viaRoute = normalizeAs('Pod', fastJsonPatch.applyPatch(structuredClone(f.pod), patch, true, false).newDocument);
    // The request's namespace stands in for a missing metadata.namespace without being patched in.
    const { namespace: _ns, ...meta } = core.pod.metadata ?? {};
    expect(viaRoute).toEqual(f.pod.metadata?.namespace === undefined ? { ...core.pod, metadata: meta } : core.pod);
    expect(emitYaml(viaRoute)).toBe(readFileSync(join(dir, name.replace(/\.yaml$/, '.golden.yaml')), 'utf8'));
    await app.close();
  });
});
