/**
 * Every pod of the conformance training cases through the Fastify route (`app.inject`) must give
 * the pod the kube-inject path gives for it (the CLI's own `injectManifest`, in process, with the
 * same settings). Inputs are read from ../shared/conformance at run time, never copied; pods are
 * built with the runner's own rules (its exported `objectToPod`), and both sides are compared
 * after the runner's `normalizePod`. Skips when the kit is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { injectManifest } from '../kubeinject/manifest.js';
import { buildWebhookApp } from './app.js';
import { createCoreInjector, injectionEnvironment, settingsFromTexts } from './core-injector.js';
import { createWebhookMetrics } from './metrics.js';
import { NO_CLUSTER } from './testing/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kit = path.resolve(root, '..', 'shared', 'conformance');
const runnerFile = path.join(kit, 'run-inject.mjs');
const present = existsSync(runnerFile);

interface Case {
  name: string; input: string; golden: string | null; values: object | null; mesh: object | null; iop: string | null;
  env: Record<string, string>; revision: string | null; cni: boolean; webhook: boolean;
}
type Runner = {
  objectToPod(doc: unknown): Record<string, unknown>;
  splitDocs(text: string): unknown[];
  normalizePod(pod: unknown): unknown;
  deepMerge(a: unknown, b: unknown): Record<string, unknown>;
  mergeMesh(a: unknown, b: unknown): Record<string, unknown>;
  canonicalJSON(v: unknown): string;
  applyJsonPatch(doc: unknown, ops: unknown): unknown;
};

const cases: Case[] = present ? (JSON.parse(readFileSync(path.join(kit, 'inject', 'cases.json'), 'utf8')) as Case[]).filter((c) => c.webhook !== false && c.golden) : [];
const data = (f: string) => readFileSync(path.join(kit, 'inject', 'data', f), 'utf8');
const jsonWithComments = (f: string) => JSON.parse(data(f).split('\n').filter((l) => !/^\s*#/.test(l)).join('\n'));

/** The case's settings, built as the runner's README describes (base files + overlays). */
function settingsTexts(r: Runner, c: Case) {
  let values = r.deepMerge(structuredClone(jsonWithComments('base-values.yaml')), c.values ?? {});
  ((values.pilot ??= {}) as Record<string, unknown>).cni = { ...(((values.pilot as Record<string, unknown>).cni as object) ?? {}), enabled: !!c.cni };
  let mesh = r.mergeMesh(structuredClone(jsonWithComments('base-mesh.yaml')), c.mesh ?? {});
  if (c.iop) {
    const spec = (parseYaml(data(c.iop), { version: '1.1' }) as { spec?: { values?: object; meshConfig?: object } }).spec ?? {};
    if (spec.values) values = r.deepMerge(values, spec.values);
    if (spec.meshConfig) mesh = r.mergeMesh(mesh, spec.meshConfig);
  }
  return { values: JSON.stringify(values), mesh: JSON.stringify(mesh) };
}

describe.skipIf(!present)('training pods: webhook route equals kube-inject', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = (await import(pathToFileURL(runnerFile).href)) as Runner;
    const texts = settingsTexts(r, c);
    const env = injectionEnvironment(c.env);
    const settings = settingsFromTexts(texts, c.revision ?? '');
    const input = data(c.input);

    let cliOutput: string | undefined;
    let cliError: string | undefined;
    try {
      cliOutput = injectManifest(input, { settings, env, facts: {} }).output;
    } catch (err) {
      cliError = (err as Error).message;
    }

    const injector = createCoreInjector(settings, env);
    const app = buildWebhookApp({
      injector: { current: () => injector }, cluster: { snapshot: () => NO_CLUSTER }, logger: pino({ level: 'silent' }),
      metrics: createWebhookMetrics(), clock: { now: () => 0 },
    });
    const inDocs = r.splitDocs(input) as { metadata?: { namespace?: string } }[];
    const cliDocs = cliOutput === undefined ? [] : r.splitDocs(cliOutput);
    for (const [i, doc] of inDocs.entries()) {
      const pod = r.objectToPod(doc);
      const review = {
        apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
        request: { uid: `u-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: doc.metadata?.namespace || 'default', operation: 'CREATE', object: pod },
      };
      const res = await app.inject({ method: 'POST', url: '/inject', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review) });
      expect(res.statusCode).toBe(200);
      const response = res.json().response;
      expect(response.uid).toBe(`u-${i}`);
      if (cliError !== undefined) {
        expect(response.allowed).toBe(false);
        expect(cliError).toContain(response.status.message);
        continue;
      }
      expect(response.allowed, response.status?.message).toBe(true);
      const patched = response.patch ? r.applyJsonPatch(pod, JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'))) : pod;
      expect(r.canonicalJSON(r.normalizePod(patched))).toBe(r.canonicalJSON(r.normalizePod(r.objectToPod(cliDocs[i]))));
    }
    await app.close();
  });
});
