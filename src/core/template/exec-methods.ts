/**
 * Go's method lookup and type assignability for template calls: declared struct methods,
 * protobuf getters, String() of Stringers; which values a typed parameter accepts.
 */
import type { FuncDef, Param } from './funcs.js';
import { stringerText } from './go-fmt.js';
import { GoEnum, GoPtr, GoStruct, protoGetter, typeName } from './values.js';

export function canBeNil(t: Param): boolean {
  if (typeof t !== 'object') return t === 'any' || t === 'value';
  return t.kind === 'map' || t.kind === 'slice' || t.kind === 'ptr' || t.kind === 'interface';
}

/** Whether a value may be passed for a parameter of Go type `t` (typed params only). */
export function assignable(v: unknown, t: Exclude<Param, string>): boolean {
  if (t.kind === 'interface') return true;
  if (v instanceof GoStruct) {
    if (t.kind === 'struct') return v.type === t;
    return t.kind === 'ptr' && t.elem === v.type;
  }
  return typeName(v) === t.name;
}

/** Methods reachable on a value: declared struct methods, protobuf getters, String() of Stringers. */
export function findMethod(receiver: unknown, name: string): FuncDef | undefined {
  if (receiver instanceof GoEnum) {
    if (name === 'String') return { params: [], impl: () => receiver.name };
    if (name === 'Number') return { params: [], impl: () => BigInt(receiver.value) };
    return undefined;
  }
  let def;
  let raw: Record<string, unknown> | undefined;
  if (receiver instanceof GoStruct) {
    def = receiver.def;
    raw = receiver.raw;
  } else if (receiver instanceof GoPtr && receiver.target === undefined && receiver.type.elem.kind === 'struct') {
    def = receiver.type.elem.def;
  }
  if (!def) return undefined;
  const m = def.methods.get(name);
  if (m) return { params: [], impl: () => m(raw, []) };
  const g = protoGetter(def, raw, name);
  if (g.found) return { params: [], impl: () => g.value };
  if (name === 'String' && receiver instanceof GoStruct) {
    const s = stringerText(receiver);
    if (s !== undefined) return { params: [], impl: () => s };
  }
  return undefined;
}
