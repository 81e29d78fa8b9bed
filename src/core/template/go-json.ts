/**
 * Go's encoding/json Marshal for template values: map keys sorted, struct fields in Go
 * declaration order with `omitempty`, `<`, `>`, `&` escaped as \u003c etc. (unless disabled),
 * integers exact, floats in Go's JSON form. Protobuf messages marshal the way encoding/json
 * sees generated structs (snake_case keys); use a protojson hook for protobuf JSON.
 */
import { goJsonString } from '../format/go-json.js';
import { formatGoJsonFloat } from '../format/go-number.js';
import { GoEnum, GoMap, GoPtr, GoSlice, GoStruct, isPlainMap, mapKeys, mapLookup, sliceItems, structField } from './values.js';
import type { FieldDef } from './types.js';
import { FuncError } from './funcs.js';

export interface JsonOptions {
  readonly escapeHTML?: boolean;
  /** MarshalIndent indentation ("" = compact). */
  readonly indent?: string;
}

// Strings and float64s are written by the one Go encoding/json of src/core/format.
function goJsonNumber(x: number): string {
  if (!Number.isFinite(x)) throw new FuncError(`json: unsupported value: ${x}`);
  return formatGoJsonFloat(x);
}

function isEmptyValue(v: unknown): boolean {
  switch (typeof v) {
    case 'undefined':
      return true;
    case 'string':
      return v === '';
    case 'boolean':
      return !v;
    case 'number':
      return v === 0;
    case 'bigint':
      return v === 0n;
    default:
      if (v === null) return true;
      if (v instanceof GoPtr) return v.target === undefined;
      if (v instanceof GoEnum) return v.value === 0;
      if (v instanceof GoStruct) return false;
      if (v instanceof GoSlice) return (v.raw?.length ?? 0) === 0;
      if (v instanceof GoMap) return v.raw === null || Object.keys(v.raw).length === 0;
      if (Array.isArray(v)) return v.length === 0;
      if (isPlainMap(v)) return Object.keys(v).length === 0;
      return false;
  }
}

function snake(json: string): string {
  return json.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** JSON form of special structs (wrappers, durations, quantities...), or undefined. */
function specialJson(s: GoStruct, o: Required<JsonOptions>, depth: number): string | undefined {
  const raw = s.raw;
  switch (s.def.special) {
    case 'intstr':
      return raw['type'] === 1 ? goJsonString(String(raw['strVal'] ?? ''), o.escapeHTML) : String(raw['intVal'] ?? 0);
    case 'quantity':
      return goJsonString(String(raw['text'] ?? '0'), o.escapeHTML);
    case 'time':
      return raw['text'] === undefined ? 'null' : goJsonString(String(raw['text']), o.escapeHTML);
    case 'open':
      return encode(raw, o, depth);
    default:
      return undefined;
  }
}

function encodeStruct(s: GoStruct, o: Required<JsonOptions>, depth: number): string {
  const special = specialJson(s, o, depth);
  if (special !== undefined) return special;
  const entries: [string, string][] = [];
  const add = (fields: readonly FieldDef[], holder: GoStruct): void => {
    for (const f of fields) {
      const value = structField(holder, f.goName).value;
      if (f.inline && value instanceof GoStruct) {
        add(value.def.fields, value);
        continue;
      }
      if (f.omitempty && isEmptyValue(value)) continue;
      const key = s.def.proto ? snake(f.json) : f.json;
      entries.push([key, encode(value, o, depth + 1)]);
    }
  };
  add(s.def.fields, s);
  return object(entries, o, depth);
}

function object(entries: readonly [string, string][], o: Required<JsonOptions>, depth: number): string {
  if (entries.length === 0) return '{}';
  if (o.indent === '') return `{${entries.map(([k, v]) => `${goJsonString(k, o.escapeHTML)}:${v}`).join(',')}}`;
  const pad = o.indent.repeat(depth + 1);
  return `{\n${entries.map(([k, v]) => `${pad}${goJsonString(k, o.escapeHTML)}: ${v}`).join(',\n')}\n${o.indent.repeat(depth)}}`;
}

function array(items: readonly string[], o: Required<JsonOptions>, depth: number): string {
  if (items.length === 0) return '[]';
  if (o.indent === '') return `[${items.join(',')}]`;
  const pad = o.indent.repeat(depth + 1);
  return `[\n${items.map((v) => pad + v).join(',\n')}\n${o.indent.repeat(depth)}]`;
}

function encode(v: unknown, o: Required<JsonOptions>, depth: number): string {
  switch (typeof v) {
    case 'undefined':
      return 'null';
    case 'string':
      return goJsonString(v, o.escapeHTML);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'number':
      return goJsonNumber(v);
    case 'function':
      throw new FuncError('json: unsupported type: func(...interface {}) (interface {}, error)');
    default:
      break;
  }
  if (v === null) return 'null';
  if (v instanceof GoPtr) return v.target === undefined ? 'null' : encode(v.target, o, depth);
  if (v instanceof GoEnum) return String(v.value);
  if (v instanceof GoStruct) return encodeStruct(v, o, depth);
  if ((v instanceof GoSlice && v.raw === null) || (v instanceof GoMap && v.raw === null)) return 'null';
  const items = sliceItems(v);
  if (items !== undefined) return array(items.map((it) => encode(it, o, depth + 1)), o, depth);
  const keys = mapKeys(v);
  if (keys !== undefined && (v instanceof GoMap || isPlainMap(v))) {
    return object(keys.map((k) => [k, encode(mapLookup(v, k).value, o, depth + 1)]), o, depth);
  }
  throw new FuncError(`json: unsupported value`);
}

/** json.Marshal / json.MarshalIndent("", indent) of a template value. Throws FuncError. */
export function goJsonMarshal(v: unknown, options: JsonOptions = {}): string {
  return encode(v, { escapeHTML: options.escapeHTML ?? true, indent: options.indent ?? '' }, 0);
}

/** json.Unmarshal into interface{}: objects, arrays, float64 numbers (as JS numbers). */
export function goJsonUnmarshal(text: string): unknown {
  return JSON.parse(text) as unknown;
}
