/**
 * Which pods the plugin programs, and with which redirect (reference §g.2 steps 8-9 and §g.3,
 * Istio's `cni/pkg/plugin/sidecar_redirect.go`). Pure: facts in, a decision out.
 */
import {
  cidrListError,
  cidrListWithWildcardError,
  interceptionModeError,
  interfaceListError,
  parseGoBool,
  portListWithWildcardError,
  type InterceptionMode,
} from './annotation-values.js';
import { DEFAULT_PROXY_UID } from '../config/capture.js';
import { injectSwitch, STATUS_ANNOTATION } from '../istio-keys.js';
import { podFactsFromPod, type PodFacts, type PodLike } from './pod-facts.js';
import { CniError, CniErrorCode } from './spec.js';


/** The redirect parameters Istio's plugin hands to istio-iptables (its `Redirect` struct). */
export interface CniRedirect {
  readonly mode: InterceptionMode;
  readonly proxyPort: number;
  readonly includeIpRanges: string;
  readonly excludeIpRanges: string;
  readonly includeInboundPorts: string;
  readonly excludeInboundPorts: string;
  readonly includeOutboundPorts: string;
  readonly excludeOutboundPorts: string;
  readonly kubeVirtInterfaces: string;
  readonly excludeInterfaces: string;
  readonly proxyUid: string;
  readonly proxyGid: string;
  /** ISTIO_META_DNS_CAPTURE: DNS redirect, always capture-all in CNI mode. */
  readonly dnsRedirect: boolean;
  readonly dualStack: boolean;
  readonly invalidDrop: boolean;
}

/** Typed reasons for leaving a pod alone; they feed logs (and would feed metrics/events). */
export const SkipReason = {
  istioInit: 'istio-init-present',
  proxyDisabled: 'proxy-disabled',
  noProxy: 'no-proxy-container',
  notSidecar: 'not-sidecar-proxy',
  injectionDisabled: 'injection-disabled',
  notInjected: 'no-status-annotation',
} as const;
export type SkipReasonCode = (typeof SkipReason)[keyof typeof SkipReason];

export type RedirectDecision =
  | { readonly kind: 'skip'; readonly reason: SkipReasonCode }
  | { readonly kind: 'redirect'; readonly redirect: CniRedirect };

/** Istio's plugin defaults: port 15020 is excluded outbound too, unlike istio-init's. */
const DEFAULT_EXCLUDED_INBOUND = ['15020', '15021', '15090'];

interface AnnotationSpec {
  readonly key: string;
  readonly fallback: string;
  readonly check: (value: string) => string | undefined;
}

const ANNOTATIONS = {
  mode: { key: 'sidecar.istio.io/interceptionMode', fallback: 'REDIRECT', check: interceptionModeError },
  includeIpRanges: { key: 'traffic.sidecar.istio.io/includeOutboundIPRanges', fallback: '*', check: cidrListWithWildcardError },
  excludeIpRanges: { key: 'traffic.sidecar.istio.io/excludeOutboundIPRanges', fallback: '', check: cidrListError },
  includeInboundPorts: { key: 'traffic.sidecar.istio.io/includeInboundPorts', fallback: '*', check: portListWithWildcardError },
  excludeInboundPorts: { key: 'traffic.sidecar.istio.io/excludeInboundPorts', fallback: '15020', check: portListWithWildcardError },
  includeOutboundPorts: { key: 'traffic.sidecar.istio.io/includeOutboundPorts', fallback: '', check: portListWithWildcardError },
  excludeOutboundPorts: { key: 'traffic.sidecar.istio.io/excludeOutboundPorts', fallback: '15020', check: portListWithWildcardError },
  kubevirtInterfaces: { key: 'traffic.sidecar.istio.io/kubevirtInterfaces', fallback: '', check: interfaceListError },
  rerouteInterfaces: { key: 'istio.io/reroute-virtual-interfaces', fallback: '', check: interfaceListError },
  excludeInterfaces: { key: 'traffic.sidecar.istio.io/excludeInterfaces', fallback: '', check: interfaceListError },
} as const satisfies Record<string, AnnotationSpec>;

/** The annotation's value (validated) or the plugin default; invalid values fail the ADD. */
function annotationOr(annotations: Readonly<Record<string, string>>, spec: AnnotationSpec): string {
  const value = annotations[spec.key];
  if (value === undefined) return spec.fallback;
  const problem = spec.check(value);
  if (problem !== undefined) {
    throw new CniError(CniErrorCode.invalidPodAnnotation, `invalid annotation ${spec.key}="${value}": ${problem}`);
  }
  return value;
}

/** `list + ",15020,15021,15090"`, first occurrence kept (Istio's dedupPorts). */
function withDefaultInboundExclusions(list: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of [...list.split(','), ...DEFAULT_EXCLUDED_INBOUND]) {
    if (p === '' || seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  return out.join(',');
}

function ownerId(value: number | undefined): string {
  return value !== undefined && value !== 0 ? String(value) : DEFAULT_PROXY_UID;
}

/** Why the plugin leaves this pod alone, if it does (reference §g.2 step 8). */
export function skipReason(facts: PodFacts): SkipReasonCode | undefined {
  if (facts.hasIstioInit) return SkipReason.istioInit;
  if (!facts.proxy) return SkipReason.noProxy;
  if (parseGoBool(facts.proxy.env.DISABLE_ENVOY ?? '') === true) return SkipReason.proxyDisabled;
  if (facts.proxy.type !== undefined && facts.proxy.type !== '' && facts.proxy.type !== 'sidecar') return SkipReason.notSidecar;
  // The label wins over the annotation when present, even if it does not parse.
  const inject = injectSwitch(facts.injectLabel, facts.annotations);
  if (inject !== undefined && parseGoBool(inject) === false) return SkipReason.injectionDisabled;
  if (facts.annotations[STATUS_ANNOTATION] === undefined) return SkipReason.notInjected;
  return undefined;
}

/**
 * Decides on one pod: a typed skip, or the redirect Istio's plugin would program. An invalid
 * traffic annotation throws CniError(invalidPodAnnotation) naming the annotation: that fails
 * the sandbox rather than leaving a pod half-captured.
 */
export function redirectFromFacts(facts: PodFacts): RedirectDecision {
  const reason = skipReason(facts);
  if (reason !== undefined) return { kind: 'skip', reason };
  const a = facts.annotations;
  const proxy = facts.proxy ?? { env: {} };
  // Unparsable booleans read as false (Istio logs a warning and carries on).
  const envFlag = (k: string): boolean => parseGoBool(proxy.env[k] ?? '') === true;
  const reroute = a[ANNOTATIONS.rerouteInterfaces.key] !== undefined ? ANNOTATIONS.rerouteInterfaces : ANNOTATIONS.kubevirtInterfaces;
  return {
    kind: 'redirect',
    redirect: {
      mode: annotationOr(a, ANNOTATIONS.mode) as InterceptionMode,
      proxyPort: 15001,
      includeIpRanges: annotationOr(a, ANNOTATIONS.includeIpRanges),
      excludeIpRanges: annotationOr(a, ANNOTATIONS.excludeIpRanges),
      includeInboundPorts: annotationOr(a, ANNOTATIONS.includeInboundPorts),
      excludeInboundPorts: withDefaultInboundExclusions(annotationOr(a, ANNOTATIONS.excludeInboundPorts)),
      includeOutboundPorts: annotationOr(a, ANNOTATIONS.includeOutboundPorts),
      excludeOutboundPorts: annotationOr(a, ANNOTATIONS.excludeOutboundPorts),
      kubeVirtInterfaces: annotationOr(a, reroute),
      excludeInterfaces: annotationOr(a, ANNOTATIONS.excludeInterfaces),
      proxyUid: ownerId(proxy.uid),
      proxyGid: ownerId(proxy.gid),
      dnsRedirect: envFlag('ISTIO_META_DNS_CAPTURE'),
      dualStack: envFlag('ISTIO_DUAL_STACK'),
      invalidDrop: envFlag('INVALID_DROP'),
    },
  };
}

export function redirectFromPod(pod: PodLike): RedirectDecision {
  return redirectFromFacts(podFactsFromPod(pod));
}
