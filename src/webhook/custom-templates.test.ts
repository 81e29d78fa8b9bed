/**
 * The webhook with custom Go templates: from the injector ConfigMap's `config` key (`--configDir`),
 * from values, or a bare template in `--injectConfigFile`. A render error rejects the pod
 * (allowed: false, Go's position, the template's name); a text that does not parse rejects the
 * configuration, so hot reload keeps the last good one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startReloadingInjector, type ConfigTexts } from './config-source.js';
import { coreInjectorBuilder, injectionEnvironment } from './core-injector.js';
import { createWebhookMetrics } from './metrics.js';
import { writeConfigMapDir } from './testing/configmap-dir.js';
import { buildTestApp, review, simplePod } from './testing/harness.js';
import type { JsonPatchOperation, PodInjector } from './types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'sk-wh-tpl-'));
  dirs.push(d);
  return d;
};

const ZONE = 'metadata:\n  labels:\n    zone: {{ env "SK_ZONE" "none" }}\n    owner: {{ .DeploymentMeta.Name }}\n';
const BAD = 'metadata:\n  labels:\n    x: {{ .ObjectMeta.Nope }}\n';
const config = (templates: Record<string, string>) => JSON.stringify({ policy: 'enabled', templates });
const build = (texts: ConfigTexts, env: NodeJS.ProcessEnv = {}) => coreInjectorBuilder('', injectionEnvironment(env))(texts);

async function admit(injector: PodInjector, templates: string) {
  const { app } = buildTestApp({ injector });
  const pod = simplePod({ metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'inject.istio.io/templates': templates } } });
  const res = await app.inject({ method: 'POST', url: '/inject', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(review(pod)) });
  await app.close();
  const response = res.json().response as { allowed: boolean; patch?: string; status?: { message: string } };
  const patch = response.patch ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as JsonPatchOperation[]) : [];
  return { ...response, patch };
}

const labelsAdded = (patch: readonly JsonPatchOperation[]) =>
  patch.filter((op) => op.path.startsWith('/metadata/labels')).map((op) => [op.path, op.value]);

describe('webhook with custom templates', () => {
  it.each([
    ['the ConfigMap config key', { config: config({ zone: ZONE }) }],
    ['values sidecarInjectorWebhook.templates', { values: JSON.stringify({ sidecarInjectorWebhook: { templates: { zone: ZONE } } }) }],
  ])('injects a template from %s, reading istiod\'s environment', async (_from, texts) => {
    const r = await admit(build(texts, { SK_ZONE: 'eu-1' }), 'zone');
    expect(r.allowed).toBe(true);
    expect(labelsAdded(r.patch)).toEqual(expect.arrayContaining([['/metadata/labels/zone', 'eu-1'], ['/metadata/labels/owner', 'web']]));
    expect(r.patch.some((op) => op.path.startsWith('/spec/containers/1'))).toBe(false); // no proxy: only "zone" was selected
  });

  it('a bare template text as config replaces the sidecar template', async () => {
    const r = await admit(build({ config: ZONE }), 'sidecar');
    expect(r.allowed).toBe(true);
    expect(labelsAdded(r.patch)).toEqual(expect.arrayContaining([['/metadata/labels/zone', 'none']]));
  });

  it.each([
    ['a render error', 'bad',
      'failed to run injection template: template: inject:3:21: executing "inject" at <.ObjectMeta.Nope>: can\'t evaluate field Nope in type v1.ObjectMeta (template "bad")'],
    ['an unknown template', 'zone,nope', 'failed to run injection template: requested template "nope" not found; have bad, gateway, grpc-agent, grpc-simple, sidecar, zone'],
  ])('%s rejects the pod (allowed: false) with the message', async (_n, templates, message) => {
    const r = await admit(build({ config: config({ zone: ZONE, bad: BAD }) }), templates);
    expect(r.allowed).toBe(false);
    expect(r.status?.message).toBe(message);
  });

  it('a template that does not parse rejects the configuration; hot reload keeps the last good one', () => {
    expect(() => build({ config: config({ zone: ZONE, broken: '{{ range .Spec.Containers }}' }) })).toThrowError(
      'custom template "broken": template: inject:1: unexpected EOF',
    );
    const d = tmp();
    writeConfigMapDir(d, { config: config({ zone: ZONE }) });
    const metrics = createWebhookMetrics();
    const src = startReloadingInjector({ paths: { configDir: d }, build: (t) => build(t), logger: pino({ level: 'silent' }), metrics, watch: false });
    try {
      const good = src.current();
      writeConfigMapDir(d, { config: config({ zone: '{{ if }}' }) });
      expect(src.reload()).toBe(false);
      expect(src.current()).toBe(good);
      writeConfigMapDir(d, { config: config({ zone: ZONE, other: 'metadata: {}' }) });
      expect(src.reload()).toBe(true);
      expect(src.current()).not.toBe(good);
    } finally {
      src.close();
    }
  });
});
