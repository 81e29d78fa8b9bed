/**
 * Istio's pod label/annotation names that both the injector and the CNI plugin read, and the
 * one rule they share for the per-pod injection switch.
 */

export const INJECT_KEY = 'sidecar.istio.io/inject';
export const STATUS_ANNOTATION = 'sidecar.istio.io/status';
/** A ProxyConfig (YAML or JSON) merged over the mesh defaultConfig for this pod. */
export const PROXY_CONFIG_ANNOTATION = 'proxy.istio.io/config';

/**
 * The pod's `sidecar.istio.io/inject` switch: the label when the pod has it (even when it does
 * not parse), else the annotation. Each reader parses the text its own way, as Istio does: the
 * injector accepts exactly "true"/"false", the CNI plugin Go's strconv.ParseBool.
 */
export function injectSwitch(label: string | undefined, annotations: Readonly<Record<string, string>>): string | undefined {
  return label ?? annotations[INJECT_KEY];
}
