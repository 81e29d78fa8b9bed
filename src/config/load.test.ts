import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MESH_CONFIG } from '../core/config/mesh.js';
import { DEFAULT_VALUES } from '../core/config/values.js';
import { parseJsonSubset } from '../core/yaml/json-subset.js';
import { MAX_YAML_DEPTH, parseYamlDocument } from '../core/yaml/parse.js';
import { loadSettingsFromFiles, parseInjectConfigText, parseSettingsText } from './load.js';

describe('settings files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-load-'));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads JSON settings files (as Istio renders values and mesh config) on the fast path, with the YAML path\'s result', () => {
    for (const v of [DEFAULT_VALUES, DEFAULT_MESH_CONFIG]) {
      const text = JSON.stringify(v, null, 2);
      expect(parseJsonSubset(text, MAX_YAML_DEPTH / 2)).toBeDefined();
      const viaYaml = parseYamlDocument(text, { jsonFastPath: false });
      expect(parseSettingsText(text, 'f.json', 'valuesFile')).toEqual(viaYaml);
      expect(JSON.stringify(parseSettingsText(text, 'f.json', 'valuesFile'))).toBe(JSON.stringify(viaYaml));
    }
  });

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
