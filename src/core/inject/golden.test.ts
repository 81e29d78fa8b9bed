/**
 * Golden fixtures (testdata/*.yaml, written for this project): each holds a pod, optional
 * values/mesh overrides and the injection environment. The injected pod is compared with
 * testdata/<name>.golden.yaml (regenerate with UPDATE_GOLDENS=1 and review the diff; a missing
 * golden, a stale one and a golden without its fixture fail), and on every fixture the core's
 * invariants are checked: the input is never modified, every patch reproduces the injected pod,
 * and injecting the result again changes nothing, or changes exactly what Istio's re-injection
 * changes (REINJECTION), after which it is a fixed point. src/webhook/golden-route.test.ts
 * sends every fixture through the webhook's HTTP route too: it must agree with the core.
 */
import fastJsonPatch from 'fast-json-patch';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepFreeze, deepMerge } from '../config/merge.js';
import { resolveSettings } from '../config/settings.js';
import { normalizeAs } from '../k8s/normalize.js';
import type { Pod } from '../k8s/pod.js';
import { emitYaml } from '../yaml/emit.js';
import { parseYamlDocument } from '../yaml/parse.js';
import { injectPod } from './inject.js';
import { editContainer, edits, moveProxyEnv, setProxyEnv, withResource, type ReinjectionExpectation } from './reinjection-expectations.js';

const dir = join(import.meta.dirname, 'testdata');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.golden.yaml'));

const APPENDED_ENV =
  'appended proxy env variables keep their place relative to the template\'s (§c.10 step 3) and cluster/network overrides move to the end (§c.4 #27)';
const USER_CONTAINERS = 'user fields of istio-proxy/istio-init are applied only on first injection (§c.10 step 4)';

/** Fixtures whose re-injection Istio does not leave alone either (see reinjection-expectations.ts). */
const REINJECTION: Record<string, ReinjectionExpectation> = {
  'url-overrides-probes.yaml': {
    because: APPENDED_ENV,
    rounds: [
      moveProxyEnv('ISTIO_KUBE_APP_PROBERS', { before: 'ISTIO_META_CLUSTER_ID' }),
      // the template renders ISTIO_META_CLUSTER_ID right after GOMAXPROCS; the probers now precede it
      moveProxyEnv('ISTIO_KUBE_APP_PROBERS', { after: 'GOMAXPROCS' }),
    ],
  },
  'network-label-probes.yaml': {
    because: APPENDED_ENV,
    rounds: [moveProxyEnv('ISTIO_META_NETWORK', 'last')],
  },
  'user-containers-native.yaml': {
    because: `${USER_CONTAINERS}; the saved istio-proxy returns under initContainers, out of ISTIO_META_POD_PORTS`,
    rounds: [
      edits(
        editContainer('istio-proxy', (c) => ({
          ...c,
          args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning',
            '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
        })),
        editContainer('istio-proxy', (c) => withResource(c, 'limits', 'cpu', '2')),
        setProxyEnv('ISTIO_META_POD_PORTS', '[\n    {"containerPort":8080}\n]'),
        editContainer('istio-init', (c) => withResource(c, 'requests', 'memory', '128Mi')),
      ),
    ],
  },
  'user-proxy.yaml': {
    because: `${USER_CONTAINERS}; istio-init's -u follows the previous injection's istio-proxy UID`,
    rounds: [
      editContainer('istio-proxy', (c) => ({ ...withResource(c, 'limits', 'memory', '1Gi'), securityContext: { ...c.securityContext, runAsUser: 1337 } })),
      editContainer('istio-init', (c) => ({ ...c, args: (c.args ?? []).map((a, i, all) => (all[i - 1] === '-u' ? '1337' : a)) })),
    ],
  },
};

interface Fixture {
  env?: { enableNativeSidecars?: string; compliancePolicy?: string };
  envOverrides?: Record<string, string>;
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
  return injectPod({ pod, envOverrides: f.envOverrides }, settings, { enableNativeSidecars: f.env?.enableNativeSidecars ?? 'true', compliancePolicy: f.env?.compliancePolicy });
}

it('every golden has its fixture (a golden left behind by a removed or renamed fixture fails)', () => {
  const goldens = readdirSync(dir).filter((f) => f.endsWith('.golden.yaml'));
  expect(goldens.filter((g) => !fixtures.includes(g.replace(/\.golden\.yaml$/, '.yaml')))).toEqual([]);
  expect(goldens.length).toBe(fixtures.length);
});

describe.each(fixtures)('fixture %s', (name) => {
  const fixture = load(name);
  const input = deepFreeze(structuredClone(fixture.pod));
  const result = run(fixture, input);

  it('matches its golden output', () => {
    const goldenPath = join(dir, name.replace(/\.yaml$/, '.golden.yaml'));
    const actual = emitYaml(result.pod);
    // A golden is only ever written on request; a missing one fails like a stale one.
    if (process.env.UPDATE_GOLDENS === '1') writeFileSync(goldenPath, actual);
    expect(existsSync(goldenPath), `${goldenPath} is missing: run UPDATE_GOLDENS=1 npx vitest run src/core/inject/golden.test.ts and review it`).toBe(true);
    expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
  });

  it('leaves the (deep-frozen) input untouched', () => {
    expect(input).toEqual(fixture.pod);
  });

  it('yields a patch that turns the received pod into the injected pod', () => {
    const patched = fastJsonPatch.applyPatch(structuredClone(fixture.pod), structuredClone(result.patch) as never, true, false).newDocument;
    expect(normalizeAs('Pod', patched)).toEqual(result.pod);
  });

  const expected = REINJECTION[name];
  const title = expected
    ? `re-injection changes exactly what Istio's does (${expected.rounds.length} round(s)), then nothing: ${expected.because}`
    : 'changes nothing when injected again';
  it(title, () => {
    let previous = result.pod;
    for (const [i, edit] of (expected?.rounds ?? []).entries()) {
      const again = run(fixture, deepFreeze(structuredClone(previous)));
      expect(again.pod, `injection ${i + 2}`).toEqual(normalizeAs('Pod', edit(previous)));
      const patched = fastJsonPatch.applyPatch(structuredClone(previous), structuredClone(again.patch) as never, true, false).newDocument;
      expect(normalizeAs('Pod', patched), `patch of injection ${i + 2}`).toEqual(again.pod);
      previous = again.pod;
    }
    const last = run(fixture, deepFreeze(structuredClone(previous)));
    expect(last.pod).toEqual(previous);
    expect(last.patch).toEqual([]);
  });
});
