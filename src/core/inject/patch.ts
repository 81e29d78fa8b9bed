/**
 * The admission response patch: an RFC 6902 JSON patch from the pod as received to the
 * injected pod. fast-json-patch's `compare` yields a valid patch (not the same operations as
 * Istio's gomodules jsonpatch, whose order is not deterministic anyway); applying it to the
 * received pod reproduces the injected one.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Pod } from '../k8s/pod.js';

export interface PatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

export function createPatch(original: Pod, injected: Pod): PatchOperation[] {
  return fastJsonPatch.compare(original, injected) as PatchOperation[];
}
