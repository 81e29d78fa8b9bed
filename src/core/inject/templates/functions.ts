/**
 * Istio-specific template functions (pkg/kube/inject/template.go) used by the built-in
 * templates; a Go-template adapter exposes the same functions.
 */
import type { MeshConfig } from '../../../config/mesh.js';
import type { Container } from '../../k8s/pod.js';

/**
 * `excludeInboundPort(port, list)`: appends the status port to the comma list of excluded
 * inbound ports unless it is empty/"0" or already listed (exact match against untrimmed
 * entries); empty entries are dropped.
 */
export function excludeInboundPort(port: unknown, excluded: string): string {
  const portStr = String(port ?? '').trim();
  if (portStr === '' || portStr === '0') return excluded;
  const out: string[] = [];
  for (const entry of excluded.split(',')) {
    if (entry === portStr) return excluded;
    const t = entry.trim();
    if (t !== '') out.push(t);
  }
  out.push(portStr);
  return out.join(',');
}

/**
 * `appendMultusNetwork(existing, "ns/name")`: adds the Istio CNI network to a Multus networks
 * annotation, keeping its format (JSON list or comma list) and leaving it alone if present.
 */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const slash = network.indexOf('/');
  const ns = slash >= 0 ? network.slice(0, slash) : '';
  const name = slash >= 0 ? network.slice(slash + 1) : network;
  const close = existing.lastIndexOf(']');
  if (close !== -1) {
    let list: unknown;
    try {
      list = JSON.parse(existing);
    } catch {
      return existing;
    }
    if (!Array.isArray(list)) return existing;
    for (const n of list) {
      if (typeof n === 'object' && n !== null && (n as Record<string, unknown>).name === name) {
        const nns = (n as Record<string, unknown>).namespace;
        if (nns === undefined || nns === ns) return existing;
      }
    }
    const entry = ns ? `{"name": "${name}", "namespace": "${ns}"}` : `{"name": "${name}"}`;
    return `${existing.slice(0, close)}, ${entry}${existing.slice(close)}`;
  }
  for (const n of existing.split(',')) if (n.trim() === network) return existing;
  return `${existing}, ${network}`;
}

/**
 * `otelResourceAttributes`: OpenTelemetry service attributes for the proxy when an
 * OpenTelemetry extension provider asks for OTEL_SEMANTIC_CONVENTIONS enrichment. Each value
 * comes from the `resource.opentelemetry.io/<attr>` annotation, else from the workload
 * (namespace, `app.kubernetes.io/version` label, `<ns>.$(POD_NAME).<first container>`).
 */
export function otelResourceAttributes(
  mesh: MeshConfig,
  annotations: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
  namespace: string,
  containers: readonly Container[],
): string {
  const enabled = (mesh.extensionProviders ?? []).some((p) => {
    const otel = p.opentelemetry as Record<string, unknown> | undefined;
    return otel?.serviceAttributeEnrichment === 'OTEL_SEMANTIC_CONVENTIONS';
  });
  if (!enabled) return '';
  const attrs: string[] = [];
  const ns = annotations['resource.opentelemetry.io/service.namespace'] || namespace;
  if (ns) attrs.push(`service.namespace=${ns}`);
  const version = annotations['resource.opentelemetry.io/service.version'] || labels['app.kubernetes.io/version'] || '';
  if (version) attrs.push(`service.version=${version}`);
  const first = containers.find((c) => c.name !== 'istio-proxy')?.name ?? '';
  const instance =
    annotations['resource.opentelemetry.io/service.instance.id'] ||
    (first ? `${ns || '$(POD_NAMESPACE)'}.$(POD_NAME).${first}` : '');
  if (instance) attrs.push(`service.instance.id=${instance}`);
  return attrs.join(',');
}
