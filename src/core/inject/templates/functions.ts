/**
 * Istio's template functions (pkg/kube/inject/template.go, spec §c.12) over plain JSON data: the
 * one implementation behind both the built-in typed templates and the Go-template FuncMap
 * (../go-template/istio-funcs.ts, whose adapters unwrap Go values and bring their own
 * `fmt.Sprint`).
 */

/** `isset(map, key)`: the key is present (even with an empty value). */
export function isset(map: Readonly<Record<string, unknown>> | null | undefined, key: string): boolean {
  return map !== null && map !== undefined && Object.hasOwn(map, key);
}

/**
 * `annotation(meta, name, default)`: the annotation's value when the key is present (even
 * empty), else `fmt.Sprint(default)` — `sprint` is the caller's Sprint for its value model.
 */
export function annotation(
  annotations: Readonly<Record<string, unknown>> | null | undefined,
  name: string,
  fallback: unknown,
  sprint: (v: unknown) => string,
): string {
  return isset(annotations, name) ? String(annotations?.[name]) : sprint(fallback);
}

/** `valueOrDefault(v, d)`: `d` when `v` is "" or nil, else `v`. */
export function valueOrDefault<T, D>(v: T | '' | null | undefined, d: D): T | D {
  return v === '' || v === null || v === undefined ? d : v;
}

/**
 * `excludeInboundPort(port, list)`: appends the status port to the comma list of excluded
 * inbound ports unless it is empty/"0" (after trimming) or already listed (exact match against
 * untrimmed entries); empty entries are dropped. `port` is the caller's `fmt.Sprint` of it.
 */
export function excludeInboundPort(port: string, excluded: string): string {
  const portStr = port.trim();
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `appendMultusNetwork(existing, "ns/name")`: adds the Istio CNI network to a Multus networks
 * annotation, keeping its format (JSON list or comma list) and leaving it alone if present. In
 * a JSON list an entry is the network when its name is the whole `ns/name` text, or the name
 * part with the same namespace (a missing namespace only matches an empty one, as Go compares
 * a JSON map's absent key).
 */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const close = existing.lastIndexOf(']');
  if (close !== -1) {
    let list: unknown;
    try {
      list = JSON.parse(existing);
    } catch {
      return existing;
    }
    if (!Array.isArray(list)) return existing;
    const slash = network.indexOf('/');
    const ns = slash >= 0 ? network.slice(0, slash) : '';
    const name = slash >= 0 ? network.slice(slash + 1) : network;
    for (const n of list) {
      if (isObject(n) && (n.name === network || (n.name === name && (n.namespace ?? '') === ns))) return existing;
    }
    const entry = ns === '' ? `{"name": "${name}"}` : `{"name": "${name}", "namespace": "${ns}"}`;
    return `${existing.slice(0, close)}, ${entry}${existing.slice(close)}`;
  }
  for (const n of existing.split(',')) if (n.trim() === network) return existing;
  return `${existing}, ${network}`;
}

/**
 * `otelResourceAttributes`: OpenTelemetry service attributes for the proxy when a mesh
 * OpenTelemetry extension provider asks for OTEL_SEMANTIC_CONVENTIONS enrichment, as Istio's
 * template function derives them:
 * - `service.namespace`: the `resource.opentelemetry.io/service.namespace` annotation, else the
 *   namespace (left out when both are empty);
 * - `service.version`: the annotation, else the `app.kubernetes.io/version` label, else the
 *   tag and/or digest of the image when the pod has exactly one container;
 * - `service.instance.id`: the annotation, else `<namespace>.$(POD_NAME).<first container>` —
 *   the namespace as the injection knows it (empty for a manifest without one, giving
 *   `.$(POD_NAME).app` as Istio does), never the namespace annotation.
 */
export function otelResourceAttributes(
  extensionProviders: readonly unknown[] | undefined,
  annotations: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
  namespace: string,
  containers: readonly { readonly name: string; readonly image?: string }[],
): string {
  const enabled = (extensionProviders ?? []).some(
    (p) => isObject(p) && isObject(p.opentelemetry) && p.opentelemetry.serviceAttributeEnrichment === 'OTEL_SEMANTIC_CONVENTIONS',
  );
  if (!enabled) return '';
  const attrs: string[] = [];
  const ns = annotations['resource.opentelemetry.io/service.namespace'] || namespace;
  if (ns) attrs.push(`service.namespace=${ns}`);
  let version = annotations['resource.opentelemetry.io/service.version'] || labels['app.kubernetes.io/version'] || '';
  if (!version && containers.length === 1) {
    const { tag, digest } = imageTagDigest(containers[0]?.image ?? '');
    version = tag && digest ? `${tag}@${digest}` : digest || tag;
  }
  if (version) attrs.push(`service.version=${version}`);
  const instance = annotations['resource.opentelemetry.io/service.instance.id'] || (containers.length ? `${namespace}.$(POD_NAME).${containers[0]?.name ?? ''}` : '');
  if (instance) attrs.push(`service.instance.id=${instance}`);
  return attrs.join(',');
}

/** `[registry[:port]/]name[:tag][@digest]` → tag (after the last `:` past the last `/`) and digest. */
export function imageTagDigest(image: string): { tag: string; digest: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : '';
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  return { tag: colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '', digest };
}
