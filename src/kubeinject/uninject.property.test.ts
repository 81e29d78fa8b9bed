/**
 * The round trip, as a property over the differential suite's generators (e2e/oracle/arbitraries.ts):
 * for generated multi-document manifests of every workload kind (Lists included), under several
 * installs (defaults, CNI mode, native sidecars, hold-until-proxy-starts, a revision, pull
 * secrets, a status port), uninject(inject(P)) == P, compared as the typed objects kube-inject
 * serialises. A manifest that injection refuses (the generators draw invalid annotations on
 * purpose) is skipped.
 *
 * P is first made "knowable": the few inputs whose original uninjection cannot tell from what
 * injection writes (docs/kube-inject.md lists them) are taken out of the generated manifest —
 * a user container or volume with an injected name, a `security.istio.io/tlsMode: istio` label,
 * empty canonical labels or Prometheus annotations, probe ports by name (the agent keeps the
 * number) or on the status port, and in CNI mode the capture annotations at Istio's defaults.
 * Everything else the generators draw stays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../../e2e/oracle/arbitraries.js';
import { resolveSettings } from '../core/config/settings.js';
import type { InjectionEnvironment } from '../core/inject/environment.js';
import { injectManifest } from './manifest.js';
import { makeKnowable, typed } from './testing/knowable.js';
import { uninjectManifest } from './uninject-manifest.js';

const RUNS = Number(process.env.UNINJECT_PROPERTY_RUNS ?? 25);

const INSTALLS: readonly { name: string; values?: unknown; mesh?: unknown; revision?: string; native?: string; cni?: boolean }[] = [
  { name: 'defaults' },
  { name: 'CNI mode', values: { pilot: { cni: { enabled: true } } }, cni: true },
  { name: 'native sidecars', native: 'true' },
  { name: 'native sidecars in CNI mode', native: 'true', values: { pilot: { cni: { enabled: true } } }, cni: true },
  { name: 'hold until the proxy starts, revision canary, pull secrets', values: { global: { proxy: { holdApplicationUntilProxyStarts: true }, imagePullSecrets: ['reg1'] } }, revision: 'canary' },
  { name: 'status port 15021, HBONE metadata', mesh: { defaultConfig: { statusPort: 15021, proxyMetadata: { ISTIO_META_ENABLE_HBONE: 'true' } } } },
];

describe('kube-uninject round trip: uninject(inject(P)) == P', () => {
  for (const install of INSTALLS) {
    it(`${install.name}: ${RUNS} generated manifests`, { timeout: 120_000 }, () => {
      const settings = resolveSettings({ values: install.values, mesh: install.mesh, revision: install.revision });
      const env: InjectionEnvironment = { enableNativeSidecars: install.native ?? 'false', compliancePolicy: '', platform: '' };
      let injected = 0;
      fc.assert(
        fc.property(arb.manifest, (docs) => {
          const p = structuredClone(docs) as Record<string, unknown>[];
          if (!p.map((d) => makeKnowable(d, install.cni === true)).every(Boolean)) return;
          const text = p.map((d) => JSON.stringify(d)).join('\n---\n');
          let inj: string;
          try {
            inj = injectManifest(text, { settings, env, facts: {} }).output;
          } catch {
            return; // refused by injection (the generators draw invalid annotations on purpose)
          }
          if (inj.includes('sidecar.istio.io/status')) injected++;
          const back = uninjectManifest(inj);
          expect(typed(back.output)).toEqual(typed(text));
        }),
        { numRuns: RUNS },
      );
      expect(injected).toBeGreaterThan(RUNS / 10);
    });
  }
});
