/**
 * The webhook's request handling in-process (the code behind `POST /inject`: AdmissionReview
 * decoding, the injector over the pure core, the response), for the conformance runner and the
 * differential fuzzer, with the settings files and the cluster facts a case prescribes. The HTTP
 * and TLS layer is exercised by e2e/webhook against the running server.
 */
import { readFileSync } from 'node:fs';
import fastJsonPatch from 'fast-json-patch';
import { createCoreInjector, injectionEnvironment, settingsFromTexts } from '../src/webhook/core-injector.js';
import { handleInjectRequest } from '../src/webhook/handle.js';
import type { AdmissionResponseBody } from '../src/webhook/admission.js';
import type { JsonPatchOperation } from '../src/webhook/types.js';

export interface WebhookCaseSettings {
  readonly files?: { readonly values?: string; readonly mesh?: string; readonly config?: string };
  readonly texts?: { readonly values?: string; readonly mesh?: string; readonly config?: string };
  readonly revision?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly nodes?: readonly { readonly name: string; readonly version: string }[];
  readonly namespaces?: readonly { readonly name: string; readonly annotations?: Readonly<Record<string, string>> }[];
}

export interface WebhookAnswer {
  readonly status: number;
  readonly message?: string;
  readonly review?: AdmissionResponseBody;
  /** The request's object with the response's patch applied (allowed answers only). */
  readonly patched?: string;
}

export function webhookAnswer(s: WebhookCaseSettings): (body: string, path?: string, contentType?: string) => WebhookAnswer {
  const read = (f: string | undefined): string | undefined => (f === undefined ? undefined : readFileSync(f, 'utf8'));
  const texts = s.texts ?? { values: read(s.files?.values), mesh: read(s.files?.mesh), config: read(s.files?.config) };
  const settings = settingsFromTexts(texts, s.revision ?? '');
  const injector = createCoreInjector(settings, injectionEnvironment({ ...s.env }));
  const cluster = {
    nodes: s.nodes?.map((n) => ({ name: n.name, kubeletVersion: n.version })),
    namespaceAnnotations: s.namespaces ? new Map(s.namespaces.map((n) => [n.name, { ...(n.annotations ?? {}) }])) : undefined,
  };
  return (body, path = '/inject', contentType = 'application/json') => {
    const r = handleInjectRequest({ body: Buffer.from(body), contentType, path }, { injector, cluster });
    if (r.status !== 200) return { status: r.status, message: r.message };
    const resp = r.review.response;
    if (!resp.allowed) return { status: 200, review: r.review, message: resp.status?.message };
    const object = (JSON.parse(body) as { request: { object: unknown } }).request.object;
    if (resp.patch === undefined) return { status: 200, review: r.review, patched: JSON.stringify(object) };
    const ops = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8')) as JsonPatchOperation[];
    const patched = fastJsonPatch.applyPatch(structuredClone(object), ops as fastJsonPatch.Operation[], true, false).newDocument;
    return { status: 200, review: r.review, patched: JSON.stringify(patched) };
  };
}
