/**
 * Typed-struct normalisation: the effect of decoding JSON into k8s.io/api Go structs and encoding
 * it again. Unknown fields are dropped, zero values of `omitempty` fields disappear, value
 * structs and non-omitempty fields appear with their zero value (`status: {}`,
 * `resources: {}`), `null` means "absent", quantities become canonical. Field order follows the
 * Go declaration order so the result can also be marshalled as Go would (see go-json).
 *
 * A value of the wrong JSON type fails as Go's decoder would, naming the field path; a number
 * that does not fit the Go integer type (int32 ports, probe timings, replicas, modes...) fails
 * with Go's own text (`json: cannot unmarshal number 4294967296 into Go struct field
 * ContainerPort.spec.containers.ports.containerPort of type int32`).
 */
import { setOwnKey } from '../format/own-keys.js';
import { K8sDecodeError } from './errors.js';
import { canonicalQuantityOf } from './quantity.js';
import { compileStruct, type CompiledStruct, type CompileRuntime } from './normalize-compile.js';
import { structSpec, type FieldSpec, type FieldType, type ScalarKind, type StructSpec } from './schema.js';
import './structs-workloads.js';

export { K8sDecodeError };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: unknown };

const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Normalises `value` as the named struct (e.g. `Deployment`, `Pod`, `Container`). The result
 * shares unchanged subtrees with earlier results and pods, containers, volumes and metadata in
 * it are frozen: treat it as immutable and copy before modifying.
 */
export function normalizeAs(structName: string, value: unknown, path = ''): JsonObject {
  try {
    return normalizeStruct(structName, value, path);
  } catch (e) {
    if (!(e instanceof K8sDecodeError) || trackPaths) throw e;
    // Field paths are only built to report errors: run again, tracking them.
    trackPaths = true;
    try {
      return normalizeStruct(structName, value, path);
    } finally {
      trackPaths = false;
    }
  }
}

/**
 * normalizeAs with the generic field loops only (no compiled code, field paths tracked): the
 * reference the compiled loops are tested against.
 */
export function normalizeAsGeneric(structName: string, value: unknown): JsonObject {
  const was = trackPaths;
  trackPaths = true;
  try {
    return normalizeStruct(structName, value, '');
  } finally {
    trackPaths = was;
  }
}

/**
 * Runs `fn` in a normalisation session: within it, normalising an object that was normalised
 * before (as input or as output, as the same struct or list type) returns the earlier result.
 * The injection core normalises after every merge step, and merges share the template's
 * objects and the unchanged parts of the pod, so most of that work is done once. The caller
 * promises not to modify an object after handing it to normalizeAs inside the session.
 */
export function withNormalizeSession<T>(fn: () => T): T {
  if (session) return fn();
  session = new Map();
  try {
    return fn();
  } finally {
    session = undefined;
  }
}

/** The active session's results: input or output object -> [struct name or list type, output]. */
let session: Map<object, readonly [string | FieldType, unknown]> | undefined;

/**
 * Results for frozen inputs, across calls: a frozen input is taken to be deeply immutable (the
 * templates' constant pieces and the settings are deep-frozen), so its result never changes.
 * The results are frozen too.
 */
const FROZEN_INPUTS = new WeakMap<object, readonly [string | FieldType, unknown]>();

/**
 * Remembers `input` -> `out` in the session, and `out` -> `out` unless the global memos already
 * recognise it (frozen memo structs and lists).
 */
function remember(input: object, kind: string | FieldType, out: object, outputKnown: boolean): void {
  if (Object.isFrozen(input)) {
    if (contractChecks) assertDeeplyFrozen(input, typeof kind === 'string' ? kind : kind.kind);
    const entry = [kind, Object.freeze(out)] as const;
    FROZEN_INPUTS.set(input, entry);
    if (out !== input) FROZEN_INPUTS.set(out, entry);
    return;
  }
  if (!session) return;
  const entry = [kind, out] as const;
  session.set(input, entry);
  if (contractChecks) SESSION_TEXT.set(input, JSON.stringify(input));
  if (out !== input && !outputKnown) session.set(out, entry);
}

/** An earlier result for `v`: across calls when it is frozen, else within the session. */
function seenBefore(v: object, frozen: boolean): readonly [string | FieldType, unknown] | undefined {
  if (frozen) return FROZEN_INPUTS.get(v);
  const seen = session?.get(v);
  if (seen && contractChecks) assertUnchanged(v);
  return seen;
}

/*
 * The two promises the memos rest on, checked when `setNormalizeContractChecks(true)` (the unit
 * tests turn it on in their setup file; the product leaves it off: the checks walk every input):
 * a frozen input is frozen all the way down, and an input normalised in a session is not
 * modified afterwards. A broken promise throws instead of returning a stale result.
 */
let contractChecks = false;
const DEEP_FROZEN = new WeakSet<object>();
const SESSION_TEXT = new WeakMap<object, string>();

/** Tests and debug builds: verify the frozen-input and session promises (see above). */
export function setNormalizeContractChecks(on: boolean): void {
  contractChecks = on;
}

function assertDeeplyFrozen(v: object, where: string): void {
  if (DEEP_FROZEN.has(v)) return;
  if (!Object.isFrozen(v)) throw new Error(`internal: normalizeAs(${where}) got a frozen input with a part that is not frozen: a frozen input must be deeply frozen (deepFreeze)`);
  for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) assertDeeplyFrozen(child, where);
  DEEP_FROZEN.add(v);
}

function assertUnchanged(v: object): void {
  const before = SESSION_TEXT.get(v);
  if (before !== undefined && before !== JSON.stringify(v)) {
    throw new Error('internal: an object was modified after it was normalised in this session (normalizeAs results are remembered: copy before changing)');
  }
}

/** Whether field paths are being built (only while re-running to report an error). */
let trackPaths = false;
const sub = (path: string, key: string): string => (trackPaths ? (path ? `${path}.${key}` : key) : path);

/**
 * Outputs of these structs are frozen and remembered, so normalising an already normalised
 * subtree again is free: the core re-normalises after every merge step, and big unchanged parts
 * (an app container with thousands of env vars) are shared between steps. Small leaf structs
 * are not remembered: a WeakMap entry and a freeze per env var cost more than normalising it.
 */
const MEMO_STRUCTS = new Set(['Pod', 'PodSpec', 'PodTemplateSpec', 'ObjectMeta', 'Container', 'Volume']);
const NORMALIZED = new WeakMap<object, string>();
/** Normalised lists (frozen), with the list type they were normalised as. */
const NORMALIZED_LISTS = new WeakMap<object, FieldType>();

/** Structs with at most this many fields are walked field by field, bigger ones member by member. */
const SMALL_STRUCT = 8;

function normalizeStruct(name: string, value: unknown, path: string, listItem = false, spec = structSpec(name), owner = ''): JsonObject {
  const memo = MEMO_STRUCTS.has(name);
  // Only big list items (memo structs) and frozen ones can have been seen before; small ones
  // come with their list.
  const frozen = typeof value === 'object' && value !== null && Object.isFrozen(value);
  if (typeof value === 'object' && value !== null && (memo || !listItem || frozen)) {
    if (NORMALIZED.get(value) === name) return value as JsonObject;
    const seen = seenBefore(value, frozen);
    if (seen && seen[0] === name) return seen[1] as JsonObject;
  }
  if (value !== null && value !== undefined && !isObject(value)) {
    throw new K8sDecodeError(path || name, `expected object, got ${jsonType(value)}`, goTypeError(value, owner, path, goStructType(name)));
  }
  const input = (value ?? {}) as JsonObject;
  const out = trackPaths ? normalizeFields(spec, input, path) : fieldsOf(spec, input);
  if (memo) {
    Object.freeze(out);
    NORMALIZED.set(out, name);
  }
  // List items are found again through their (remembered) list; only big ones are remembered
  // on their own (thousands of env vars would cost more to remember than to normalise).
  if (value !== null && value !== undefined && (memo || !listItem || frozen)) remember(value, name, out, memo);
  return out;
}

/**
 * Structs get a compiled field loop once they have been normalised this many times: compiling
 * costs about as much as a few dozen generic runs, which a one-shot CLI run may never repay.
 */
let compileAfter = 24;

/** Sets how many generic runs a struct gets before it is compiled (tests: 0 compiles at once). */
export function setCompileThreshold(uses: number): void {
  compileAfter = uses;
}
const USES = new Map<StructSpec, number>();
const COMPILED = new Map<StructSpec, CompiledStruct>();
const RUNTIME: CompileRuntime = {
  struct: (spec, v) => normalizeStruct(spec.name, v, '', false, spec),
  value: (t, v, owner) => normalizeValue(t, v, '', owner),
};

/** The field loop for `spec`: compiled (normalize-compile.ts) once the struct is in regular use. */
function fieldsOf(spec: StructSpec, input: JsonObject): JsonObject {
  const compiled = COMPILED.get(spec);
  if (compiled) return compiled(input);
  const uses = (USES.get(spec) ?? 0) + 1;
  USES.set(spec, uses);
  if (uses >= compileAfter) COMPILED.set(spec, compileStruct(spec, RUNTIME, structSpec));
  return normalizeFields(spec, input, '');
}

/**
 * The generic field loop, used to report errors with field paths (and as the reference the
 * compiled loops are tested against). Visits the members the input has plus the fields written
 * even when absent, in declaration order (most structs set few of their fields).
 */
export function normalizeFields(spec: StructSpec, input: JsonObject, path: string): JsonObject {
  const name = spec.name;
  const out: JsonObject = {};
  const fields = spec.fieldList;
  if (fields.length <= SMALL_STRUCT) {
    for (let i = 0; i < fields.length; i++) {
      const [key, field] = fields[i] as readonly [string, FieldSpec];
      const normalized = normalizeField(field, input[key], sub(path, key), name);
      if (normalized !== undefined) out[key] = normalized;
    }
  } else {
    const visit: number[] = [];
    for (const key in input) {
      const at = spec.index.get(key);
      if (at !== undefined) visit.push(at);
    }
    for (const at of spec.writtenWhenAbsent) {
      if (!Object.hasOwn(input, (fields[at] as readonly [string, FieldSpec])[0])) visit.push(at);
    }
    sortSmall(visit);
    for (const at of visit) {
      const [key, field] = fields[at] as readonly [string, FieldSpec];
      const normalized = normalizeField(field, input[key], sub(path, key), name);
      if (normalized !== undefined) out[key] = normalized;
    }
  }
  return out;
}

/** Insertion sort: the lists are a few field positions long. */
function sortSmall(list: number[]): void {
  for (let i = 1; i < list.length; i++) {
    const x = list[i] as number;
    let j = i - 1;
    while (j >= 0 && (list[j] as number) > x) {
      list[j + 1] = list[j] as number;
      j--;
    }
    list[j + 1] = x;
  }
}

/** Returns the field's encoded value, or undefined when Go would omit it. */
function normalizeField(field: FieldSpec, v: unknown, path: string, owner: string): unknown {
  const t = field.type;
  const absent = v === null || v === undefined;
  if (t.kind === 'struct') {
    if (absent) return field.pointer ? (field.always ? null : undefined) : normalizeStruct(t.name, {}, path);
    return normalizeStruct(t.name, v, path, false, undefined, owner);
  }
  if (absent) {
    if (!field.always) return undefined;
    return field.pointer ? null : zeroValue(t);
  }
  const n = normalizeValue(t, v, path, owner);
  if (field.pointer || field.always) return n;
  return isZero(t, n) ? undefined : n;
}

function zeroValue(t: FieldType): unknown {
  switch (t.kind) {
    case 'scalar':
      return t.scalar === 'str' ? '' : t.scalar === 'bool' ? false : 0;
    case 'qty':
      return '0';
    case 'ios':
      return 0;
    default:
      return null;
  }
}

function isZero(t: FieldType, v: unknown): boolean {
  switch (t.kind) {
    case 'scalar':
      return v === '' || v === 0 || v === false;
    case 'list':
      return (v as unknown[]).length === 0;
    case 'map':
      return Object.keys(v as object).length === 0;
    default:
      return false;
  }
}

/** `owner`: the innermost struct holding the value (Go names it in decoding errors). */
function normalizeValue(t: FieldType, v: unknown, path: string, owner: string): unknown {
  switch (t.kind) {
    case 'scalar':
      return checkScalar(t.scalar, v, path, owner);
    case 'qty':
      return canonicalQuantityOf(v, path);
    case 'ios':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return checkInteger('i32', v, path, owner);
      throw new K8sDecodeError(path, `expected integer or string, got ${jsonType(v)}`, `json: cannot unmarshal ${goJsonKind(v)} into Go value of type int32`);
    case 'any':
      return stripNulls(v as Json);
    case 'struct':
      return normalizeStruct(t.name, v, path, false, undefined, owner);
    case 'list': {
      if (!Array.isArray(v)) throw new K8sDecodeError(path, `expected array, got ${jsonType(v)}`, goTypeError(v, owner, path, goTypeName(t)));
      if (NORMALIZED_LISTS.get(v) === t) return v;
      const seen = seenBefore(v, Object.isFrozen(v));
      if (seen && seen[0] === t) return seen[1];
      const list: unknown[] = [];
      const of = t.of;
      if (of.kind === 'struct') {
        const itemSpec = structSpec(of.name);
        for (let i = 0; i < v.length; i++) list.push(normalizeStruct(itemSpec.name, v[i], trackPaths ? `${path}[${i}]` : path, true, itemSpec, owner));
      } else if (of.kind === 'scalar' && of.scalar === 'str' && !trackPaths) {
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          list.push(item === null || item === undefined ? '' : typeof item === 'string' ? item : checkScalar('str', item, path, owner));
        }
      } else {
        for (let i = 0; i < v.length; i++) {
          const item: unknown = v[i];
          list.push(item === null || item === undefined ? zeroValue(of) : normalizeValue(of, item, trackPaths ? `${path}[${i}]` : path, owner));
        }
      }
      Object.freeze(list);
      NORMALIZED_LISTS.set(list, t);
      remember(v, t, list, true);
      return list;
    }
    case 'map': {
      if (!isObject(v)) throw new K8sDecodeError(path, `expected object, got ${jsonType(v)}`, goTypeError(v, owner, path, goTypeName(t)));
      const seen = seenBefore(v, Object.isFrozen(v));
      if (seen && seen[0] === t) return seen[1];
      const out: JsonObject = {};
      const of = t.of;
      for (const k in v) {
        const item = v[k];
        // Map keys are data: `__proto__` is a key like any other (setOwnKey).
        if (of.kind === 'scalar' && of.scalar === 'str' && typeof item === 'string') setOwnKey(out, k, item);
        else if (of.kind === 'struct') setOwnKey(out, k, normalizeStruct(of.name, item, sub(path, k), false, undefined, owner));
        else setOwnKey(out, k, item === null || item === undefined ? zeroValue(of) : normalizeValue(of, item, sub(path, k), owner));
      }
      remember(v, t, out, false);
      return out;
    }
  }
}

function checkScalar(kind: ScalarKind, v: unknown, path: string, owner: string): unknown {
  const integer = kind === 'int' || kind === 'i32';
  const ok = kind === 'str' ? typeof v === 'string' : kind === 'bool' ? typeof v === 'boolean' : typeof v === 'number';
  if (!ok) {
    const want = kind === 'str' ? 'string' : kind === 'bool' ? 'boolean' : integer ? 'integer' : 'number';
    throw new K8sDecodeError(path, `expected ${want}, got ${jsonType(v)}`, goTypeError(v, owner, path, GO_SCALARS[kind]));
  }
  return integer ? checkInteger(kind, v as number, path, owner) : v;
}

const GO_SCALARS: Readonly<Record<ScalarKind, string>> = { str: 'string', bool: 'bool', int: 'int64', i32: 'int32', float: 'float64' };

/** encoding/json's name for a JSON value's kind in its UnmarshalTypeError. */
const goJsonKind = (v: unknown): string =>
  typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : typeof v === 'string' ? 'string' : Array.isArray(v) ? 'array' : 'object';

/** The Go type a field of type `t` decodes into (k8s.io/api and apimachinery struct names print as `v1.X`). */
function goTypeName(t: FieldType): string {
  switch (t.kind) {
    case 'scalar':
      return GO_SCALARS[t.scalar];
    case 'qty':
      return 'resource.Quantity';
    case 'ios':
      return 'intstr.IntOrString';
    case 'any':
      return 'interface {}';
    case 'struct':
      return goStructType(t.name);
    case 'list':
      return `[]${goTypeName(t.of)}`;
    case 'map':
      return `map[string]${goTypeName(t.of)}`;
  }
}

const goStructType = (name: string): string => `v1.${name}`;

/**
 * encoding/json's UnmarshalTypeError text: the struct holding the field and the JSON field names
 * from the decoding root without list indices (`Container.containers.image`), or "Go value" at the
 * root.
 */
function goTypeError(v: unknown, owner: string, path: string, goType: string): string {
  const fieldStack = path.replace(/\[\d+\]/g, '');
  const where = owner && fieldStack ? `Go struct field ${owner}.${fieldStack}` : 'Go value';
  return `json: cannot unmarshal ${goJsonKind(v)} into ${where} of type ${goType}`;
}

/** [min, max) of Go's int32 and int64 (2^63 is exact as a double, 2^63 - 1 is not). */
const INT_RANGES = { i32: [-(2 ** 31), 2 ** 31], int: [-(2 ** 63), 2 ** 63] } as const;

/** A number Go decodes into int32/int64: integral and in range, else Go's UnmarshalTypeError text. */
function checkInteger(kind: 'int' | 'i32', v: number, path: string, owner: string): number {
  const [min, end] = INT_RANGES[kind];
  if (Number.isInteger(v) && v >= min && v < end) return v;
  const goType = kind === 'i32' ? 'int32' : 'int64';
  // Go names the struct and the JSON field names from the decoding root, without list indices.
  const fieldStack = path.replace(/\[\d+\]/g, '');
  throw new K8sDecodeError(path, `json: cannot unmarshal number ${String(v)} into Go struct field ${owner}.${fieldStack} of type ${goType}`);
}

/** Drops `null` object members recursively (Go decodes them as "absent"). */
export function stripNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => stripNulls(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) setOwnKey(out, k, stripNulls(x));
    return out as T;
  }
  return v;
}
