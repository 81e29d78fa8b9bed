import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfigFiles, startReloadingInjector, type ConfigTexts } from './config-source.js';
import { createWebhookMetrics } from './metrics.js';
import { writeConfigMapDir } from './testing/configmap-dir.js';
import { createStubInjector } from './testing/stub-injector.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'sk-cfg-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Test builder: `values` must be JSON with a string `tag`; the injector is tagged with it. */
function build(texts: ConfigTexts) {
  const v = JSON.parse(texts.values ?? '{}') as { tag?: unknown };
  if (typeof v.tag !== 'string') throw new Error('values.tag: expected string');
  return Object.assign(createStubInjector(v.tag), { texts });
}
const tagOf = (inj: unknown) => (JSON.parse((inj as { texts: ConfigTexts }).texts.values ?? '{}') as { tag: string }).tag;

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('resolveConfigFiles', () => {
  it('takes the ConfigMap keys present in --configDir, explicit files win', () => {
    const d = tmp();
    writeConfigMapDir(d, { config: 'policy: enabled', values: '{}' });
    expect(resolveConfigFiles({ configDir: d })).toEqual({ config: path.join(d, 'config'), values: path.join(d, 'values') });
    expect(resolveConfigFiles({ configDir: d, valuesFile: '/v.json', meshConfigFile: '/m.yaml' })).toEqual({
      config: path.join(d, 'config'),
      values: '/v.json',
      mesh: '/m.yaml',
    });
  });
});

describe('hot reload of the injector configuration', () => {
  it('follows ConfigMap updates, keeps the last good config on a bad one and says so in a metric', async () => {
    const d = tmp();
    writeConfigMapDir(d, { values: '{"tag":"one"}', config: 'policy: enabled' });
    const lines: { level: number; msg: string; err?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const metrics = createWebhookMetrics();
    const src = startReloadingInjector({ paths: { configDir: d }, build, logger, metrics, watch: { debounceMs: 20, pollMs: 100 } });
    try {
      expect(tagOf(src.current())).toBe('one');

      writeConfigMapDir(d, { values: '{"tag":"two"}', config: 'policy: enabled' });
      await until(() => tagOf(src.current()) === 'two');

      writeConfigMapDir(d, { values: '{"tag":', config: 'policy: enabled' });
      await until(() => lines.some((l) => l.level === 40));
      expect(tagOf(src.current())).toBe('two');
      expect(lines.find((l) => l.level === 40)).toMatchObject({ msg: 'invalid injector configuration, keeping the last good one' });
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/^sidecar_injection_config_reload_failures_total\{source="files"\} [1-9]/m);
      expect(text).toMatch(/^sidecar_injection_config_last_reload_successful\{source="files"\} 0$/m);

      writeConfigMapDir(d, { values: '{"tag":"three"}', config: 'policy: enabled' });
      await until(() => tagOf(src.current()) === 'three');
      expect(await metrics.registry.metrics()).toMatch(/^sidecar_injection_config_last_reload_successful\{source="files"\} 1$/m);
    } finally {
      src.close();
    }
  });

  it('notices a plain file rewritten in place (--valuesFile)', async () => {
    const d = tmp();
    const f = path.join(d, 'values.json');
    writeFileSync(f, '{"tag":"a"}');
    const src = startReloadingInjector({ paths: { valuesFile: f }, build, logger: pino({ level: 'silent' }), metrics: createWebhookMetrics(), watch: { debounceMs: 20, pollMs: 100 } });
    try {
      writeFileSync(f, '{"tag":"b"}');
      await until(() => tagOf(src.current()) === 'b');
    } finally {
      src.close();
    }
  });

  it('keeps the last good config when a source disappears (a key of the directory, the directory, a named file), warns and counts it', async () => {
    const d = tmp();
    writeConfigMapDir(d, { values: '{"tag":"one"}', config: 'policy: enabled' });
    const lines: { level: number; msg: string; err?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const metrics = createWebhookMetrics();
    const src = startReloadingInjector({ paths: { configDir: d }, build, logger, metrics, watch: { debounceMs: 20, pollMs: 100 } });
    const failures = async () => Number(/^sidecar_injection_config_reload_failures_total\{source="files"\} (\d+)/m.exec(await metrics.registry.metrics())?.[1] ?? 0);
    try {
      writeConfigMapDir(d, { config: 'policy: enabled' }); // the `values` key removed
      await until(() => lines.some((l) => l.level === 40));
      expect(lines.find((l) => l.level === 40)).toMatchObject({ msg: 'invalid injector configuration, keeping the last good one', err: `${path.join(d, 'values')} (key "values" of --configDir) disappeared` });
      expect(tagOf(src.current())).toBe('one'); // before: the built-in defaults at once
      expect(await failures()).toBeGreaterThan(0);
      writeConfigMapDir(d, { values: '{"tag":"two"}', config: 'policy: enabled' });
      await until(() => tagOf(src.current()) === 'two');

      lines.length = 0;
      rmSync(d, { recursive: true, force: true });
      expect(src.reload()).toBe(false);
      expect(lines.find((l) => l.level === 40)?.err).toMatch(/--configDir: .*: no such file/);
      expect(tagOf(src.current())).toBe('two');
    } finally {
      src.close();
    }
    const f = path.join(tmp(), 'values.json');
    writeFileSync(f, '{"tag":"a"}');
    const single = startReloadingInjector({ paths: { valuesFile: f }, build, logger: pino({ level: 'silent' }), metrics: createWebhookMetrics(), watch: false });
    rmSync(f);
    expect(single.reload()).toBe(false);
    expect(tagOf(single.current())).toBe('a');
  });

  it('refuses to start on a missing --configDir (or one that is a file)', () => {
    const start = (configDir: string) => () => startReloadingInjector({ paths: { configDir }, build, logger: pino({ level: 'silent' }), metrics: createWebhookMetrics(), watch: false });
    const d = tmp();
    expect(start(path.join(d, 'nope'))).toThrow(`--configDir: ${path.join(d, 'nope')}: no such file`);
    writeFileSync(path.join(d, 'file'), '');
    expect(start(path.join(d, 'file'))).toThrow(`--configDir: ${path.join(d, 'file')}: not a directory`);
  });

  it('refuses to start on an invalid first configuration, naming the file', () => {
    const d = tmp();
    expect(() => startReloadingInjector({ paths: { valuesFile: path.join(d, 'missing.json') }, build, logger: pino({ level: 'silent' }), metrics: createWebhookMetrics(), watch: false })).toThrow(
      /--valuesFile: .*missing\.json: no such file/,
    );
  });
});
