/**
 * A bounded memo of admission outcomes. At admission time the replicas of one ReplicaSet (or
 * Job, StatefulSet…) arrive as identical Pod objects — the API server assigns the generated name
 * later — so a scale-up of N replicas costs one injection instead of N. The outcome is a pure
 * function of (pod, namespace, URL env overrides, cluster snapshot, injector): the key hashes the
 * first three, the memo is dropped whenever the cluster snapshot object changes, and one memo
 * belongs to one injector (a configuration reload builds a new injector with an empty memo).
 *
 * Bounded twice: by entries and by bytes. An outcome holds only strings (the patch is already
 * base64, see EncodedPatch), so its size is known; the least recently used entries go until both
 * bounds hold, and an outcome bigger than a quarter of the byte bound is not remembered at all
 * (a few huge pods must not flush the memo of every ordinary one).
 */
import { createHash } from 'node:crypto';
import type { AdmissionInput, AdmissionOutcome, ClusterSnapshot, PodInjector } from './types.js';

/** Default byte bound (`--injectionCacheBytes`); docs/webhook.md explains it against the chart's 512 Mi. */
export const DEFAULT_MEMO_BYTES = 64 * 1024 * 1024;

export interface MemoLimits {
  /** Outcomes remembered at most; 0 disables the memo. */
  readonly maxEntries: number;
  /** Approximate bytes (keys and outcomes) remembered at most; 0 disables the memo. */
  readonly maxBytes: number;
}

/**
 * The key: the JSON text of (namespace, URL env, pod) itself when it is short — a Map hashes a
 * string key faster than SHA-256 — and its SHA-256 when it is long (a pod with thousands of env
 * entries would otherwise keep its whole text alive in the memo).
 */
const INLINE_KEY_CHARS = 8192;
function memoKey(input: AdmissionInput): string {
  const text = JSON.stringify([input.namespace, input.proxyEnv, input.pod]);
  return text.length <= INLINE_KEY_CHARS ? text : `sha256:${createHash('sha256').update(text).digest('base64')}`;
}

/** Per-entry bookkeeping of a Map entry and the outcome object, beyond its strings. */
const ENTRY_OVERHEAD = 256;
/** A JS string takes one byte per character when Latin-1, two otherwise: count two unless base64. */
const textBytes = (s: string | undefined): number => (s === undefined ? 0 : 2 * s.length);

/** What an outcome keeps alive, approximately (its strings and a fixed overhead). */
export function outcomeBytes(o: AdmissionOutcome): number {
  switch (o.kind) {
    case 'injected':
      return ENTRY_OVERHEAD + o.patch.base64.length + o.warnings.reduce((n, w) => n + textBytes(w), 0);
    case 'skipped':
      return ENTRY_OVERHEAD + textBytes(o.reason) + textBytes(o.message);
    case 'rejected':
      return ENTRY_OVERHEAD + textBytes(o.code) + textBytes(o.message);
  }
}

export function createCachingInjector(inner: PodInjector, limits: MemoLimits): PodInjector {
  if (limits.maxEntries <= 0 || limits.maxBytes <= 0) return inner;
  const memo = new Map<string, { readonly outcome: AdmissionOutcome; readonly bytes: number }>();
  let bytes = 0;
  let snapshot: ClusterSnapshot | undefined;
  const clear = () => {
    memo.clear();
    bytes = 0;
  };
  return {
    admit(input: AdmissionInput): AdmissionOutcome {
      if (input.cluster !== snapshot) {
        clear();
        snapshot = input.cluster;
      }
      const key = memoKey(input);
      const hit = memo.get(key);
      if (hit !== undefined) {
        // refresh recency (Map keeps insertion order: oldest first)
        memo.delete(key);
        memo.set(key, hit);
        return hit.outcome;
      }
      const outcome = inner.admit(input);
      const size = textBytes(key) + outcomeBytes(outcome);
      if (size > limits.maxBytes / 4) return outcome;
      memo.set(key, { outcome, bytes: size });
      bytes += size;
      while (memo.size > limits.maxEntries || bytes > limits.maxBytes) {
        const [oldest, entry] = memo.entries().next().value as [string, { bytes: number }];
        memo.delete(oldest);
        bytes -= entry.bytes;
      }
      return outcome;
    },
  };
}
