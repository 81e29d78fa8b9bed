/**
 * The `proxy.istio.io/config` pod annotation: a ProxyConfig in YAML or JSON that is merged over
 * the mesh `defaultConfig` for this pod.
 */
import { englishIssues } from '../config/errors.js';
import { proxyConfigSchemaOf, type ProxyConfig } from '../config/proxy-config.js';
import { parseYamlDocument } from '../yaml/parse.js';

/** Parses the annotation text; throws an Error whose message says what is wrong. */
export function parseProxyConfigText(text: string): ProxyConfig {
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
