/**
 * The nesting limit Go and Kubernetes put on JSON, checked on the raw bytes before parsing.
 *
 * - encoding/json (`scanner.go`, `maxNestingDepth = 10000`, and its copy in sigs.k8s.io/json,
 *   which the API server decodes requests with): more than 10000 open arrays/objects is the
 *   error "exceeded max depth".
 * - k8s.io/apimachinery/pkg/util/json (`maxDepth = 10000`): "exceeded max depth of 10000".
 *
 * So the API server never sends a webhook anything deeper. V8's JSON.parse has no such limit
 * and builds millions of nested arrays from a 6 MiB body in seconds (the event loop blocked
 * meanwhile); this scan refuses them in one linear pass over the bytes.
 */
export const MAX_JSON_DEPTH = 10_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * The byte offset at which `bytes` (JSON text, UTF-8) opens its `max + 1`-th nested array or
 * object, or -1 when it never nests deeper than `max`. Strings are skipped (brackets inside
 * them do not count); the text is not otherwise validated (JSON.parse does that afterwards).
 */
export function jsonDepthExceeded(bytes: Uint8Array, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) {
      // Skip the string: to the next quote not escaped by a backslash.
      for (i++; i < n; i++) {
        const s = bytes[i] as number;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return i;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return -1;
}
