/**
 * The preflight report as text: a table of every check, then the fix of each warning and
 * failure; or JSON / YAML (`{ok, counts, checks: [{check, subject, status, message, fix}]}`, the
 * documented output of `sidecar-kit preflight -o json|yaml`, docs/preflight.md).
 */
import { stringify } from 'yaml';
import type { PreflightReport } from './preflight.js';

export function preflightData(report: PreflightReport): object {
  return {
    ok: report.counts.fail === 0,
    counts: report.counts,
    checks: report.checks.map((c) => ({ check: c.check, subject: c.subject, status: c.status, message: c.message, ...(c.fix !== undefined ? { fix: c.fix } : {}) })),
  };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}

export function renderPreflight(report: PreflightReport, format: 'table' | 'json' | 'yaml'): string {
  if (format === 'json') return `${JSON.stringify(preflightData(report), null, 2)}\n`;
  if (format === 'yaml') return stringify(preflightData(report));
  const rows = [['CHECK', 'SUBJECT', 'STATUS', 'DETAIL'], ...report.checks.map((c) => [c.check, c.subject, c.status.toUpperCase(), c.message])];
  let out = table(rows);
  const toFix = report.checks.filter((c) => c.fix !== undefined && (c.status === 'fail' || c.status === 'warn'));
  for (const c of toFix) out += `\n${c.status === 'fail' ? 'to fix' : 'to look at'} ${c.check} ${c.subject}:\n${(c.fix ?? '').split('\n').map((l) => `  ${l}`).join('\n')}\n`;
  const { pass, warn, fail, skip } = report.counts;
  out += `\n${fail === 0 ? 'ready' : 'NOT ready'}: ${pass} passed, ${warn} warning(s), ${fail} failed, ${skip} skipped\n`;
  return out;
}
