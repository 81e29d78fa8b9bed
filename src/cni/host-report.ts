/**
 * What the node agent reports about its host for `sidecar-kit preflight` (docs/preflight.md), as
 * the labels of its `sidecar_kit_cni_node_info` gauge: whether legacy x_tables hold tables in the
 * host's network namespace (iptables-legacy in use: the agent runs on the host network), whether
 * the kernel offers nf_tables and ip_tables (module loaded or built in; `unknown` when the host
 * gives no way to tell), whether IPv6 is disabled,
 * and whether the plugin programs native nftables. Read once at start from /proc and /sys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { LEGACY_TABLE_FILES } from '../capture-exec/backend.js';

export interface HostReport {
  readonly legacyTables: boolean;
  /** undefined: unknown (no /proc/modules to tell, and no /sys/module entry: a built-in without parameters). */
  readonly nfTables: boolean | undefined;
  readonly ipTables: boolean | undefined;
  readonly ipv6Disabled: boolean;
  readonly nativeNftables: boolean;
}

export interface HostFiles {
  readonly read: (path: string) => string | undefined;
  readonly exists: (path: string) => boolean;
}

export const systemHostFiles: HostFiles = {
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
};

export function readHostReport(files: HostFiles, nativeNftables: boolean): HostReport {
  const modules = files.read('/proc/modules');
  const kernelHas = (m: string, evidence = false): boolean | undefined => {
    if (evidence || files.exists(`/sys/module/${m}`) || (modules ?? '').split('\n').some((l) => l.startsWith(`${m} `))) return true;
    return modules === undefined ? undefined : false;
  };
  const disable = files.read('/proc/sys/net/ipv6/conf/all/disable_ipv6');
  return {
    legacyTables: Object.values(LEGACY_TABLE_FILES).some((f) => (files.read(f) ?? '').trim() !== ''),
    nfTables: kernelHas('nf_tables'),
    // The legacy table files exist only while ip_tables is loaded (or built in).
    ipTables: kernelHas('ip_tables', Object.values(LEGACY_TABLE_FILES).some((f) => files.exists(f))),
    // No such file: the kernel has no IPv6 at all.
    ipv6Disabled: disable === undefined || disable.trim() === '1',
    nativeNftables,
  };
}

const tri = (b: boolean | undefined) => (b === undefined ? 'unknown' : String(b));

/** The gauge's labels (`true`, `false`, `unknown`). */
export function hostReportLabels(r: HostReport): Record<string, string> {
  return { legacy_tables: String(r.legacyTables), nf_tables: tri(r.nfTables), ip_tables: tri(r.ipTables), ipv6_disabled: String(r.ipv6Disabled), native_nftables: String(r.nativeNftables) };
}
