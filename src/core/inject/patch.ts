/**
 * The admission response patch: an RFC 6902 JSON patch from the pod as received to the
 * injected pod.
 *
 * The core works on the typed-normalised pod, so the diff is taken from that (`diffJson`, the
 * algorithm of fast-json-patch's `compare`; Istio's gomodules jsonpatch orders operations
 * nondeterministically anyway). The
 * received JSON may lack what normalisation adds (`resources: {}`, `status: {}`) and may carry
 * fields the core does not model; the operations are therefore replayed on the received pod,
 * adding missing parents first and turning `replace` of a missing member into `add`. The
 * result applies cleanly to the received pod, leaves unmodelled fields alone, and yields the
 * injected pod (modulo those fields).
 *
 * Operation values are shared with the injected pod, not copied: treat both as immutable.
 */
import type { Pod } from '../k8s/pod.js';

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');
const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

function child(node: unknown, key: string): unknown {
  if (Array.isArray(node)) return node[Number(key)];
  if (typeof node === 'object' && node !== null) return (node as Record<string, unknown>)[key];
  return undefined;
}

function has(node: unknown, key: string): boolean {
  if (Array.isArray(node)) return /^\d+$/.test(key) && Number(key) < node.length;
  return typeof node === 'object' && node !== null && Object.hasOwn(node, key);
}

const isContainer = (v: unknown): v is object => typeof v === 'object' && v !== null;
const escapeKey = (k: string): string => (k.includes('/') || k.includes('~') ? escape(k) : k);

/**
 * RFC 6902 operations from `from` to `to`, in the order fast-json-patch's `compare` produces
 * them (members of `from` from last to first: recurse, replace or remove; then adds). Hand-written
 * instead of calling `compare` because that deep-copies every added or replaced value through
 * JSON and walks identical subtrees; here identical (===) subtrees are skipped (the core shares
 * unchanged parts of the pod) and values are shared, not copied.
 */
export function diffJson(from: unknown, to: unknown, path = '', ops: PatchOperation[] = []): PatchOperation[] {
  if (from === to || !isContainer(from) || !isContainer(to)) return ops;
  if (Array.isArray(from) && Array.isArray(to)) {
    for (let i = from.length - 1; i >= 0; i--) {
      if (i < to.length) diffMember(from[i], to[i], `${path}/${i}`, ops, to[i] === undefined);
      else ops.push({ op: 'remove', path: `${path}/${i}` });
    }
    for (let i = from.length; i < to.length; i++) if (to[i] !== undefined) ops.push({ op: 'add', path: `${path}/${i}`, value: to[i] });
    return ops;
  }
  const a = from as Record<string, unknown>;
  const b = to as Record<string, unknown>;
  const toArray = Array.isArray(to);
  const oldKeys = Array.isArray(from) ? Array.from({ length: from.length }, (_, i) => String(i)) : Object.keys(a);
  const newKeys = toArray ? Array.from({ length: to.length }, (_, i) => String(i)) : Object.keys(b);
  let removed = false;
  for (let i = oldKeys.length - 1; i >= 0; i--) {
    const key = oldKeys[i] as string;
    const oldVal = a[key];
    if (Object.hasOwn(b, key) && !(b[key] === undefined && oldVal !== undefined && !toArray)) {
      const newVal = b[key];
      if (oldVal !== newVal) diffMember(oldVal, newVal, `${path}/${escapeKey(key)}`, ops, false);
    } else {
      ops.push({ op: 'remove', path: `${path}/${escapeKey(key)}` });
      removed = true;
    }
  }
  if (!removed && newKeys.length === oldKeys.length) return ops;
  for (const key of newKeys) {
    if (!Object.hasOwn(a, key) && b[key] !== undefined) ops.push({ op: 'add', path: `${path}/${escapeKey(key)}`, value: b[key] });
  }
  return ops;
}

/** One member present on both sides (`gone`: an array slot now holding undefined). */
function diffMember(oldVal: unknown, newVal: unknown, at: string, ops: PatchOperation[], gone: boolean): void {
  if (oldVal === newVal && !gone) return;
  if (isContainer(oldVal) && isContainer(newVal) && Array.isArray(oldVal) === Array.isArray(newVal)) diffJson(oldVal, newVal, at, ops);
  else if (oldVal !== newVal) ops.push({ op: 'replace', path: at, value: newVal });
}

interface Parent {
  /** The member in the received pod (undefined when missing there). */
  readonly node: unknown;
  /** The same member in the decoded pod. */
  readonly model: unknown;
  /** Created by an operation of this patch (nothing below it needs a parent). */
  readonly created: boolean;
}

/** Operations taking `received` to `injected`; `decoded` is `received` as the core decoded it. */
export function createPatch(received: Pod, decoded: Pod, injected: Pod): PatchOperation[] {
  const ops = diffJson(decoded, injected);
  const out: PatchOperation[] = [];
  // Paths the patch itself creates, so later operations below them need no parent.
  const created = new Set<string>();
  const parents = new Map<string, Parent>([['', { node: received, model: decoded, created: false }]]);
  const parentOf = (pointer: string): Parent => {
    const known = parents.get(pointer);
    if (known) return known;
    const cut = pointer.lastIndexOf('/');
    const up = parentOf(pointer.slice(0, cut));
    const key = unescape(pointer.slice(cut + 1));
    let isCreated = up.created || created.has(pointer);
    if (!isCreated && !has(up.node, key)) {
      out.push({ op: 'add', path: pointer, value: structuredClone(child(up.model, key) ?? {}) });
      created.add(pointer);
      isCreated = true;
    }
    const parent = { node: child(up.node, key), model: child(up.model, key), created: isCreated };
    parents.set(pointer, parent);
    return parent;
  };
  for (const op of ops) {
    const cut = op.path.lastIndexOf('/');
    const parent = parentOf(op.path.slice(0, cut));
    const present = parent.created || has(parent.node, unescape(op.path.slice(cut + 1)));
    if (op.op === 'replace' && !present) out.push({ ...op, op: 'add' });
    else if (op.op === 'remove' && !present) continue;
    else out.push(op);
    if (op.op === 'add') created.add(op.path);
  }
  return out;
}
