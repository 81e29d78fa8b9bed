/**
 * kube-uninject on a multi-document manifest: every workload kind kube-inject handles (and the
 * items of a List) has its pod template uninjected (core/inject/uninject.ts) and is re-serialised
 * like kube-inject's output; other documents, and workloads that were not injected, are copied
 * byte for byte (a List is re-serialised when one of its items changed). Every document is
 * followed by `---`. Pure: the whole output is built before anything is written, so a document
 * that fails (an unreadable status annotation) leaves no partial output.
 */
import { uninjectPod, UninjectError } from '../core/inject/uninject.js';
import { normalizeAs } from '../core/k8s/normalize.js';
import type { Pod } from '../core/k8s/pod.js';
import { emitYaml } from '../core/yaml/emit.js';
import { describe, ManifestError, mapRecognisedDocuments } from './manifest.js';
import { podTemplateOf, RECOGNISED_KINDS, WorkloadError } from './workload.js';

type Obj = Record<string, unknown>;

export interface UninjectManifestResult {
  readonly output: string;
  /** One line each (ending with a newline): objects left as they were, what could not be restored. */
  readonly notes: readonly string[];
  /** Objects uninjected / found not injected. */
  readonly uninjected: number;
  readonly notInjected: number;
}

interface Tally {
  notes: string[];
  uninjected: number;
  notInjected: number;
}

/** Uninjects one object of a recognised kind; returns the object to emit, or undefined when unchanged. */
function uninjectObject(raw: Obj, subject: string, tally: Tally): Obj | undefined {
  const kind = raw.kind as string;
  if (kind === 'List') return uninjectList(raw, subject, tally);
  const obj = structuredClone(normalizeAs(kind, raw));
  const ref = podTemplateOf(kind, obj);
  const result = uninjectPod({ metadata: ref.metadata, spec: ref.spec } as Pod, { workloadName: ref.deploymentMeta.name });
  if (!result.injected) {
    tally.notInjected++;
    tally.notes.push(`note: ${subject}: not injected (no sidecar.istio.io/status annotation): left as it is\n`);
    return undefined;
  }
  tally.uninjected++;
  for (const n of result.notes) tally.notes.push(`note: ${subject}: ${n}\n`);
  ref.put(result.pod.metadata ?? {}, result.pod.spec ?? {});
  return normalizeAs(kind, obj);
}

function uninjectList(raw: Obj, subject: string, tally: Tally): Obj | undefined {
  const list = normalizeAs('List', raw);
  const items = (list.items as unknown[] | null) ?? [];
  let changed = false;
  const out = items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const k = (item as Obj).kind;
    if (typeof k !== 'string' || !RECOGNISED_KINDS.has(k) || k === 'List') return item;
    const done = uninjectObject(item as Obj, `${subject} item ${i + 1} (${describeItem(item as Obj)})`, tally);
    if (done === undefined) return item;
    changed = true;
    return done;
  });
  return changed ? { ...list, items: out } : undefined;
}

function describeItem(o: Obj): string {
  const meta = (o.metadata ?? {}) as Obj;
  const ns = typeof meta.namespace === 'string' && meta.namespace ? `${meta.namespace}/` : '';
  return `${String(o.kind)} "${ns}${typeof meta.name === 'string' ? meta.name : ''}"`;
}

/** Uninjects every document of `text`. Throws ManifestError naming the failing document. */
export function uninjectManifest(text: string): UninjectManifestResult {
  const tally: Tally = { notes: [], uninjected: 0, notInjected: 0 };
  const output = mapRecognisedDocuments(text, (doc, index) => {
    let done: Obj | undefined;
    try {
      done = uninjectObject(doc, describe(doc, index), tally);
    } catch (e) {
      if (e instanceof UninjectError || e instanceof WorkloadError) throw new ManifestError(`${describe(doc, index)}: ${e.message}`, index, { cause: e });
      throw e;
    }
    return done === undefined ? undefined : emitYaml(done);
  });
  return { output, notes: tally.notes, uninjected: tally.uninjected, notInjected: tally.notInjected };
}
