/**
 * A compact description of the Go structs Kubernetes decodes workloads into, with exactly the
 * facts that change serialised output: field order (Go declaration order, which Go's
 * encoding/json follows), `omitempty`, pointers, quantities, and strategic-merge list keys.
 *
 * One description serves three purposes: typed-struct normalisation (what a decode + encode
 * round trip through k8s.io/api does), strategic-merge-patch metadata, and Go-ordered JSON.
 *
 * Field notation (see `compileField`):
 *   `str` `int` `i32` `bool` `float`  scalar with omitempty (zero value omitted); `int` is
 *                               Go's int64, `i32` int32 (decoding rejects what does not fit)
 *   suffix `!`                  no omitempty: always emitted (zero value when absent)
 *   prefix `*`                  pointer: kept whenever set (even to a zero value)
 *   `qty`                       resource.Quantity (a struct: always emitted, canonical form)
 *   `ios`                       intstr.IntOrString (its integer is an int32)
 *   `any`                       opaque JSON kept verbatim (nulls removed)
 *   `[T]`                       list of T (omitempty); `[T]@key` strategic merge by key;
 *                               `[str]+` scalar list merged as a set
 *   `{T}`                       map[string]T (omitempty)
 *   `Name`                      named struct by value (always emitted); `*Name` pointer
 */

export type ScalarKind = 'str' | 'int' | 'i32' | 'bool' | 'float';

export type FieldType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind }
  | { readonly kind: 'qty' }
  | { readonly kind: 'ios' }
  | { readonly kind: 'any' }
  | { readonly kind: 'struct'; readonly name: string }
  | { readonly kind: 'list'; readonly of: FieldType; readonly mergeKey?: string; readonly setMerge?: boolean }
  | { readonly kind: 'map'; readonly of: FieldType };

export interface FieldSpec {
  readonly type: FieldType;
  /** Emitted even when zero/absent (no omitempty tag). */
  readonly always: boolean;
  /** Pointer (or interface): zero values are kept, only null/absent is omitted. */
  readonly pointer: boolean;
}

export interface StructSpec {
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldSpec>;
  /** The same fields as an array, in declaration order (fast iteration). */
  readonly fieldList: readonly (readonly [string, FieldSpec])[];
  /** Position of each field in `fieldList`. */
  readonly index: ReadonlyMap<string, number>;
  /** Positions of the fields that are written even when absent (value structs, no omitempty). */
  readonly writtenWhenAbsent: readonly number[];
}

const cache = new Map<string, FieldType>();

function compileType(text: string): FieldType {
  const cached = cache.get(text);
  if (cached) return cached;
  let t: FieldType;
  const listMatch = /^\[(.+)\](?:@(\w+)|(\+))?$/.exec(text);
  if (listMatch) {
    const of = compileType(listMatch[1] as string);
    t = { kind: 'list', of, ...(listMatch[2] ? { mergeKey: listMatch[2] } : {}), ...(listMatch[3] ? { setMerge: true } : {}) };
  } else if (text.startsWith('{') && text.endsWith('}')) {
    t = { kind: 'map', of: compileType(text.slice(1, -1)) };
  } else if (text === 'str' || text === 'int' || text === 'i32' || text === 'bool' || text === 'float') {
    t = { kind: 'scalar', scalar: text };
  } else if (text === 'qty' || text === 'ios' || text === 'any') {
    t = { kind: text };
  } else {
    t = { kind: 'struct', name: text };
  }
  cache.set(text, t);
  return t;
}

export function compileField(text: string): FieldSpec {
  let s = text;
  const always = s.endsWith('!');
  if (always) s = s.slice(0, -1);
  const pointer = s.startsWith('*');
  if (pointer) s = s.slice(1);
  return { type: compileType(s), always, pointer };
}

const registry = new Map<string, StructSpec>();

/** Registers struct descriptions; field order in each record is the Go declaration order. */
export function defineStructs(defs: Readonly<Record<string, Readonly<Record<string, string>>>>): void {
  for (const [name, fields] of Object.entries(defs)) {
    const compiled = new Map<string, FieldSpec>();
    for (const [field, text] of Object.entries(fields)) compiled.set(field, compileField(text));
    const fieldList = [...compiled.entries()];
    registry.set(name, {
      name,
      fields: compiled,
      fieldList,
      index: new Map(fieldList.map(([field], i) => [field, i])),
      writtenWhenAbsent: fieldList.flatMap(([, f], i) => (f.always || (f.type.kind === 'struct' && !f.pointer) ? [i] : [])),
    });
  }
}

export function structSpec(name: string): StructSpec {
  const s = registry.get(name);
  if (!s) throw new Error(`internal: unknown struct ${name}`);
  return s;
}

export function hasStruct(name: string): boolean {
  return registry.has(name);
}

/** The names of every described struct (for tests that compare this model with another). */
export function structNames(): string[] {
  return [...registry.keys()];
}
