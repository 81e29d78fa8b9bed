/**
 * A stand-in `PodInjector` for tests of the webhook edge (HTTP contract, metrics, TLS, reload):
 * it skips hostNetwork pods, rejects pods annotated `test.sidecar-kit.io/reject`, and otherwise
 * adds one container whose env carries the proxy env overrides. It makes no claim about what
 * Istio injects; the real injector is tested against the CLI and the conformance goldens.
 */
import { encodePatch, type AdmissionInput, type AdmissionOutcome, type PodInjector } from '../types.js';

export function createStubInjector(tag = 'stub'): PodInjector {
  return {
    admit(input: AdmissionInput): AdmissionOutcome {
      structuredClone(input.pod); // like the core, which works on a copy
      const spec = (input.pod.spec ?? {}) as { hostNetwork?: boolean; containers?: unknown[] | null };
      const meta = (input.pod.metadata ?? {}) as { annotations?: Record<string, string> | null };
      if (spec.hostNetwork) return { kind: 'skipped', reason: 'HostNetwork', message: 'pod uses hostNetwork' };
      const reject = meta.annotations?.['test.sidecar-kit.io/reject'];
      if (reject !== undefined) return { kind: 'rejected', code: 'InvalidAnnotation', message: reject };
      const env = Object.entries(input.proxyEnv).map(([name, value]) => ({ name, value }));
      const container = { name: `${tag}-proxy`, image: `${tag}:latest`, env };
      const hasList = Array.isArray(spec.containers);
      return {
        kind: 'injected',
        warnings: [],
        patch: encodePatch(
          hasList
            ? [{ op: 'add', path: '/spec/containers/-', value: container }]
            : [{ op: 'add', path: '/spec/containers', value: [container] }],
        ),
      };
    },
  };
}
