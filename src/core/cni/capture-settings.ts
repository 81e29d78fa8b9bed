/**
 * From the plugin's redirect to the capture engine's settings: Istio's plugin starts from the
 * istio-iptables default config in CNI mode and overrides exactly these fields
 * (cni/pkg/plugin/iptables.go). The capture engine then validates them once more and builds
 * the same rule set the init container would, so both paths share one policy.
 */
import { parseCaptureSettings, type CaptureConfig, type CaptureSettingName, type CaptureSettings } from '../config/capture.js';
import type { CniRedirect } from './redirect.js';
import { CniError, CniErrorCode } from './spec.js';

export interface NetnsFacts {
  /** Whether IPv6 rules are programmed (Istio: the pod's first usable address is IPv6). */
  readonly ipv6: boolean;
  readonly nativeNftables: boolean;
}

export function captureSettingsFromRedirect(r: CniRedirect, facts: NetnsFacts): Partial<CaptureSettings> {
  return {
    cniMode: 'true',
    proxyPort: String(r.proxyPort),
    proxyUid: r.proxyUid,
    proxyGid: r.proxyGid,
    interceptionMode: r.mode,
    outboundIpRangesInclude: r.includeIpRanges,
    outboundIpRangesExclude: r.excludeIpRanges,
    inboundPorts: r.includeInboundPorts,
    inboundPortsExclude: r.excludeInboundPorts,
    outboundPortsInclude: r.includeOutboundPorts,
    outboundPortsExclude: r.excludeOutboundPorts,
    excludeInterfaces: r.excludeInterfaces,
    kubeVirtInterfaces: r.kubeVirtInterfaces,
    redirectDns: String(r.dnsRedirect),
    captureAllDns: String(r.dnsRedirect),
    dropInvalid: String(r.invalidDrop),
    dualStack: String(r.dualStack),
    ipv6: String(facts.ipv6),
    nativeNftables: String(facts.nativeNftables),
  };
}

/** Where each setting came from, so an engine-side rejection names what the user wrote. */
const SOURCE: Partial<Record<CaptureSettingName, string>> = {
  interceptionMode: 'annotation sidecar.istio.io/interceptionMode',
  outboundIpRangesInclude: 'annotation traffic.sidecar.istio.io/includeOutboundIPRanges',
  outboundIpRangesExclude: 'annotation traffic.sidecar.istio.io/excludeOutboundIPRanges',
  inboundPorts: 'annotation traffic.sidecar.istio.io/includeInboundPorts',
  inboundPortsExclude: 'annotation traffic.sidecar.istio.io/excludeInboundPorts',
  outboundPortsInclude: 'annotation traffic.sidecar.istio.io/includeOutboundPorts',
  outboundPortsExclude: 'annotation traffic.sidecar.istio.io/excludeOutboundPorts',
  excludeInterfaces: 'annotation traffic.sidecar.istio.io/excludeInterfaces',
  kubeVirtInterfaces: 'annotation istio.io/reroute-virtual-interfaces or traffic.sidecar.istio.io/kubevirtInterfaces',
  proxyUid: 'istio-proxy securityContext.runAsUser',
  proxyGid: 'istio-proxy securityContext.runAsGroup',
};

/** The capture config for a redirect; invalid values fail with the source they came from. */
export function captureConfigFromRedirect(r: CniRedirect, facts: NetnsFacts): CaptureConfig {
  const parsed = parseCaptureSettings(captureSettingsFromRedirect(r, facts));
  if (parsed.ok) return parsed.config;
  const msg = parsed.issues.map((i) => `invalid ${SOURCE[i.setting] ?? `setting ${i.setting}`}="${i.value}": ${i.message}`).join('; ');
  throw new CniError(CniErrorCode.invalidPodAnnotation, msg);
}
