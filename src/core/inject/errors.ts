/**
 * Coded failures of the injection core. Each edge maps them once: the webhook rejects the pod
 * with `message`, kube-inject prints it and exits non-zero.
 */
export const InjectionErrorCode = {
  /** One or more annotations failed validation (§d.2); message is Istio's multierror text. */
  invalidAnnotations: 'INJECT_INVALID_ANNOTATIONS',
  /** `inject.istio.io/templates` names a template that does not exist. */
  templateNotFound: 'INJECT_TEMPLATE_NOT_FOUND',
  /** A custom (Go text/template) template or an unimplemented built-in was selected. */
  templateUnsupported: 'INJECT_TEMPLATE_UNSUPPORTED',
  /** A template failed while rendering (bad JSON in an annotation it reads, ...). */
  templateFailed: 'INJECT_TEMPLATE_FAILED',
  /** Merging the template output into the pod failed. */
  mergeFailed: 'INJECT_MERGE_FAILED',
  /** The `proxy.istio.io/config` annotation is not a valid ProxyConfig. */
  invalidProxyConfig: 'INJECT_INVALID_PROXY_CONFIG',
  /** `proxy.istio.io/overrides` is not valid JSON. */
  invalidOverrides: 'INJECT_INVALID_OVERRIDES',
  /** Prometheus scrape annotations name an invalid or reserved port. */
  invalidPrometheus: 'INJECT_INVALID_PROMETHEUS',
  /** The pod itself cannot be decoded as a Kubernetes Pod. */
  invalidPod: 'INJECT_INVALID_POD',
} as const;

export type InjectionErrorCode = (typeof InjectionErrorCode)[keyof typeof InjectionErrorCode];

export class InjectionError extends Error {
  constructor(
    readonly code: InjectionErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InjectionError';
  }
}
