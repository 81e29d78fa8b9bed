/**
 * kube-uninject against Istio's own injection: uninject(istioctl kube-inject(P)) == P. The
 * manifests come from the differential suite's generators (made knowable as in the unit property,
 * src/kubeinject/testing/knowable.ts), injected by Istio's kube-inject code in the oracle with
 * Istio's chart rendered for a few installs (defaults, CNI, native sidecars, hold-until-proxy,
 * pull secrets, revision canary), then uninjected by ours. A fresh seed each run, printed with the
 * command that replays it. Needs Go >= 1.26 (the oracle; built once into ~/.cache/sidecar-kit).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeKnowable, typed } from '../../src/kubeinject/testing/knowable.js';
import { uninjectManifest } from '../../src/kubeinject/uninject-manifest.js';
import * as arb from './arbitraries.js';
import { withOracle } from './fixture.js';

const RUNS = Number(process.env.UNINJECT_ORACLE_RUNS ?? 150);

const INSTALLS = fc.constantFrom(
  { set: [] as string[], native: 'false', revision: '', cni: false },
  { set: ['components.cni.enabled=true'], native: 'false', revision: '', cni: true },
  { set: [] as string[], native: 'true', revision: '', cni: false },
  { set: ['components.cni.enabled=true'], native: 'true', revision: '', cni: true },
  { set: ['values.global.proxy.holdApplicationUntilProxyStarts=true', 'values.global.imagePullSecrets[0]=reg1'], native: 'false', revision: 'canary', cni: false },
);

describe("kube-uninject inverts Istio's own kube-inject", () => {
  const live = withOracle();

  it(`${RUNS} generated manifests injected by istioctl's code come back unchanged`, { timeout: 900_000 }, async () => {
    const seed = Number(process.env.UNINJECT_ORACLE_SEED ?? Math.floor(Math.random() * 2 ** 31));
    process.stdout.write(`uninject-oracle: seed ${seed} (replay: UNINJECT_ORACLE_SEED=${seed} UNINJECT_ORACLE_RUNS=${RUNS} npx vitest run --config e2e/vitest.config.ts e2e/oracle/uninject.test.ts)\n`);
    let injected = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(INSTALLS, arb.manifest, async (install, docs) => {
        const p = structuredClone(docs) as Record<string, unknown>[];
        if (!p.map((d) => makeKnowable(d, install.cni)).every(Boolean)) return;
        const text = p.map((d) => JSON.stringify(d)).join('\n---\n');
        const s = await live.ctx.settingsFor(install.set, '');
        const istio = await live.oracle.request({
          op: 'kubeinject', values: s.values, config: s.config, mesh: s.mesh, meshExact: true,
          native: install.native, compliance: '', revision: install.revision, input: text,
        });
        if (!istio.ok) {
          refused++;
          return;
        }
        const out = istio.output ?? '';
        if (out.includes('sidecar.istio.io/status')) injected++;
        expect(typed(uninjectManifest(out).output)).toEqual(typed(text));
      }),
      { numRuns: RUNS, seed },
    );
    process.stdout.write(`uninject-oracle: ${RUNS} manifests, ${injected} with injected objects, ${refused} refused by Istio\n`);
    expect(injected).toBeGreaterThan(RUNS / 10);
  });
});
