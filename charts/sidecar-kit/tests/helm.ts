/**
 * Renders the chart with a real `helm` (from $HELM, PATH, or the npm package the recipes name,
 * cached under node_modules/.cache) and parses the manifests. Without helm the chart tests skip
 * with the reason `findHelm` gives.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { findHelm } from '../../../scripts/k8s-tools.js';

export const CHART_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RELEASE = 'sk';
export const NAMESPACE = 'sidecar-kit';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: unknown;
}

/** The default values plus every ci/*-values.yaml (discovered, so a new variant is tested too). */
export const VARIANTS: readonly { readonly name: string; readonly file?: string }[] = [
  { name: 'default' },
  ...readdirSync(join(CHART_DIR, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/-values\.yaml$/, ''), file: join(CHART_DIR, 'ci', f) })),
];

const found = findHelm();
export const helmSkipReason: string | undefined = 'reason' in found ? found.reason : undefined;
const helmPath = 'path' in found ? found.path : 'helm';

export interface HelmRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function helm(args: readonly string[]): HelmRun {
  // No cluster: helm must not pick up a kubeconfig of the machine it runs on.
  const r = spawnSync(helmPath, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KUBECONFIG: '/dev/null' } });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

export function valuesArgs(variant: { readonly file?: string }, extra: readonly string[] = []): string[] {
  return [...(variant.file ? ['-f', variant.file] : []), ...extra];
}

const cache = new Map<string, K8sObject[]>();

/** `helm template` of the chart; throws with helm's message when rendering fails. */
export function render(args: readonly string[] = []): K8sObject[] {
  const key = JSON.stringify(args);
  const hit = cache.get(key);
  if (hit) return hit;
  const r = helm(['template', RELEASE, CHART_DIR, '--namespace', NAMESPACE, ...args]);
  if (r.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${r.stderr.trim()}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  cache.set(key, objects);
  return objects;
}

export function find(objects: readonly K8sObject[], kind: string, nameIncludes = ''): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name.includes(nameIncludes));
  if (!o) throw new Error(`no ${kind} ${nameIncludes} among ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}
