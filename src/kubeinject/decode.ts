/**
 * FromRawToObject (§h.3): how kube-inject decodes one document. sigs.k8s.io/yaml decodes it into
 * metav1.TypeMeta first to learn its kind; a recognised kind is decoded again into that kind's
 * Go struct, whose types shape the result (core/k8s/yaml-target.ts: numbers and booleans in
 * string fields become text, keys match fields ignoring case). List items are raw JSON decoded
 * the same way, one by one.
 */
import { goJsonMarshal } from '../core/format/go-json.js';
import { TYPE_META_TARGET, yamlTargetForKind } from '../core/k8s/yaml-target.js';
import { parseYamlDocument } from '../core/yaml/parse.js';

/** Kinds kube-inject processes, matched by kind only (any apiVersion). */
export const RECOGNISED_KINDS: ReadonlySet<string> = new Set([
  'Pod', 'ReplicationController', 'Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'Job', 'CronJob', 'List', 'DeploymentConfig',
]);

export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Go's name of a JSON value's kind in decoding errors. */
const jsonKind = (v: unknown): string => (Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v);

/**
 * The document as kube-inject sees it: `null` for an empty one, the object typed by its kind's
 * struct when the kind is recognised (a List's items each typed by theirs), else as decoded
 * into `interface{}`. Throws YamlError and DecodeError (not an object; an `apiVersion` or `kind`
 * that is not a string).
 */
export function decodeDocument(text: string): unknown {
  const doc = parseYamlDocument(text, {
    target: TYPE_META_TARGET,
    retarget: (first) => {
      if (typeof first !== 'object' || first === null || Array.isArray(first)) return null;
      const o = first as Record<string, unknown>;
      for (const field of ['apiVersion', 'kind']) {
        const v = o[field];
        if (v !== undefined && v !== null && typeof v !== 'string') {
          throw new DecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field TypeMeta.${field} of type string`);
        }
      }
      return typeof o.kind === 'string' && RECOGNISED_KINDS.has(o.kind) ? yamlTargetForKind(o.kind) : null;
    },
  });
  if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new DecodeError(`expected a Kubernetes object, got ${Array.isArray(doc) ? 'a list' : typeof doc}`);
  }
  const o = doc as Record<string, unknown> | null;
  if (o?.kind !== 'List' || !Array.isArray(o.items)) return doc;
  // Each item is a RawExtension: its JSON as Go wrote it, decoded like a document of its own.
  // (Integers beyond 2^53 in an item have lost their last digits by then; Go keeps them.)
  return { ...o, items: o.items.map((item) => decodeDocument(goJsonMarshal(item))) };
}
