/**
 * The compiled field loops (normalize-compile.ts) against the generic ones: on random values
 * for every described struct (valid, zero, null, wrong-typed and out-of-range members), both
 * produce the same output, key order included, or both reject with the same message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAs, normalizeAsGeneric, setCompileThreshold } from './normalize.js';
import { hasStruct, structSpec, type FieldType } from './schema.js';
import './structs-workloads.js';

const STRUCTS = [
  'Pod', 'Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'ReplicationController', 'DeploymentConfig', 'List',
  'Container', 'Volume', 'Probe', 'SecurityContext', 'PodSecurityContext', 'ResourceRequirements', 'EnvVar',
];

const oddValue = fc.constantFrom<unknown>(null, undefined, '', 'x', 0, -0, 1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 64, true, false, [], {}, ['a'], { a: null });

function valueOf(t: FieldType, depth: number): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case 'scalar':
      return t.scalar === 'str' ? fc.constantFrom('', 'a', 'name') : t.scalar === 'bool' ? fc.boolean() : fc.constantFrom(0, 1, 80, 65535, 2 ** 31 - 1);
    case 'qty':
      return fc.constantFrom('100m', '2000m', '1Gi', '1024Mi', 0.5, 1000, '0');
    case 'ios':
      return fc.constantFrom(80, 'http', 0, '');
    case 'any':
      return fc.constantFrom({ a: 1, b: null }, [1, null], 'x');
    case 'struct':
      return depth > 3 || !hasStruct(t.name) ? fc.constant({}) : structValue(t.name, depth + 1);
    case 'list':
      return fc.array(valueOf(t.of, depth + 1), { maxLength: 2 });
    case 'map':
      return fc.dictionary(fc.constantFrom('k', 'l', 'cpu'), valueOf(t.of, depth + 1), { maxKeys: 2 });
  }
}

function structValue(name: string, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields = structSpec(name).fieldList;
  return fc
    .array(fc.constantFrom(...fields), { maxLength: Math.min(fields.length, 6) })
    .chain((picked) =>
      fc.tuple(...picked.map(([key, f]) => fc.tuple(fc.constant(key), fc.oneof({ weight: 5, arbitrary: valueOf(f.type, depth) }, { weight: 1, arbitrary: oddValue })))),
    )
    .map((entries) => Object.fromEntries(entries));
}

function outcome(fn: () => unknown): string {
  try {
    return `ok ${JSON.stringify(fn())}`;
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
}

describe('compiled normalisation', () => {
  setCompileThreshold(0);
  it.each(STRUCTS)('%s: same as the generic field loops', (name) => {
    fc.assert(
      fc.property(structValue(name, 0), (input) => {
        expect(outcome(() => normalizeAs(name, structuredClone(input)))).toBe(outcome(() => normalizeAsGeneric(name, structuredClone(input))));
      }),
      { numRuns: 300 },
    );
  });
});
