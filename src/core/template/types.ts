/**
 * Go's static types, as far as Go's text/template can observe them.
 *
 * Template data in Go programs (Istio's injector among them) is a tree of Go structs
 * (Kubernetes objects, protobuf messages) and maps. We hold that data as JSON, so a typed view
 * needs to know, per struct, which Go fields exist, what their JSON keys are, and their types:
 * that decides zero values for absent fields, truthiness (a nil pointer is false, a struct is always true), printing and the
 * errors Go raises for unknown fields. Untyped data (maps decoded from JSON/YAML, values built
 * by `dict`/`list`) needs no type: a JS object is a `map[string]interface {}`, an array a
 * `[]interface {}`, a number a `float64`, a bigint an `int`.
 */

export type ScalarKind = 'bool' | 'int' | 'float' | 'string';

export interface ScalarType {
  readonly kind: ScalarKind;
  readonly name: string;
}
export interface InterfaceType {
  readonly kind: 'interface';
  readonly name: string;
}
export interface SliceType {
  readonly kind: 'slice';
  readonly name: string;
  readonly elem: GoType;
}
export interface MapType {
  readonly kind: 'map';
  readonly name: string;
  readonly elem: GoType;
}
export interface PtrType {
  readonly kind: 'ptr';
  readonly name: string;
  readonly elem: GoType;
}
export interface EnumType {
  readonly kind: 'enum';
  readonly name: string;
  /** Value names by number (protobuf enums print their name through String()). */
  readonly names: ReadonlyMap<number, string>;
  readonly numbers: ReadonlyMap<string, number>;
}
export interface StructType {
  readonly kind: 'struct';
  readonly name: string;
  /** Filled in when the struct is defined (types may refer to each other before that). */
  def: StructDef | undefined;
}

export type GoType = ScalarType | InterfaceType | SliceType | MapType | PtrType | EnumType | StructType;

export interface FieldDef {
  readonly goName: string;
  /** JSON key in the raw object; for an inline embedded struct, the struct shares the raw object. */
  readonly json: string;
  readonly type: GoType;
  readonly omitempty: boolean;
  /** Anonymous (embedded) field: its fields are promoted. */
  readonly embedded: boolean;
  /** `json:",inline"`: the embedded struct's fields live in the outer JSON object. */
  readonly inline: boolean;
}

/** A method of a struct (value or pointer receiver; nil pointers are passed as `undefined`). */
export type MethodImpl = (raw: Record<string, unknown> | undefined, args: readonly unknown[]) => unknown;

/**
 * Behaviour of structs that are not plain field bags in Go: wrapper messages and the
 * Kubernetes/protobuf types with a custom String() and JSON form.
 */
export type StructSpecial = 'open' | 'wrapper' | 'duration' | 'intstr' | 'quantity' | 'time';

export interface StructDef {
  readonly name: string;
  readonly fields: readonly FieldDef[];
  /** Field lookup by Go name, including fields promoted from embedded structs. */
  readonly lookup: ReadonlyMap<string, { readonly field: FieldDef; readonly path: readonly FieldDef[] }>;
  readonly methods: ReadonlyMap<string, MethodImpl>;
  readonly special?: StructSpecial;
  /** Protobuf message: every field also has a nil-safe Get<Field> method; Go names are UpperCamel of the JSON name. */
  readonly proto: boolean;
}

const BOOL: ScalarType = { kind: 'bool', name: 'bool' };
const STRING: ScalarType = { kind: 'string', name: 'string' };
const FLOAT64: ScalarType = { kind: 'float', name: 'float64' };
export const INTERFACE: InterfaceType = { kind: 'interface', name: 'interface {}' };

const scalars = new Map<string, GoType>([
  ['bool', BOOL],
  ['string', STRING],
  ['float64', FLOAT64],
  ['float32', { kind: 'float', name: 'float32' }],
  ['any', INTERFACE],
  ...['int', 'int8', 'int16', 'int32', 'int64', 'uint', 'uint8', 'uint16', 'uint32', 'uint64'].map(
    (n): [string, GoType] => [n, { kind: 'int', name: n }],
  ),
]);

export const Types = {
  bool: BOOL,
  string: STRING,
  float64: FLOAT64,
  int: scalars.get('int') as ScalarType,
  int64: scalars.get('int64') as ScalarType,
  interface: INTERFACE,
} as const;

/** `map[string]interface {}` and `[]interface {}`: the types of untyped JS objects and arrays. */
export const ANY_MAP: MapType = { kind: 'map', name: 'map[string]interface {}', elem: INTERFACE };
export const ANY_SLICE: SliceType = { kind: 'slice', name: '[]interface {}', elem: INTERFACE };

/**
 * Registry of named Go types. Type expressions use Go syntax: `string`, `int32`, `*T`, `[]T`,
 * `map[string]T`, `any`, and registered names such as `v1.Container`.
 */
export class TypeRegistry {
  private readonly named = new Map<string, StructType | EnumType>();
  private readonly exprCache = new Map<string, GoType>();

  struct(name: string): StructType {
    const existing = this.named.get(name);
    if (existing) {
      if (existing.kind !== 'struct') throw new Error(`type ${name} is not a struct`);
      return existing;
    }
    const t: StructType = { kind: 'struct', name, def: undefined };
    this.named.set(name, t);
    return t;
  }

  enum(name: string, values: Readonly<Record<string, number>>): EnumType {
    const names = new Map<number, string>();
    for (const [k, v] of Object.entries(values)) names.set(v, k);
    const t: EnumType = { kind: 'enum', name, names, numbers: new Map(Object.entries(values)) };
    this.named.set(name, t);
    return t;
  }

  has(name: string): boolean {
    return this.named.has(name);
  }

  /** Resolves a Go type expression; unknown names are registered as (yet undefined) structs. */
  type(expr: string): GoType {
    const cached = this.exprCache.get(expr);
    if (cached) return cached;
    let t: GoType;
    if (expr.startsWith('*')) {
      const elem = this.type(expr.slice(1));
      t = { kind: 'ptr', name: `*${elem.name}`, elem };
    } else if (expr.startsWith('[]')) {
      const elem = this.type(expr.slice(2));
      t = elem === INTERFACE ? ANY_SLICE : { kind: 'slice', name: `[]${elem.name}`, elem };
    } else if (expr.startsWith('map[string]')) {
      const elem = this.type(expr.slice('map[string]'.length));
      t = elem === INTERFACE ? ANY_MAP : { kind: 'map', name: `map[string]${elem.name}`, elem };
    } else {
      t = scalars.get(expr) ?? this.named.get(expr) ?? this.struct(expr);
    }
    this.exprCache.set(expr, t);
    return t;
  }

  /**
   * Defines a struct from a compact field list, one field per line:
   *
   *     jsonKey  GoType  [flags]
   *
   * The Go field name is derived from the JSON key (`goFieldName`); flags: `!` = no omitempty,
   * `=GoName` = explicit Go name, `^` = embedded (fields promoted), `inline` = embedded struct
   * sharing the outer JSON object (jsonKey is then `-`). Protobuf messages (`proto: true`)
   * derive Go names by upper-casing the first letter only (`tlsSettings` -> `TlsSettings`).
   */
  define(name: string, spec: string, opts: { special?: StructSpecial; proto?: boolean; methods?: Record<string, MethodImpl> } = {}): StructType {
    const t = this.struct(name);
    const fields: FieldDef[] = [];
    for (const rawLine of spec.split('\n')) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [json, typeExpr, ...flags] = line.split(/\s+/);
      if (json === undefined || typeExpr === undefined) throw new Error(`bad field line in ${name}: ${line}`);
      const type = this.type(typeExpr);
      const explicit = flags.find((f) => f.startsWith('='));
      const inline = flags.includes('inline');
      const derived = opts.proto ? json.charAt(0).toUpperCase() + json.slice(1) : goFieldName(json);
      const goName = explicit ? explicit.slice(1) : inline ? typeExpr.replace(/^\*/, '').replace(/^.*\./, '') : derived;
      fields.push({
        goName,
        json,
        type,
        omitempty: !flags.includes('!'),
        embedded: inline || flags.includes('^'),
        inline,
      });
    }
    const methods = new Map<string, MethodImpl>(Object.entries(opts.methods ?? {}));
    const proto = opts.proto ?? false;
    t.def = {
      name,
      fields,
      lookup: buildLookup(fields),
      methods,
      proto,
      ...(opts.special ? { special: opts.special } : {}),
    };
    return t;
  }
}

function buildLookup(fields: readonly FieldDef[]): Map<string, { field: FieldDef; path: FieldDef[] }> {
  const out = new Map<string, { field: FieldDef; path: FieldDef[] }>();
  // Go's rule: a field at a shallower depth wins over promoted fields.
  for (const f of fields) out.set(f.goName, { field: f, path: [] });
  for (const f of fields) {
    if (!f.embedded) continue;
    const inner = f.type.kind === 'ptr' ? f.type.elem : f.type;
    if (inner.kind !== 'struct') continue;
    if (!inner.def) throw new Error(`embedded struct ${inner.name} must be defined before use`);
    for (const [name, entry] of inner.def.lookup) {
      if (!out.has(name)) out.set(name, { field: entry.field, path: [f, ...entry.path] });
    }
  }
  return out;
}

/** Initialisms Kubernetes spells in upper case in Go field names (`hostIP` -> `HostIP`, `uid` -> `UID`). */
const INITIALISMS = ['api', 'aws', 'csi', 'dns', 'fc', 'fqdn', 'fs', 'gce', 'gmsa', 'grpc', 'http', 'ip', 'ipc', 'iscsi', 'nfs', 'os', 'pid', 'qos', 'rbd', 'se', 'tcp', 'tls', 'tty', 'udp', 'uid', 'url', 'uuid'];

/**
 * The Go field name for a JSON key, following Kubernetes' naming: upper-case first letter and
 * upper-case initialisms at the start of the name (`apiVersion` -> `APIVersion`,
 * `seLinuxOptions` -> `SELinuxOptions`, `fsGroup` -> `FSGroup`).
 */
export function goFieldName(json: string): string {
  for (const init of INITIALISMS) {
    if (json.startsWith(init)) {
      const rest = json.slice(init.length);
      if (rest === '' || /^[A-Z0-9]/.test(rest)) return init.toUpperCase() + rest;
    }
  }
  return json.charAt(0).toUpperCase() + json.slice(1);
}

/** The registry of every Go type the engine knows (users register theirs: the injector registers Kubernetes and Istio types). */
export const goTypes = new TypeRegistry();
