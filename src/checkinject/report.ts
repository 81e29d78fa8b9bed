/**
 * check-inject's output from evaluations (pure): istioctl x check-inject's table (WEBHOOK,
 * REVISION, INJECTED, REASON) with the entry that matched and the templates between INJECTED
 * and REASON, its closing problem lines, and a plain object for `-o json|yaml`.
 */
import { EvaluationProblem, type InjectionEvaluation } from '../core/selection/index.js';
import { renderTable } from '../cli-kit/table.js';

export interface CheckSubject {
  /** `Pod shop/web-1`, `Deployment shop/web`, `labels app=web in namespace shop`. */
  readonly subject: string;
  readonly namespace: string;
  readonly evaluation: InjectionEvaluation;
  /** Facts about the subject itself (an existing pod already injected, a missing namespace). */
  readonly notes: readonly string[];
}

export interface TableStyle {
  /** ANSI colours for ✔ and ✘ (a terminal without NO_COLOR). */
  readonly color: boolean;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const RESET = '\u001b[0m';

const problemLine = (e: InjectionEvaluation): string =>
  e.problem === EvaluationProblem.noInjectorWebhooks
    ? 'ERROR: no Istio injection hooks present.\n'
    : e.problem === EvaluationProblem.multipleInjectors
      ? `ERROR: multiple webhooks will inject, which can lead to errors (${e.injectedBy.join(', ')})\n`
      : '';

/** One subject's table. */
export function formatEvaluation(s: CheckSubject, style: TableStyle): string {
  const e = s.evaluation;
  if (e.verdicts.length === 0) return problemLine(e);
  const rows: string[][] = [['WEBHOOK', 'REVISION', 'INJECTED', 'ENTRY', 'TEMPLATES', 'REASON']];
  for (const v of e.verdicts) {
    const mark = v.injected ? '✔' : '✘';
    const reason = v.outcome === 'injected' || v.outcome === 'notSelected' ? v.reason.message : `${v.reason.message} (${v.outcome}: ${v.reason.code})`;
    rows.push([v.webhook, v.tag ? `${v.revision} (tag ${v.tag})` : v.revision, mark, v.matches[0]?.entry ?? '-', v.templates?.join(',') || '-', reason]);
  }
  const colour = (r: number, c: number, t: string) => (style.color && r > 0 && c === 2 ? `${t === '✔' ? GREEN : RED}${t}${RESET}` : t);
  const notes = [...s.notes, ...e.verdicts.flatMap((v) => v.notes.map((n) => `${v.webhook}: ${n}`))];
  return renderTable(rows, colour) + problemLine(e) + notes.map((n) => `note: ${n}\n`).join('');
}

/** Every subject: a heading per subject when there are several. */
export function formatReport(subjects: readonly CheckSubject[], style: TableStyle): string {
  if (subjects.length === 1) return formatEvaluation(subjects[0] as CheckSubject, style);
  return subjects.map((s) => `${s.subject} (namespace ${s.namespace}):\n${formatEvaluation(s, style)}`).join('\n');
}

/** The machine-readable form (`-o json|yaml`): one object per subject. */
export function reportObject(subjects: readonly CheckSubject[]): unknown[] {
  return subjects.map((s) => ({
    subject: s.subject,
    namespace: s.namespace,
    injected: s.evaluation.injected,
    injectedBy: s.evaluation.injectedBy,
    rejectedBy: s.evaluation.rejectedBy,
    ...(s.evaluation.problem ? { problem: s.evaluation.problem } : {}),
    notes: s.notes,
    webhooks: s.evaluation.verdicts.map((v) => ({
      name: v.webhook,
      product: v.product,
      revision: v.revision,
      ...(v.tag ? { tag: v.tag } : {}),
      injected: v.injected,
      outcome: v.outcome,
      reason: { code: v.reason.code, message: v.reason.message },
      entries: v.matches,
      ...(v.templates ? { templates: v.templates } : {}),
      injectorConfigKnown: v.injectorConfigKnown,
      notes: v.notes,
    })),
  }));
}

export { renderTable };
