/**
 * What the webhook's coverage controller (src/webhook/coverage-controller.ts) makes of a coverage
 * report, pure: the findings that are this webhook's (its configurations' pods and refused
 * controllers), the gauge rows (`sidecar_kit_coverage_pods{namespace, state}`), and the
 * Kubernetes Event for a problem finding — on the pod (missingSidecar, captureFailed, stale,
 * injectionError) or on the refused controller — with reason `Coverage<State>`
 * (`CoverageMissingSidecar`), type Warning, the report's sentence and the repair.
 */
import type { MutatingWebhookConfiguration } from '../selection/webhooks.js';
import { isProblem, type CoverageReport, type Finding } from './assess.js';
import { describeRepair } from './render.js';

export const COVERAGE_COMPONENT = 'sidecar-kit-coverage';
const MAX_MESSAGE = 1024;

/** The findings of our configurations `names` (pods they select; controllers our entries refused). */
export function findingsOf(report: CoverageReport, configurations: readonly MutatingWebhookConfiguration[], names: readonly string[]): Finding[] {
  const entries = new Set(configurations.filter((c) => names.includes(c.metadata?.name ?? '')).flatMap((c) => (c.webhooks ?? []).map((w) => w.name)));
  return report.findings.filter((f) => (f.configuration !== undefined ? names.includes(f.configuration) : f.state === 'refused' && f.webhook !== undefined && entries.has(f.webhook)));
}

/** `namespace/state` → count, over every state (zero rows included for the states seen before). */
export function gaugeRows(findings: readonly Finding[]): { namespace: string; state: string; count: number }[] {
  const m = new Map<string, { namespace: string; state: string; count: number }>();
  for (const f of findings) {
    const k = `${f.namespace}/${f.state}`;
    const row = m.get(k) ?? { namespace: f.namespace, state: f.state, count: 0 };
    row.count++;
    m.set(k, row);
  }
  return [...m.values()];
}

/** The limiter key of a finding's Event: the same pod (or controller) and state is one Event per interval. */
export function findingKey(f: Finding): string {
  return `${f.namespace}/${f.pod ?? `${f.owner?.kind ?? ''}/${f.owner?.name ?? ''}`}/${f.state}`;
}

/** The Event for a problem finding; undefined for a non-problem or one with nothing to hang it on. */
export function findingEvent(f: Finding, now: Date, instance: string, podUid?: string): Record<string, unknown> | undefined {
  if (!isProblem(f)) return undefined;
  const involved = f.pod !== undefined ? { apiVersion: 'v1', kind: 'Pod', name: f.pod, ...(podUid ? { uid: podUid } : {}) } : f.owner ? { apiVersion: f.owner.kind === 'ReplicaSet' || f.owner.kind === 'Deployment' || f.owner.kind === 'StatefulSet' || f.owner.kind === 'DaemonSet' ? 'apps/v1' : 'batch/v1', kind: f.owner.kind, name: f.owner.name } : undefined;
  if (!involved) return undefined;
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const text = `${f.message} (repair: ${describeRepair(f.repair)})`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${involved.name}.`, namespace: f.namespace, labels: { 'app.kubernetes.io/managed-by': COVERAGE_COMPONENT } },
    involvedObject: { ...involved, namespace: f.namespace },
    reason: `Coverage${f.state.charAt(0).toUpperCase()}${f.state.slice(1)}`,
    message: text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text,
    type: 'Warning',
    source: { component: COVERAGE_COMPONENT, ...(instance ? { host: instance } : {}) },
    reportingComponent: COVERAGE_COMPONENT,
    reportingInstance: instance,
    action: 'Report',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}
