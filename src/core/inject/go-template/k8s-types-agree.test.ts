/**
 * The pod model exists twice on purpose: core/k8s describes the structs for decoding,
 * normalising and strategic merge (field order, omitempty, pointers, merge keys); the Go type
 * views here describe the same structs as Go's text/template sees them (Go names, methods,
 * zero values). Deriving one from the other would put template concerns into core/k8s or
 * merge keys into the template engine, so this test keeps them equal instead: every struct
 * both describe has the same JSON fields in the same (Go declaration) order, with the same
 * types, pointers and omitempty.
 */
import { describe, expect, it } from 'vitest';
import '../../k8s/structs-workloads.js';
import { hasStruct, structNames, structSpec, type FieldSpec, type FieldType } from '../../k8s/schema.js';
import type { FieldDef, GoType, StructType } from '../../template/types.js';
import { goTypes } from './k8s-types.js';
import './istio-types.js';

/** Go's name for a core/k8s field type; undefined for `any` (kept verbatim: any Go type fits). */
function goNameOf(t: FieldType): string | undefined {
  switch (t.kind) {
    case 'scalar':
      return { str: 'string', int: 'int64', i32: 'int32', bool: 'bool', float: 'float64' }[t.scalar];
    case 'qty':
      return 'resource.Quantity';
    case 'ios':
      return 'intstr.IntOrString';
    case 'any':
      return undefined;
    case 'struct':
      return `v1.${t.name}`;
    case 'list': {
      const of = goNameOf(t.of);
      return of === undefined ? undefined : `[]${of}`;
    }
    case 'map': {
      const of = goNameOf(t.of);
      return of === undefined ? undefined : `map[string]${of}`;
    }
  }
}

const expectedGoType = (f: FieldSpec): string | undefined => {
  const name = goNameOf(f.type);
  return name === undefined ? undefined : f.pointer ? `*${name}` : name;
};

/**
 * Where the two models knowingly differ, each with its reason. Go's names first, core/k8s's after.
 * - core/k8s describes Go's ConfigMapKeySelector and SecretKeySelector (identical fields) as one
 *   `KeySelector`; the views keep Go's two names because templates can print a type's name.
 */
const SAME_STRUCT: Readonly<Record<string, string>> = {
  'v1.ConfigMapKeySelector': 'v1.KeySelector',
  'v1.SecretKeySelector': 'v1.KeySelector',
};
/**
 * - Pod: core/k8s lists `apiVersion` before `kind` (as every workload struct there does); Go's
 *   TypeMeta declares `kind` first. kube-inject's YAML sorts keys and the webhook answers with a
 *   JSON patch, and the conformance and differential suites pass with it; this refactoring
 *   changes no behaviour, so only the set is compared here (issue 14 follow-up: align or explain).
 */
const ORDER_ONLY_AS_SET = new Set(['Pod']);

/** A struct's JSON fields with inline-embedded structs expanded in place, as encoding/json writes them. */
function jsonFields(t: StructType): FieldDef[] {
  return (t.def?.fields ?? []).flatMap((f) => (f.inline && f.type.kind === 'struct' ? jsonFields(f.type) : [f]));
}

/** `any` in core/k8s and an open struct in the views both mean "not described field by field". */
const loose = (g: GoType): boolean => g.kind === 'interface' || (g.kind === 'ptr' ? loose(g.elem) : g.kind === 'struct' && g.def?.special === 'open');

const shared = structNames().filter((n) => {
  if (!goTypes.has(`v1.${n}`)) return false;
  const g = goTypes.type(`v1.${n}`);
  return g.kind === 'struct' && g.def !== undefined && g.def.special === undefined;
});

describe('pod schema (core/k8s) and Go type views (go-template/k8s-types) agree', () => {
  it('compares a meaningful set of structs', () => {
    expect(shared).toEqual(expect.arrayContaining(['Pod', 'PodSpec', 'Container', 'ObjectMeta', 'Probe', 'Volume', 'SecurityContext', 'EnvVar']));
    expect(shared.length).toBeGreaterThan(30);
  });

  it.each(shared)('%s: same fields in the same order, same types, pointers and omitempty', (name) => {
    const spec = structSpec(name);
    const view = jsonFields(goTypes.type(`v1.${name}`) as StructType);
    const names = (keys: string[]): string[] => (ORDER_ONLY_AS_SET.has(name) ? [...keys].sort() : keys);
    expect(names(view.map((f) => f.json))).toEqual(names(spec.fieldList.map(([k]) => k)));
    for (const f of view) {
      const s = spec.fields.get(f.json) as FieldSpec;
      const want = expectedGoType(s);
      const where = `${name}.${f.json}`;
      const got = f.type.name.replace(/v1\.\w+/, (n) => SAME_STRUCT[n] ?? n);
      if (want !== undefined && !loose(f.type)) expect(`${where} ${got}`).toBe(`${where} ${want}`);
      // A pointer or a value struct is emitted as Go decides regardless of the tag; compare the tag elsewhere.
      if (!s.pointer && s.type.kind !== 'struct' && s.type.kind !== 'qty') expect(`${where} omitempty=${f.omitempty}`).toBe(`${where} omitempty=${!s.always}`);
    }
  });

  it.each(Object.entries(SAME_STRUCT))('%s has the fields of core/k8s %s', (go, k8s) => {
    const view = jsonFields(goTypes.type(go) as StructType);
    expect(view.map((f) => f.json)).toEqual(structSpec(k8s.slice(3)).fieldList.map(([k]) => k));
  });

  it('finds a difference when there is one (the comparison is not vacuous)', () => {
    expect(hasStruct('Container')).toBe(true);
    const view = jsonFields(goTypes.type('v1.Container') as StructType).map((f) => f.json);
    const k8s = structSpec('Container').fieldList.map(([k]) => k);
    expect(view).toEqual(k8s);
    expect([...view].reverse()).not.toEqual(k8s);
  });
});
