/**
 * AdmissionReview decoding and response rendering (admission.k8s.io/v1 and v1beta1).
 * Pure: the caller supplies the parsed body, the URL path and the injector.
 */
import { z } from 'zod';
import { parsePathEnv } from '../core/inject/path-params.js';
import type { AdmissionOutcome, ClusterSnapshot, JsonObject, PodInjector } from './types.js';

const API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

const reviewSchema = z.looseObject({
  apiVersion: z.enum(API_VERSIONS, { error: () => `apiVersion: must be one of ${API_VERSIONS.join(', ')}` }),
  kind: z.literal('AdmissionReview', { error: () => 'kind: must be AdmissionReview' }),
  request: z.looseObject(
    {
      uid: z.string({ error: () => 'request.uid: must be a string' }).min(1, { error: 'request.uid: must not be empty' }),
      kind: z
        .looseObject({ group: z.string().optional(), version: z.string().optional(), kind: z.string() }, {
          error: () => 'request.kind: must be a GroupVersionKind object',
        })
        .optional(),
      namespace: z.string({ error: () => 'request.namespace: must be a string' }).optional(),
      operation: z.string({ error: () => 'request.operation: must be a string' }).optional(),
      object: z.unknown().optional(),
    },
    { error: (iss) => (iss.input === undefined ? 'request: missing' : 'request: must be an object') },
  ),
});

export type ReviewApiVersion = (typeof API_VERSIONS)[number];

export interface AdmissionResponseBody {
  readonly apiVersion: ReviewApiVersion;
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly patch?: string;
    readonly patchType?: 'JSONPatch';
    readonly status?: { readonly message: string; readonly code?: number };
    readonly warnings?: readonly string[];
  };
}

/** 200 with an AdmissionReview, or a 4xx when the body is not a usable AdmissionReview. */
export type ReviewResult =
  | { readonly status: 200; readonly body: AdmissionResponseBody; readonly outcome: AdmissionOutcome; readonly subject?: AdmissionSubject }
  | { readonly status: 400; readonly message: string };

/** The pod an answer was about (for decision events): its namespace and object as sent. */
export interface AdmissionSubject {
  readonly namespace: string;
  readonly pod: JsonObject;
}

export interface ReviewDeps {
  readonly injector: PodInjector;
  readonly cluster: ClusterSnapshot;
}

/** Answers one decoded AdmissionReview. Never throws: injector bugs become a rejection. */
export function reviewAdmission(body: unknown, path: string, deps: ReviewDeps): ReviewResult {
  const parsed = reviewSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = body === null || typeof body !== 'object' || Array.isArray(body)
      ? 'AdmissionReview must be a JSON object'
      : (issue?.message ?? 'invalid AdmissionReview');
    return { status: 400, message: `could not decode AdmissionReview: ${message}` };
  }
  const { apiVersion, request } = parsed.data;
  const { env, warnings: pathWarnings } = parsePathEnv(path);
  const pod = podFromRequest(request);
  const outcome = decide(pod, request.namespace ?? '', env, deps);
  const response = renderResponse(request.uid, outcome, pathWarnings);
  const subject = typeof pod === 'string' ? undefined : { namespace: request.namespace ?? '', pod };
  return { status: 200, body: { apiVersion, kind: 'AdmissionReview', response }, outcome, ...(subject ? { subject } : {}) };
}

type DecodedRequest = z.infer<typeof reviewSchema>['request'];

function decide(pod: JsonObject | string, namespace: string, proxyEnv: Record<string, string>, deps: ReviewDeps): AdmissionOutcome {
  if (typeof pod === 'string') return { kind: 'rejected', code: 'InvalidObject', message: pod };
  try {
    return deps.injector.admit({ pod, namespace, proxyEnv, cluster: deps.cluster });
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return { kind: 'rejected', code: 'InvalidObject', message: 'request.object: nested too deeply to process' };
    }
    // A bug in the core must not take pod creation down with an HTTP 5xx; reject this pod.
    return { kind: 'rejected', code: 'InternalError', message: `internal error: ${describe(err)}` };
  }
}

/** The request's Pod, shallow-copied with managedFields dropped and the namespace filled in. */
function podFromRequest(request: DecodedRequest): JsonObject | string {
  const kind = request.kind?.kind;
  if (kind !== undefined && kind !== 'Pod') return `request.kind: expected Pod, got ${kind}`;
  const obj = request.object;
  if (obj === undefined || obj === null) return 'request.object: missing, expected a Pod';
  if (typeof obj !== 'object' || Array.isArray(obj)) return 'request.object: must be a Pod object';
  const pod = obj as JsonObject;
  if (pod.kind !== undefined && pod.kind !== 'Pod') return `request.object.kind: expected Pod, got ${String(pod.kind)}`;
  const meta = pod.metadata ?? {};
  // Field types are checked by the core's typed decoding (as Go's would be); only what the
  // edge itself touches is checked here.
  if (typeof meta !== 'object' || Array.isArray(meta)) return 'request.object.metadata: expected object';
  const metadata: JsonObject = { ...(meta as JsonObject) };
  delete metadata.managedFields;
  if (!metadata.namespace && request.namespace) metadata.namespace = request.namespace;
  return { ...pod, metadata };
}

function renderResponse(uid: string, outcome: AdmissionOutcome, pathWarnings: readonly string[]): AdmissionResponseBody['response'] {
  switch (outcome.kind) {
    case 'injected': {
      const warnings = [...pathWarnings, ...outcome.warnings];
      return {
        uid,
        allowed: true,
        patch: outcome.patch.base64,
        patchType: 'JSONPatch',
        ...(warnings.length ? { warnings } : {}),
      };
    }
    case 'skipped':
      return { uid, allowed: true, warnings: [...pathWarnings, `sidecar injection skipped: ${outcome.message}`] };
    case 'rejected':
      return { uid, allowed: false, status: { message: outcome.message }, ...(pathWarnings.length ? { warnings: pathWarnings } : {}) };
  }
}

/**
 * The answer as JSON text. The base64 patch (often most of the bytes) needs no JSON escaping, so
 * it is spliced in instead of being scanned again by JSON.stringify.
 */
export function reviewJson(body: AdmissionResponseBody): string {
  const patch = body.response.patch;
  if (patch === undefined) return JSON.stringify(body);
  const text = JSON.stringify({ ...body, response: { ...body.response, patch: '' } });
  // Every string value is escaped, so the only unescaped `"patch":""` is the key itself.
  const at = text.indexOf('"patch":""') + '"patch":"'.length;
  return text.slice(0, at) + patch + text.slice(at);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
