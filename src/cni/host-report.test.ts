import { describe, expect, it } from 'vitest';
import { createAgentMetrics } from './agent-metrics.js';
import { hostReportLabels, readHostReport, type HostFiles } from './host-report.js';
import { parseAgentMetrics } from '../core/coverage/preflight.js';

function files(map: Record<string, string>, dirs: string[] = []): HostFiles {
  return { read: (p) => map[p], exists: (p) => dirs.includes(p) || p in map };
}

describe('the node agent\'s host report', () => {
  it('legacy tables in use, nf_tables built in, ip_tables as a module, IPv6 enabled', () => {
    const r = readHostReport(files({ '/proc/net/ip_tables_names': 'nat\nfilter\n', '/proc/modules': 'ip_tables 32768 1 iptable_nat, Live 0x0\nx_tables 1 2\n', '/proc/sys/net/ipv6/conf/all/disable_ipv6': '0\n' }, ['/sys/module/nf_tables']), false);
    expect(r).toEqual({ legacyTables: true, nfTables: true, ipTables: true, ipv6Disabled: false, nativeNftables: false });
  });

  it('no legacy tables, neither module, IPv6 disabled or absent from the kernel', () => {
    expect(readHostReport(files({ '/proc/modules': 'x_tables 1 2\n', '/proc/sys/net/ipv6/conf/all/disable_ipv6': '1' }), true)).toEqual({ legacyTables: false, nfTables: false, ipTables: false, ipv6Disabled: true, nativeNftables: true });
    expect(readHostReport(files({}), false).ipv6Disabled).toBe(true);
    // No /proc/modules (some sandboxed kernels): unknown, unless the legacy table files exist (ip_tables is there).
    expect(readHostReport(files({ '/proc/net/ip_tables_names': '' }), false)).toMatchObject({ legacyTables: false, nfTables: undefined, ipTables: true });
    expect(readHostReport(files({}), false)).toMatchObject({ nfTables: undefined, ipTables: undefined });
    // v6 legacy tables alone count too; a module named like a prefix does not.
    const r = readHostReport(files({ '/proc/net/ip6_tables_names': 'filter\n', '/proc/modules': 'nf_tables_set 1 0\n', '/proc/sys/net/ipv6/conf/all/disable_ipv6': '0' }), false);
    expect(r).toMatchObject({ legacyTables: true, nfTables: false });
  });

  it('the gauge carries the report; preflight reads it back from the metrics text', async () => {
    const m = createAgentMetrics();
    const report = { legacyTables: true, nfTables: true, ipTables: false, ipv6Disabled: true, nativeNftables: false };
    m.nodeInfo.set(hostReportLabels(report), 1);
    m.installReady.set(1);
    const text = await m.registry.metrics();
    expect(parseAgentMetrics(text)).toEqual({ installReady: true, host: report });
    m.installReady.set(0);
    expect(parseAgentMetrics(await m.registry.metrics()).installReady).toBe(false);
    expect(parseAgentMetrics('# nothing\n')).toEqual({});
    const unknown = { ...report, nfTables: undefined };
    m.nodeInfo.reset();
    m.nodeInfo.set(hostReportLabels(unknown), 1);
    expect(parseAgentMetrics(await m.registry.metrics()).host).toEqual(unknown);
  });
});
