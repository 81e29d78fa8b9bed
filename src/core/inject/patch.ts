/**
 * The admission response patch: an RFC 6902 JSON patch from the pod as received to the
 * injected pod.
 *
 * The core works on the typed-normalised pod, so the diff is taken from that (fast-json-patch
 * `compare`; Istio's gomodules jsonpatch orders operations nondeterministically anyway). The
 * received JSON may lack what normalisation adds (`resources: {}`, `status: {}`) and may carry
 * fields the core does not model; the operations are therefore replayed on the received pod,
 * adding missing parents first and turning `replace` of a missing member into `add`. The
 * result applies cleanly to the received pod, leaves unmodelled fields alone, and yields the
 * injected pod (modulo those fields).
 */
import fastJsonPatch from 'fast-json-patch';
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

/** Operations taking `received` to `injected`; `decoded` is `received` as the core decoded it. */
export function createPatch(received: Pod, decoded: Pod, injected: Pod): PatchOperation[] {
  const ops = fastJsonPatch.compare(decoded, injected) as PatchOperation[];
  const out: PatchOperation[] = [];
  // Paths the patch itself creates, so later operations below them need no parent.
  const created = new Set<string>();
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map(unescape);
    let node: unknown = received;
    let model: unknown = decoded;
    let pointer = '';
    let inCreated = false;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      pointer += `/${escape(key)}`;
      inCreated ||= created.has(pointer);
      if (!inCreated && !has(node, key)) {
        out.push({ op: 'add', path: pointer, value: structuredClone(child(model, key) ?? {}) });
        created.add(pointer);
        inCreated = true;
      }
      node = child(node, key);
      model = child(model, key);
    }
    const present = inCreated || has(node, parts[parts.length - 1] as string);
    if (op.op === 'replace' && !present) out.push({ ...op, op: 'add' });
    else if (op.op === 'remove' && !present) continue;
    else out.push(op);
    if (op.op === 'add') created.add(op.path);
  }
  return out;
}
