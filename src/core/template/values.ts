/**
 * Go values as the template engine sees them.
 *
 * Representation (one JS value per Go value):
 *   undefined            an invalid reflect.Value ("no value": a missing map key)
 *   null                 a nil interface (JSON null in untyped data, the `nil` keyword)
 *   string / boolean     string / bool
 *   number               float64 (all numbers decoded from JSON/YAML into interface{} are float64)
 *   bigint               any Go integer type (template constants, len, struct int fields, ...)
 *   Array                []interface {}
 *   plain object         map[string]interface {}
 *   GoStruct             a struct (or non-nil pointer to struct) viewed over its JSON form
 *   GoSlice / GoMap      typed slices/maps (`[]v1.Container`, `map[string]string`), raw null = nil
 *   GoPtr                a nil pointer, or a non-nil pointer to a scalar
 *   GoEnum               a named integer with a String() method (protobuf enums)
 *   function             a Go func value (for `call`)
 */
import { ANY_MAP, ANY_SLICE, type EnumType, type GoType, type MapType, type PtrType, type SliceType, type StructDef, type StructType } from './types.js';

export class GoStruct {
  /** Field views already built (struct views are immutable: templates cannot assign to struct fields). */
  memo: Map<string, unknown> | undefined;

  constructor(
    readonly type: StructType,
    readonly raw: Record<string, unknown>,
    /** A non-nil pointer to the struct (`*T`): same behaviour, different type name. */
    readonly isPtr: boolean,
  ) {}
  get def(): StructDef {
    const def = this.type.def;
    if (!def) throw new Error(`Go struct type ${this.type.name} is used but not defined`);
    return def;
  }
}

export class GoSlice {
  constructor(
    readonly type: SliceType,
    readonly raw: readonly unknown[] | null,
  ) {}
}

export class GoMap {
  constructor(
    readonly type: MapType,
    readonly raw: Readonly<Record<string, unknown>> | null,
  ) {}
}

export class GoPtr {
  constructor(
    readonly type: PtrType,
    /** The pointed-to value; undefined for a nil pointer. */
    readonly target: unknown,
  ) {}
}

export class GoEnum {
  constructor(
    readonly type: EnumType,
    readonly value: number,
  ) {}
  get name(): string {
    return this.type.names.get(this.value) ?? String(this.value);
  }
}

export const NIL_ANY_MAP = new GoMap(ANY_MAP, null);
export const NIL_ANY_SLICE = new GoSlice(ANY_SLICE, null);

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'ptr' | 'func';

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func';
    default:
      if (v === null) return 'nil';
      if (Array.isArray(v) || v instanceof GoSlice) return 'slice';
      if (v instanceof GoStruct) return 'struct';
      if (v instanceof GoMap) return 'map';
      if (v instanceof GoPtr) return 'ptr';
      if (v instanceof GoEnum) return 'int';
      return 'map';
  }
}

/** Go's spelling of the dynamic type, for error messages and %T. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return '<invalid reflect.Value>';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func(...interface {}) (interface {}, error)';
    default:
      if (v === null) return '<nil>';
      if (Array.isArray(v)) return '[]interface {}';
      if (v instanceof GoStruct) return (v.isPtr ? '*' : '') + v.type.name;
      if (v instanceof GoSlice || v instanceof GoMap || v instanceof GoPtr || v instanceof GoEnum) return v.type.name;
      return 'map[string]interface {}';
  }
}

/** True for values Go considers nil (nil interface, pointer, map, slice) or invalid. */
export function isNilish(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (v instanceof GoPtr) return v.target === undefined;
  if (v instanceof GoMap || v instanceof GoSlice) return v.raw === null;
  return false;
}

/** Go's template truth: [truth, ok]. Empty strings/collections, 0, false and nil are false. */
export function isTrue(v: unknown): [boolean, boolean] {
  switch (typeof v) {
    case 'undefined':
      return [false, true];
    case 'string':
      return [v.length > 0, true];
    case 'boolean':
      return [v, true];
    case 'number':
      return [v !== 0, true];
    case 'bigint':
      return [v !== 0n, true];
    case 'function':
      return [true, true];
    default:
      if (v === null) return [false, true];
      if (Array.isArray(v)) return [v.length > 0, true];
      if (v instanceof GoStruct) return [true, true];
      if (v instanceof GoSlice) return [(v.raw?.length ?? 0) > 0, true];
      if (v instanceof GoMap) return [v.raw !== null && Object.keys(v.raw).length > 0, true];
      if (v instanceof GoPtr) return [v.target !== undefined, true];
      if (v instanceof GoEnum) return [v.value !== 0, true];
      return [Object.keys(v as object).length > 0, true];
  }
}

/** Number of UTF-8 bytes of a string (Go's len). */
export function byteLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s.length : Buffer.byteLength(s, 'utf8');
}

/** Elements of a slice value (typed elements wrapped), or undefined when v is not a slice. */
export function sliceItems(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof GoSlice) {
    const raw = v.raw;
    if (!raw) return [];
    const elem = v.type.elem;
    return elem.kind === 'interface' ? raw : raw.map((r) => wrap(elem, r));
  }
  return undefined;
}

/** Map keys in Go's sorted order, or undefined when v is not a map. */
export function mapKeys(v: unknown): string[] | undefined {
  if (v instanceof GoMap) return v.raw ? Object.keys(v.raw).sort(compareStrings) : [];
  if (isPlainMap(v)) return Object.keys(v).sort(compareStrings);
  return undefined;
}

/** Byte-wise (UTF-8 order) string comparison, as Go sorts strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Looks a key up in a map value; `found` is false for a missing key. */
export function mapLookup(m: GoMap | Record<string, unknown>, key: string): { found: boolean; value: unknown } {
  if (m instanceof GoMap) {
    if (m.raw && Object.hasOwn(m.raw, key)) return { found: true, value: wrapElem(m.type.elem, m.raw[key]) };
    return { found: false, value: undefined };
  }
  if (Object.hasOwn(m, key)) return { found: true, value: m[key] };
  return { found: false, value: undefined };
}

/** The zero value of a map's element type (what `index` yields for a missing key). */
export function mapZero(m: GoMap | Record<string, unknown>): unknown {
  return m instanceof GoMap ? zeroValue(m.type.elem) : null;
}

function wrapElem(t: GoType, raw: unknown): unknown {
  return t.kind === 'interface' ? raw : wrap(t, raw);
}

export function zeroValue(t: GoType): unknown {
  return t.kind === 'interface' ? null : wrap(t, undefined);
}

/**
 * The typed view of a raw JSON value whose Go type is `t`; absent (undefined/null) raw values
 * become Go's zero value of the type.
 */
export function wrap(t: GoType, raw: unknown): unknown {
  switch (t.kind) {
    case 'string':
      return typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw);
    case 'bool':
      return raw === true || raw === 'true';
    case 'int':
      return toBigInt(raw);
    case 'float':
      return typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : Number(raw ?? 0) || 0;
    case 'interface':
      return raw === undefined ? null : raw;
    case 'slice':
      if (t.elem.kind === 'interface') return Array.isArray(raw) ? raw : NIL_ANY_SLICE;
      return new GoSlice(t, Array.isArray(raw) ? raw : null);
    case 'map':
      if (t.elem.kind === 'interface') return isPlainMap(raw) ? raw : NIL_ANY_MAP;
      return new GoMap(t, isPlainMap(raw) ? raw : null);
    case 'ptr': {
      if (raw === undefined || raw === null) return new GoPtr(t, undefined);
      const elem = t.elem;
      if (elem.kind === 'struct') return new GoStruct(elem, normalizeStructRaw(elem, raw), true);
      return new GoPtr(t, wrap(elem, raw));
    }
    case 'struct':
      return new GoStruct(t, normalizeStructRaw(t, raw), false);
    case 'enum': {
      if (typeof raw === 'string') return new GoEnum(t, t.numbers.get(raw) ?? 0);
      return new GoEnum(t, typeof raw === 'number' ? raw : 0);
    }
  }
}

function toBigInt(raw: unknown): bigint {
  if (typeof raw === 'bigint') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return BigInt(Math.trunc(raw));
  if (typeof raw === 'string' && /^-?\d+$/.test(raw)) return BigInt(raw);
  return 0n;
}

/** Brings the JSON forms of special structs (wrappers, durations, int-or-string) into field form. */
function normalizeStructRaw(t: StructType, raw: unknown): Record<string, unknown> {
  const special = t.def?.special;
  if (special === undefined || special === 'open') return isPlainMap(raw) ? raw : {};
  switch (special) {
    case 'wrapper':
      return raw === undefined || raw === null ? {} : { value: raw };
    case 'duration':
      return parseProtoDuration(raw);
    case 'intstr':
      if (typeof raw === 'number') return { type: 0, intVal: raw };
      return raw === undefined || raw === null ? {} : { type: 1, strVal: String(raw) };
    case 'quantity':
    case 'time':
      return raw === undefined || raw === null ? {} : { text: String(raw) };
  }
}

/** Parses a protojson duration ("1.5s", "-3s") into {seconds, nanos}. */
export function parseProtoDuration(raw: unknown): Record<string, unknown> {
  if (isPlainMap(raw)) return raw;
  if (typeof raw !== 'string') return {};
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(raw.trim());
  if (!m) return {};
  const sign = m[1] ? -1 : 1;
  const seconds = Number(m[2]) * sign;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) * sign : 0;
  return { seconds, nanos };
}

/** Reads a struct field by Go name (including promoted fields). */
export function structField(s: GoStruct, name: string): { found: boolean; value: unknown } {
  const memo = s.memo;
  if (memo !== undefined && memo.has(name)) return { found: true, value: memo.get(name) };
  const def = s.def;
  const entry = def.lookup.get(name);
  if (!entry) {
    if (def.special === 'open') return openField(s.raw, name);
    return { found: false, value: undefined };
  }
  let raw: unknown = s.raw;
  for (const f of entry.path) {
    if (!f.inline) raw = isPlainMap(raw) ? raw[f.json] : undefined;
  }
  const value = wrap(entry.field.type, entry.field.inline ? raw : isPlainMap(raw) ? raw[entry.field.json] : undefined);
  (s.memo ??= new Map()).set(name, value);
  return { found: true, value };
}

/** Structs we do not describe field by field: any upper-case name maps to its lowerCamel JSON key. */
function openField(raw: Record<string, unknown>, name: string): { found: boolean; value: unknown } {
  if (!/^[A-Z]/.test(name)) return { found: false, value: undefined };
  for (const key of Object.keys(raw)) {
    if (key.toLowerCase() === name.toLowerCase()) return { found: true, value: raw[key] };
  }
  return { found: true, value: undefined };
}

/** Protobuf getters `GetX` on a message (nil-safe: a nil receiver yields the zero value). */
export function protoGetter(def: StructDef, raw: Record<string, unknown> | undefined, method: string): { found: boolean; value: unknown } {
  if (!def.proto || !method.startsWith('Get')) return { found: false, value: undefined };
  const entry = def.lookup.get(method.slice(3));
  if (!entry) return { found: false, value: undefined };
  return { found: true, value: wrap(entry.field.type, raw?.[entry.field.json]) };
}

/** The raw JSON behind a (possibly typed) value, for functions that work on plain data. */
export function rawOf(v: unknown): unknown {
  if (v instanceof GoStruct) return v.raw;
  if (v instanceof GoSlice || v instanceof GoMap) return v.raw;
  if (v instanceof GoPtr) return v.target === undefined ? null : rawOf(v.target);
  if (v instanceof GoEnum) return v.name;
  if (typeof v === 'bigint') return Number(v);
  return v;
}
