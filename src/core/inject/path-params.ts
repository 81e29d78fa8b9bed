/**
 * Env overrides carried in the webhook URL path (Istio `parseInjectEnvs`, reference §b.5).
 *
 * `/inject/k1/v1/k2/v2` sets one proxy env var per pair: `cluster` → `ISTIO_META_CLUSTER_ID`,
 * `net` → `ISTIO_META_NETWORK`, any other key is upper-cased. `--slash--` in a value stands for
 * `/` (a MutatingWebhookConfiguration path cannot carry an escaped slash). A trailing `/` is
 * ignored and a final key without a value is dropped with a warning. The legacy form
 * `/inject/:ENV:cluster=c1:ENV:net=n1` is accepted too (there `--slash--` is not replaced,
 * as in Istio).
 */
import { setOwnKey } from '../format/own-keys.js';

export interface PathEnv {
  readonly env: Readonly<Record<string, string>>;
  readonly warnings: readonly string[];
}

const WELL_KNOWN: ReadonlyMap<string, string> = new Map([
  ['cluster', 'ISTIO_META_CLUSTER_ID'],
  ['net', 'ISTIO_META_NETWORK'],
]);

/** `path` is the decoded URL path without the query string, e.g. `/inject/cluster/c1`. */
export function parsePathEnv(path: string): PathEnv {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  // Same split as Go's strings.SplitN(path, "/", 3): ["", "inject", rest].
  const first = trimmed.indexOf('/', 1);
  if (!trimmed.startsWith('/') || first < 0) return { env: {}, warnings: [] };
  const rest = trimmed.slice(first + 1);
  const tokens = rest.startsWith(':ENV:') ? legacyTokens(rest) : slashTokens(rest);
  const env: Record<string, string> = {};
  const warnings: string[] = [];
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i] as string;
    const value = tokens[i + 1];
    if (value === undefined) {
      warnings.push(`odd number of inject env entries in the path, ignoring the last key "${key}"`);
      break;
    }
    setOwnKey(env, WELL_KNOWN.get(key) ?? key.toUpperCase(), value);
  }
  return { env, warnings };
}

function slashTokens(rest: string): string[] {
  return rest.split('/').map((t, i) => (i % 2 === 1 ? t.replaceAll('--slash--', '/') : t));
}

function legacyTokens(rest: string): string[] {
  const out: string[] = [];
  for (const pair of rest.split(':ENV:').slice(1)) {
    const eq = pair.indexOf('=');
    // "name=value" and "name=" count; "=value", "=" and "name" are ignored, as in Istio.
    if (eq > 0) out.push(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}
