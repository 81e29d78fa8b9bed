/**
 * The seam between the webhook edge and the injection core. The edge parses the HTTP request
 * and the AdmissionReview, asks a `PodInjector` what to do with the pod and renders the answer;
 * the injector (an adapter over the pure core in src/core/inject) decides and computes the patch.
 */

export type JsonObject = Record<string, unknown>;

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

/**
 * What the webhook knows about the cluster at admission time, read from informer caches
 * (never from a per-request API call).
 */
export interface ClusterSnapshot {
  /**
   * Every node with its kubelet version (`status.nodeInfo.kubeletVersion`); `undefined` when
   * there is no node watch (no API access). Same shape as the core's `ClusterFacts.nodes`.
   */
  readonly nodes: readonly { readonly name: string; readonly kubeletVersion: string }[] | undefined;
  /** Annotations per namespace name; `undefined` unless the namespace watch runs (OpenShift). */
  readonly namespaceAnnotations: ReadonlyMap<string, Readonly<Record<string, string>>> | undefined;
}

export interface AdmissionInput {
  /** The pod from the request, `managedFields` removed and `metadata.namespace` filled in. */
  readonly pod: JsonObject;
  /** `request.namespace`. */
  readonly namespace: string;
  /** Proxy env overrides from the URL path (§b.5). */
  readonly proxyEnv: Readonly<Record<string, string>>;
  readonly cluster: ClusterSnapshot;
}

/**
 * A patch as the answer carries it: the base64 of its JSON text, and its length in operations.
 * Encoded once when the injection is done, so an outcome (and the memo) holds only strings and
 * nothing of the pod it came from.
 */
export interface EncodedPatch {
  readonly base64: string;
  readonly operations: number;
}

export function encodePatch(patch: readonly JsonPatchOperation[]): EncodedPatch {
  return { base64: Buffer.from(JSON.stringify(patch)).toString('base64'), operations: patch.length };
}

export type AdmissionOutcome =
  | { readonly kind: 'injected'; readonly patch: EncodedPatch; readonly warnings: readonly string[] }
  /** The pod is admitted unchanged; `reason` is the core's typed code, `message` explains it. */
  | { readonly kind: 'skipped'; readonly reason: string; readonly message: string }
  /** Injection failed (invalid annotation, template error…): the pod is rejected. */
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string };

export interface PodInjector {
  admit(input: AdmissionInput): AdmissionOutcome;
}

/** Where the handler gets the current injector: config hot reload swaps it behind this. */
export interface InjectorSource {
  current(): PodInjector;
}

export interface ClusterFactsSource {
  snapshot(): ClusterSnapshot;
}

/** Monotonic clock in milliseconds (performance.now in production). */
export interface Clock {
  now(): number;
}
