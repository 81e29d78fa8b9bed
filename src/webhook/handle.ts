/**
 * The HTTP contract of `POST /inject[/…]` (reference §b.5), independent of the HTTP framework:
 * empty body → 400 "no body found"; a content type other than application/json → 415;
 * undecodable JSON or a body that is not an AdmissionReview → 400; otherwise 200 with an
 * AdmissionReview answer (allowed, skipped with a warning, or rejected with Istio's message).
 */
import sjson from 'secure-json-parse';
import { jsonDepthExceeded, MAX_JSON_DEPTH } from '../core/format/json-depth.js';
import { reviewAdmission, type AdmissionResponseBody, type AdmissionSubject, type ReviewDeps } from './admission.js';
import type { AdmissionOutcome } from './types.js';

export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * A body over MAX_BODY_BYTES is still read (and thrown away) up to this many bytes in all before
 * the 413 goes out: a client that is still sending when the answer comes and the connection
 * closes sees a reset instead of the status. Beyond it the 413 is sent at once.
 */
export const MAX_DRAINED_BYTES = 32 * 1024 * 1024;

export interface InjectHttpRequest {
  readonly body: Buffer | undefined;
  readonly contentType: string | undefined;
  /** The raw (still percent-encoded) URL path, without the query string. */
  readonly path: string;
}

export type InjectHttpResult =
  | { readonly status: 200; readonly review: AdmissionResponseBody; readonly outcome: AdmissionOutcome; readonly subject?: AdmissionSubject }
  | { readonly status: 400 | 415; readonly message: string };

export const MESSAGES = {
  noBody: 'no body found',
  contentType: 'invalid Content-Type, want `application/json`',
} as const;

export function handleInjectRequest(req: InjectHttpRequest, deps: ReviewDeps): InjectHttpResult {
  const decoded = decodeInjectRequest(req);
  return 'message' in decoded ? decoded : reviewDecoded(decoded, deps);
}

/** A request whose body is decoded JSON, ready for `reviewDecoded`. */
export interface DecodedInjectRequest {
  readonly body: unknown;
  /** The URL path, percent-decoded. */
  readonly path: string;
}

/** The HTTP-level checks and the JSON decoding of `handleInjectRequest`, without the review. */
export function decodeInjectRequest(req: InjectHttpRequest): DecodedInjectRequest | { readonly status: 400 | 415; readonly message: string } {
  if (!req.body || req.body.length === 0) return { status: 400, message: MESSAGES.noBody };
  if (!isJsonContentType(req.contentType)) return { status: 415, message: MESSAGES.contentType };
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    return { status: 400, message: `invalid URL path: bad percent-encoding in ${JSON.stringify(req.path)}` };
  }
  // Go's and the API server's nesting limit, checked before JSON.parse builds anything.
  const deepAt = jsonDepthExceeded(req.body);
  if (deepAt >= 0) {
    return { status: 400, message: `could not decode body: exceeded max depth of ${MAX_JSON_DEPTH} (nesting at byte ${deepAt})` };
  }
  try {
    return { body: sjson.parse(req.body.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' }), path };
  } catch (err) {
    return { status: 400, message: `could not decode body: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The rest of `handleInjectRequest`: the AdmissionReview's answer. */
export function reviewDecoded(req: DecodedInjectRequest, deps: ReviewDeps): InjectHttpResult {
  const result = reviewAdmission(req.body, req.path, deps);
  return result.status === 200 ? { status: 200, review: result.body, outcome: result.outcome, ...(result.subject ? { subject: result.subject } : {}) } : result;
}

/**
 * `application/json`, case-insensitive, optionally with parameters (`; charset=utf-8`).
 * Istio compares the header to `application/json` exactly; parameters are harmless, so they
 * are accepted here.
 */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json';
}
