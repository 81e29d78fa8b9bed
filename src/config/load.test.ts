import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettingsFromFiles, parseInjectConfigText } from './load.js';

describe('settings files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-load-'));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('tells an injector config from a bare template', () => {
    expect(parseInjectConfigText('policy: enabled\ntemplates:\n  x: "spec: {}"\n', 'f')).toEqual({ policy: 'enabled', templates: { x: 'spec: {}' } });
    const tmpl = 'spec:\n  containers:\n  {{ range .Spec.Containers }}- name: {{ .Name }}\n  {{ end }}\n';
    expect(parseInjectConfigText(tmpl, 'f')).toBe(tmpl);
  });

  it('names the file and line of a YAML syntax error', async () => {
    await expect(loadSettingsFromFiles({ meshConfigFile: file('mesh.yaml', 'a: [1,\n') })).rejects.toThrow(/meshConfigFile: .*mesh\.yaml: yaml: line/);
  });

  it('names a file that cannot be read', async () => {
    await expect(loadSettingsFromFiles({ valuesFile: join(dir, 'missing.yaml') })).rejects.toThrow(/^--valuesFile: .*missing\.yaml: no such file$/);
  });

  it('loads an inject config file with the values', async () => {
    const s = await loadSettingsFromFiles({
      injectConfigFile: file('config.yaml', 'defaultTemplates: [sidecar, extra]\naliases: {both: [sidecar, extra]}\ntemplates: {extra: "spec: {}"}\n'),
      valuesFile: file('values.yaml', 'global: {hub: h}\n'),
      revision: 'canary',
    });
    expect(s.injector).toMatchObject({ defaultTemplates: ['sidecar', 'extra'], aliases: { both: ['sidecar', 'extra'] }, customTemplates: { extra: 'spec: {}' } });
    expect(s.values.global.hub).toBe('h');
    expect(s.revision).toBe('canary');
  });
});
