/**
 * The installer's pure decisions (reference §g.5): our conflist entry, which of the node's
 * configuration files to chain into, and what the written file is called.
 */
import { POD_ANNOTATIONS_CAPABILITY, type InstallConfig } from '../config/cni.js';
import { PLUGIN_TYPE } from './conflist.js';

/** Istio's entry version; removed again when the entry goes into an existing list. */
export const ENTRY_CNI_VERSION = '0.3.1';

/** Standalone (non-chained) file name when none is configured (Istio's). */
export const STANDALONE_CONF_NAME = 'YYY-istio-cni.conf';

/**
 * Our plugin entry: Istio's fields (§g.1) plus, beyond Istio, the capability that makes the
 * runtime pass pod annotations (so ADD usually needs no API call) and our `sidecar_kit`
 * settings when any are set.
 */
export function buildPluginEntry(cfg: InstallConfig): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    cniVersion: ENTRY_CNI_VERSION,
    name: PLUGIN_TYPE,
    type: PLUGIN_TYPE,
    ipam: {},
    dns: {},
    plugin_log_level: cfg.pluginLogLevel,
    cni_agent_run_dir: cfg.cniAgentRunDir,
    ambient_enabled: false,
    enablement_selectors: [],
    exclude_namespaces: cfg.excludeNamespaces.length > 0 ? [...cfg.excludeNamespaces] : null,
    pod_namespace: cfg.podNamespace,
    native_nftables: cfg.nativeNftables,
    enable_ambient_detection_retry: false,
  };
  if (cfg.podAnnotations) entry.capabilities = { [POD_ANNOTATIONS_CAPABILITY]: true };
  if (Object.keys(cfg.pluginExtensions).length > 0) entry.sidecar_kit = { ...cfg.pluginExtensions };
  return entry;
}

const CONF_EXTENSIONS = ['.conf', '.conflist'];

/** Configuration files in the order a runtime (and Istio) considers them: sorted by name. */
export function confFileCandidates(names: readonly string[]): string[] {
  return names.filter((n) => !n.startsWith('.') && CONF_EXTENSIONS.some((e) => n.endsWith(e))).sort();
}

/**
 * With a configured name: that file, or its `.conf`/`.conflist` sibling when only the sibling
 * exists (the file may have been renamed by an earlier run of ours). Undefined when neither.
 */
export function resolveConfiguredName(name: string, existing: ReadonlySet<string>): string | undefined {
  if (existing.has(name)) return name;
  if (name.endsWith('.conf') && existing.has(`${name}list`)) return `${name}list`;
  if (name.endsWith('.conflist') && existing.has(name.slice(0, -4))) return name.slice(0, -4);
  return undefined;
}

/** The merged list is always a `.conflist`: `10-bridge.conf` is written as `10-bridge.conflist`. */
export function mergedFileName(source: string): string {
  return source.endsWith('.conf') ? `${source}list` : source;
}
