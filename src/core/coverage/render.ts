/**
 * The coverage report as text: a table (problems only unless `all`), JSON or YAML (every
 * finding, with counts). The JSON and YAML shapes are the documented output of
 * `sidecar-kit coverage -o json|yaml` (docs/coverage.md).
 */
import { stringify } from 'yaml';
import { isProblem, type CoverageReport, type Finding, type Repair } from './assess.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export function describeRepair(r: Repair): string {
  switch (r.kind) {
    case 'rolloutRestart':
      return `rollout restart ${r.owner.kind.toLowerCase()}/${r.owner.name}`;
    case 'deletePod':
      return `delete the pod (${r.owner.kind} ${r.owner.name} recreates it)`;
    case 'none':
      return `- (${r.why})`;
  }
}

function row(f: Finding): string[] {
  return [f.namespace, f.owner ? `${f.owner.kind}/${f.owner.name}` : '-', f.pod ?? '-', f.state, f.message, describeRepair(f.repair)];
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  // The last column is never padded (no trailing blanks).
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

/** A plain-data copy for JSON/YAML (stable key order). */
export function reportData(report: CoverageReport): object {
  return {
    counts: report.counts,
    problems: report.findings.filter(isProblem).length,
    findings: report.findings.map((f) => ({
      state: f.state,
      namespace: f.namespace,
      ...(f.pod !== undefined ? { pod: f.pod } : {}),
      ...(f.owner ? { owner: f.owner } : {}),
      ...(f.webhook !== undefined ? { webhook: f.webhook, configuration: f.configuration } : {}),
      message: f.message,
      ...(f.drift ? { drift: f.drift } : {}),
      repair: f.repair,
    })),
  };
}

export function renderReport(report: CoverageReport, format: OutputFormat, all = false): string {
  if (format === 'json') return `${JSON.stringify(reportData(report), null, 2)}\n`;
  if (format === 'yaml') return stringify(reportData(report));
  const shown = report.findings.filter((f) => all || isProblem(f));
  const summary = Object.entries(report.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  if (shown.length === 0) return `no pod outside the mesh (${summary || 'no pods'})\n`;
  return table([['NAMESPACE', 'WORKLOAD', 'POD', 'STATE', 'WHY', 'REPAIR'], ...shown.map(row)]) + `\n${summary}\n`;
}
