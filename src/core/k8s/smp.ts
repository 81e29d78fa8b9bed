/**
 * Kubernetes strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch) on plain JSON,
 * with the merge options Istio's injector uses (`MergeParallelList`, `IgnoreUnmatchedNulls`).
 *
 * - maps merge recursively; a `null` patch value deletes the key;
 * - lists declared with a merge key (containers/env/volumes by `name`, ports by
 *   `containerPort`, volumeMounts by `mountPath`, ...) merge item by item; other lists are
 *   replaced; `[str]+` lists (finalizers) are merged as sets;
 * - resulting list order (normalizeElementOrder): items named in the patch in patch order,
 *   with items only in the original interleaved where the original order puts them before a
 *   patch item that also existed there;
 * - `$patch: replace|delete` directives on maps and list items.
 *
 * Inputs are never mutated.
 */
import { ownValue, setOwnKey } from '../format/own-keys.js';
import { K8sDecodeError } from './errors.js';
import { hasStruct, structSpec, type FieldType } from './schema.js';
import './structs-workloads.js';

type Obj = { [k: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Applies `patch` to `original` as a strategic merge patch for the named struct. */
export function strategicMerge(original: Obj, patch: Obj, structName = 'Pod'): Obj {
  return mergeMap(original, patch, { kind: 'struct', name: structName }, '');
}

function fieldTypeOf(parent: FieldType | undefined, key: string): FieldType | undefined {
  if (!parent) return undefined;
  if (parent.kind === 'struct' && hasStruct(parent.name)) return structSpec(parent.name).fields.get(key)?.type;
  if (parent.kind === 'map') return parent.of;
  return undefined;
}

function mergeMap(original: Obj, patch: Obj, type: FieldType | undefined, path: string): Obj {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return cleanValue(rest);
  }
  if (directive === 'delete') return {};
  const result: Obj = { ...original };
  for (const [k, pv] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (pv === null || pv === undefined) {
      delete result[k];
      continue;
    }
    // Keys are data (annotation and label names…): own properties only, `__proto__` included.
    const ov = ownValue(result, k);
    if (ov === undefined || ov === null || kindOf(ov) !== kindOf(pv)) {
      setOwnKey(result, k, cleanValue(pv));
      continue;
    }
    const ft = fieldTypeOf(type, k);
    const childPath = path ? `${path}.${k}` : k;
    if (isObj(ov) && isObj(pv)) {
      setOwnKey(result, k, mergeMap(ov, pv, ft, childPath));
    } else if (Array.isArray(ov) && Array.isArray(pv)) {
      setOwnKey(result, k, mergeList(ov, pv, ft, childPath));
    } else {
      setOwnKey(result, k, pv);
    }
  }
  return result;
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'list' : typeof v === 'object' ? 'map' : 'scalar';
}

function mergeList(original: unknown[], patch: unknown[], type: FieldType | undefined, path: string): unknown[] {
  if (!type || type.kind !== 'list') return cleanValue(patch);
  if (type.mergeKey) return mergeKeyedList(original, patch, type.mergeKey, type.of, path);
  if (type.setMerge) {
    if (original.length === 0 && patch.length === 0) return original;
    const merged = [...new Set([...original, ...patch])];
    const inPatch = new Set(patch);
    return orderMerged(
      merged.filter((x) => inPatch.has(x)),
      merged.filter((x) => !inPatch.has(x)),
      patch,
      original,
      (x) => x,
    );
  }
  return cleanValue(patch);
}

function mergeKeyedList(original: unknown[], patch: unknown[], mergeKey: string, of: FieldType, path: string): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  // A merge key present with a null value is a key like any other (Go compares the decoded
  // values: a template's `- name: ` is null, found in no list, and appended); absent is no key.
  const keyOf = (item: unknown): unknown => (isObj(item) && Object.hasOwn(item, mergeKey) ? item[mergeKey] : undefined);
  // $patch: replace anywhere in the list replaces the whole list with the other patch items.
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) {
    return cleanValue(patch.filter((p) => !(isObj(p) && p.$patch === 'replace')));
  }
  const deletes = new Set(patch.filter((p) => isObj(p) && p.$patch === 'delete').map(keyOf));
  const base = deletes.size > 0 ? original.filter((o) => !deletes.has(keyOf(o))) : original;
  const items = deletes.size > 0 ? patch.filter((p) => !(isObj(p) && p.$patch === 'delete')) : patch;

  const merged = [...base];
  const index = new Map<unknown, number>();
  merged.forEach((item, i) => {
    const k = keyOf(item);
    if (k !== undefined && !index.has(k)) index.set(k, i);
  });
  for (const item of items) {
    if (!isObj(item)) throw new K8sDecodeError(path, 'strategic merge: list item is not an object');
    const k = keyOf(item);
    if (k === undefined) {
      throw new K8sDecodeError(path, `map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, merged.length);
      merged.push(cleanValue(item));
    } else {
      merged[at] = mergeMap(merged[at] as Obj, item, of, path);
    }
  }
  const patchKeys = new Set(items.map(keyOf));
  return orderMerged(
    merged.filter((m) => patchKeys.has(keyOf(m))),
    merged.filter((m) => !patchKeys.has(keyOf(m))),
    items,
    base,
    keyOf,
  );
}

/**
 * normalizeElementOrder + mergeSortedSlice: patch items sorted by patch order, server-only
 * items by original order, then interleaved; a server-only item goes before a patch item only
 * when both are in the original and it came first there.
 */
function orderMerged(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  keyOf: (x: unknown) => unknown,
): unknown[] {
  const posIn = (list: unknown[]): Map<unknown, number> => {
    const m = new Map<unknown, number>();
    list.forEach((x, i) => {
      const k = keyOf(x);
      if (!m.has(k)) m.set(k, i);
    });
    return m;
  };
  const patchPos = posIn(patchOrder);
  const serverPos = posIn(serverOrder);
  const byPos = (pos: Map<unknown, number>) => (a: unknown, b: unknown) =>
    (pos.get(keyOf(a)) ?? -1) - (pos.get(keyOf(b)) ?? -1);
  const right = [...patchItems].sort(byPos(patchPos));
  const left = [...serverOnly].sort(byPos(serverPos));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = serverPos.get(keyOf(left[i])) ?? -1;
      const ri = serverPos.get(keyOf(right[j])) ?? -1;
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Patch values of the current merge session -> the same without nulls (often themselves). */
let cleaned: Map<object, object> | undefined;

/**
 * Runs `fn` in a merge session: a patch applied to several targets (the injector merges each
 * template into the template pod and into the pod) is checked for nulls only once. The caller
 * promises not to modify the patches during the session.
 */
export function withMergeSession<T>(fn: () => T): T {
  if (cleaned) return fn();
  cleaned = new Map();
  try {
    return fn();
  } finally {
    cleaned = undefined;
  }
}

/** Frozen patch values (deeply immutable: the templates' constant pieces) -> the same without nulls. */
const CLEANED_FROZEN = new WeakMap<object, object>();

/** A patch value as it goes into the result (discardNulls, remembered within a session). */
function cleanValue<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  const cache = Object.isFrozen(v) ? CLEANED_FROZEN : cleaned;
  const known = cache?.get(v);
  if (known) return known as T;
  let out = discardNulls(v);
  if (cache === CLEANED_FROZEN && out !== v) out = freezeDeep(out);
  cache?.set(v, out as object);
  return out;
}

/** discardNulls of a nested value, through the cache when it is frozen. */
function cleanFrozenOr<T>(v: T): T {
  return typeof v === 'object' && v !== null && Object.isFrozen(v) ? cleanValue(v) : discardNulls(v);
}

function freezeDeep<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) freezeDeep(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * discardNullValuesFromPatch: values taken from the patch never carry nulls (nor `$patch`).
 * Returns `v` itself when there is nothing to discard, so merges share the patch's objects.
 */
function discardNulls<T>(v: T): T {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = typeof x === 'object' && x !== null ? cleanFrozenOr(x) : x;
      if (y !== x && !out) out = v.slice(0, i);
      out?.push(y);
    }
    return (out ?? v) as T;
  }
  if (isObj(v)) {
    let out: Obj | undefined;
    for (const k in v) {
      const x = v[k];
      const drop = x === null || x === undefined || k === '$patch';
      const y = drop ? undefined : typeof x === 'object' ? cleanFrozenOr(x) : x;
      if (!out && (drop || y !== x)) {
        out = {};
        for (const prev in v) {
          if (prev === k) break;
          setOwnKey(out, prev, v[prev]);
        }
      }
      if (out && !drop) setOwnKey(out, k, y);
    }
    return (out ?? v) as T;
  }
  return v;
}
