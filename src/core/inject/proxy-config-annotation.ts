/**
 * The `proxy.istio.io/config` pod annotation: a ProxyConfig in YAML or JSON that is merged over
 * the mesh `defaultConfig` for this pod.
 */
import { englishIssues } from '../config/errors.js';
import { proxyConfigSchemaOf, type ProxyConfig } from '../config/proxy-config.js';
import { parseYamlDocument } from '../yaml/parse.js';

/**
 * One admission reads the annotation twice (validation, then injection); inside
 * `withProxyConfigSession` the second read reuses the first's result (or error) instead of
 * decoding the YAML again — with aliases, that decoding can be most of the admission's cost. The
 * session ends with the admission, so nothing is shared between pods.
 */
let session: Map<string, ProxyConfig | Error> | undefined;

export function withProxyConfigSession<T>(f: () => T): T {
  const outer = session;
  session = new Map();
  try {
    return f();
  } finally {
    session = outer;
  }
}

/** Parses the annotation text; throws an Error whose message says what is wrong. */
export function parseProxyConfigText(text: string): ProxyConfig {
  const known = session?.get(text);
  if (known instanceof Error) throw known;
  if (known !== undefined) return known;
  try {
    const parsed = decodeProxyConfigText(text);
    session?.set(text, parsed);
    return parsed;
  } catch (err) {
    if (err instanceof Error) session?.set(text, err);
    throw err;
  }
}

function decodeProxyConfigText(text: string): ProxyConfig {
  const doc = parseYamlDocument(text);
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('expected a ProxyConfig object');
  // jsonpb skips a field whose value is null (the mesh default stays).
  const fields = Object.fromEntries(Object.entries(doc as Record<string, unknown>).filter(([, v]) => v !== null));
  const r = proxyConfigSchemaOf().safeParse(fields, { error: englishIssues() });
  if (!r.success) {
    const issue = r.error.issues[0];
    // Texts that are Istio's own (jsonpb's duration errors) carry no field path, as in Istio.
    if (issue?.code === 'custom' && (issue.params as { istioText?: boolean } | undefined)?.istioText) throw new Error(issue.message);
    throw new Error(`${issue?.path.join('.') ?? ''}: ${issue?.message.replace(/^Invalid input: /, '') ?? 'invalid'}`);
  }
  return r.data;
}
