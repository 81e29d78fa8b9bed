/**
 * Golden fixtures (testdata/*.yaml, written for this project): each holds a pod, optional
 * values/mesh overrides and the injection environment. The injected pod is compared with
 * testdata/<name>.golden.yaml (regenerate with UPDATE_GOLDENS=1 and review the diff), and on
 * every fixture the core's invariants are checked.
 */
import fastJsonPatch from 'fast-json-patch';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepFreeze, deepMerge } from '../../config/merge.js';
import { resolveSettings } from '../../config/settings.js';
import { normalizeAs } from '../k8s/normalize.js';
import type { Pod } from '../k8s/pod.js';
import { emitYaml } from '../yaml/emit.js';
import { parseYamlDocument } from '../yaml/parse.js';
import { injectPod } from './inject.js';

const dir = join(import.meta.dirname, 'testdata');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.golden.yaml'));

/**
 * Re-injecting these is not a no-op, exactly as in Istio: a user-declared istio-proxy's fields
 * are re-applied only on first injection (the status annotation lists istio-proxy afterwards),
 * so template-owned fields it overrode (here: resources) revert.
 */
const NOT_IDEMPOTENT = new Set(['user-proxy.yaml']);

interface Fixture {
  env?: { enableNativeSidecars?: string; compliancePolicy?: string };
  values?: unknown;
  mesh?: unknown;
  pod: Pod;
}

function load(name: string): Fixture {
  return parseYamlDocument(readFileSync(join(dir, name), 'utf8')) as Fixture;
}

const baseValues = { global: { hub: 'registry.example/istio', tag: 'testing' } };

function run(f: Fixture, pod: Pod) {
  const settings = resolveSettings({ values: deepMerge(baseValues, f.values ?? {}), mesh: f.mesh });
  return injectPod({ pod }, settings, { enableNativeSidecars: f.env?.enableNativeSidecars ?? 'true', compliancePolicy: f.env?.compliancePolicy });
}

describe.each(fixtures)('fixture %s', (name) => {
  const fixture = load(name);
  const input = deepFreeze(structuredClone(fixture.pod));
  const result = run(fixture, input);

  it('matches its golden output', () => {
    const goldenPath = join(dir, name.replace(/\.yaml$/, '.golden.yaml'));
    const actual = emitYaml(result.pod);
    if (process.env.UPDATE_GOLDENS === '1' || !existsSync(goldenPath)) writeFileSync(goldenPath, actual);
    expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
  });

  it('leaves the (deep-frozen) input untouched', () => {
    expect(input).toEqual(fixture.pod);
  });

  it('yields a patch that turns the received pod into the injected pod', () => {
    const patched = fastJsonPatch.applyPatch(structuredClone(fixture.pod), structuredClone(result.patch) as never, true, false).newDocument;
    expect(normalizeAs('Pod', patched)).toEqual(result.pod);
  });

  it.skipIf(NOT_IDEMPOTENT.has(name))('changes nothing when injected again', () => {
    const again = run(fixture, deepFreeze(structuredClone(result.pod)));
    expect(again.pod).toEqual(result.pod);
    expect(again.patch).toEqual([]);
  });
});
