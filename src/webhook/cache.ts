/**
 * A bounded memo of admission outcomes. At admission time the replicas of one ReplicaSet (or
 * Job, StatefulSet…) arrive as identical Pod objects — the API server assigns the generated name
 * later — so a scale-up of N replicas costs one injection instead of N. The outcome is a pure
 * function of (pod, namespace, URL env overrides, cluster snapshot, injector): the key hashes the
 * first three, the memo is dropped whenever the cluster snapshot object changes, and one memo
 * belongs to one injector (a configuration reload builds a new injector with an empty memo).
 */
import { createHash } from 'node:crypto';
import type { AdmissionInput, AdmissionOutcome, ClusterSnapshot, PodInjector } from './types.js';

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

export function createCachingInjector(inner: PodInjector, maxEntries: number): PodInjector {
  if (maxEntries <= 0) return inner;
  const memo = new Map<string, AdmissionOutcome>();
  let snapshot: ClusterSnapshot | undefined;
  return {
    admit(input: AdmissionInput): AdmissionOutcome {
      if (input.cluster !== snapshot) {
        memo.clear();
        snapshot = input.cluster;
      }
      const key = memoKey(input);
      const hit = memo.get(key);
      if (hit !== undefined) {
        // refresh recency (Map keeps insertion order: oldest first)
        memo.delete(key);
        memo.set(key, hit);
        return hit;
      }
      const outcome = inner.admit(input);
      memo.set(key, outcome);
      if (memo.size > maxEntries) memo.delete(memo.keys().next().value as string);
      return outcome;
    },
  };
}
