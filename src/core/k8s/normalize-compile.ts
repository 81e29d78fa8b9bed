/**
 * Compiled field loops for typed-struct normalisation: per struct, one function with a named
 * property load and an inline check for each declared field, generated from the schema (field
 * names come from the schema only, never from input). It does what normalize.ts's generic loop
 * does, several times faster: V8 keeps each property access monomorphic instead of doing a
 * keyed lookup per field of every struct, which is most of the injection core's time.
 *
 * The compiled loop only produces values; on anything the generic loop would reject it throws
 * `FastPathMiss` without a message, and normalizeAs re-runs the generic loop, which builds the
 * field path and Go's message. Nested structs, lists, maps and quantities go through the
 * runtime functions (with their memos).
 */
import { K8sDecodeError } from './errors.js';
import type { FieldSpec, FieldType, StructSpec } from './schema.js';

type Obj = Record<string, unknown>;

/** Thrown by compiled code when the input is not what Go would decode; never escapes normalizeAs. */
export class FastPathMiss extends K8sDecodeError {
  constructor() {
    super('', 'rejected (re-checked with field paths)');
  }
}

export interface CompileRuntime {
  /** A nested struct (by value or pointer), through the memoising entry point. */
  readonly struct: (spec: StructSpec, v: unknown) => Obj;
  /** A list, map, quantity or opaque value of the given type. */
  readonly value: (t: FieldType, v: unknown, owner: string) => unknown;
}

export type CompiledStruct = (input: Obj) => Obj;

const INT_BOUNDS = { int: [-(2 ** 63), 2 ** 63], i32: [-(2 ** 31), 2 ** 31] } as const;

/** The statements for one field: `v` holds the input value, the result goes to `out`. */
function fieldCode(key: string, f: FieldSpec, ref: (x: unknown) => string, lookupSpec: (name: string) => StructSpec): string {
  const K = JSON.stringify(key);
  const t = f.type;
  const set = `out[${K}]`;
  const keepZero = f.pointer || f.always;
  const absent = (value: string) => (f.always ? `${set} = ${value};` : '');
  if (t.kind === 'struct') {
    const spec = ref(lookupSpec(t.name));
    if (f.pointer) return `if (v === null || v === undefined) { ${absent('null')} } else ${set} = rt.struct(${spec}, v);`;
    return `${set} = rt.struct(${spec}, v === null || v === undefined ? {} : v);`;
  }
  if (t.kind === 'scalar') {
    const zero = t.scalar === 'str' ? '""' : t.scalar === 'bool' ? 'false' : '0';
    let check: string;
    if (t.scalar === 'str') check = `typeof v !== "string"`;
    else if (t.scalar === 'bool') check = `typeof v !== "boolean"`;
    else if (t.scalar === 'float') check = `typeof v !== "number"`;
    else {
      const [min, end] = INT_BOUNDS[t.scalar];
      check = `typeof v !== "number" || !Number.isInteger(v) || v < ${min} || v >= ${end}`;
    }
    const store = keepZero ? `${set} = v;` : `if (v !== ${zero}) ${set} = v;`;
    return `if (v === null || v === undefined) { ${absent(f.pointer ? 'null' : zero)} } else { if (${check}) miss(); ${store} }`;
  }
  if (t.kind === 'ios') {
    const [min, end] = INT_BOUNDS.i32;
    return `if (v === null || v === undefined) { ${absent(f.pointer ? 'null' : '0')} } else { if (typeof v !== "string" && (typeof v !== "number" || !Number.isInteger(v) || v < ${min} || v >= ${end})) miss(); ${set} = v; }`;
  }
  // qty, any, list, map: the runtime normalises; lists and maps are omitted when empty.
  const zeroWhenAbsent = f.pointer ? 'null' : t.kind === 'qty' ? '"0"' : 'null';
  const type = ref(t);
  let store = `${set} = n;`;
  if (!keepZero && t.kind === 'list') store = `if (n.length !== 0) ${set} = n;`;
  if (!keepZero && t.kind === 'map') store = `for (const _ in n) { ${set} = n; break; }`;
  return `if (v === null || v === undefined) { ${absent(zeroWhenAbsent)} } else { n = rt.value(${type}, v, owner); ${store} }`;
}

/** Builds the field loop of `spec` (see the module comment). */
export function compileStruct(spec: StructSpec, rt: CompileRuntime, lookupSpec: (name: string) => StructSpec): CompiledStruct {
  const constants: unknown[] = [];
  const ref = (x: unknown): string => {
    let i = constants.indexOf(x);
    if (i < 0) i = constants.push(x) - 1;
    return `c[${i}]`;
  };
  const body = spec.fieldList.map(([key, f]) => `v = input[${JSON.stringify(key)}];\n${fieldCode(key, f, ref, lookupSpec)}`).join('\n');
  const source = `"use strict";\nconst owner = ${JSON.stringify(spec.name)};\nreturn function (input) {\nconst out = {};\nlet v, n;\n${body}\nreturn out;\n};`;
  // Generated from the schema only (see above).
  const factory = new Function('c', 'rt', 'miss', source) as (c: unknown[], rt: CompileRuntime, miss: () => never) => CompiledStruct;
  return factory(constants, rt, () => {
    throw new FastPathMiss();
  });
}
