/**
 * Function registry. A template function declares its Go parameter types so the executor can
 * convert and check arguments the way Go's reflection-based calls do (`trunc` wants an int and
 * a string; passing a map[string]interface {} to `isset` fails as it does in Go).
 *
 * Parameter kinds:
 *   'any'     interface{}: anything; a missing value arrives as null
 *   'value'   reflect.Value (Go's builtins): the raw value, undefined for "no value"
 *   'string' 'int' 'float' 'bool'   Go scalars (constants must have the right literal form)
 *   GoType    a specific Go type (map[string]string, v1.ObjectMeta, ...)
 */
import type { GoType } from './types.js';

export type Param = 'any' | 'value' | 'string' | 'int' | 'float' | 'bool' | GoType;

export interface FuncDef {
  readonly params: readonly Param[];
  /** Element type of a trailing `...T` parameter. */
  readonly variadic?: Param;
  /** Throws to report `error calling <name>: <message>`. */
  readonly impl: (...args: never[]) => unknown;
}

export type FuncMap = Readonly<Record<string, FuncDef>>;

/** Declares a function: `fn(['string', 'int'], (s, n) => ...)`, `fn([], impl, 'any')` for `...interface{}`. */
export function fn<A extends unknown[]>(params: readonly Param[], impl: (...args: A) => unknown, variadic?: Param): FuncDef {
  return variadic === undefined ? { params, impl: impl as FuncDef['impl'] } : { params, variadic, impl: impl as FuncDef['impl'] };
}

/** Go's spelling of a parameter type for messages. */
export function paramName(p: Param): string {
  switch (p) {
    case 'any':
      return 'interface {}';
    case 'value':
      return 'reflect.Value';
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    default:
      return p.name;
  }
}

/** An error a template function raises (reported as `error calling <name>: <message>`). */
export class FuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuncError';
  }
}
