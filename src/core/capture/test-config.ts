/** Test helper: a validated CaptureConfig from settings (uid 1337, IPv6 off unless given). */
import { parseCaptureSettings, type CaptureConfig, type CaptureSettings } from '../config/capture.js';

export function testConfig(settings: Partial<CaptureSettings> = {}): CaptureConfig {
  const r = parseCaptureSettings({ proxyUid: '1337', ...settings });
  if (!r.ok) throw new Error(`bad test config: ${JSON.stringify(r.issues)}`);
  return r.config;
}

/** The injector's default istio-init arguments as settings. */
export const SIDECAR_SETTINGS: Partial<CaptureSettings> = {
  interceptionMode: 'REDIRECT',
  outboundIpRangesInclude: '*',
  outboundIpRangesExclude: '',
  inboundPorts: '*',
  inboundPortsExclude: '15090,15021,15020',
};
