import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { crossing, folderOf, LAYERS, layersPlugin } from './eslint-layers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const linter = new Linter({ configType: 'flat', cwd: root });
const config = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' as const, ecmaVersion: 2022 as const },
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports': 'error' as const },
  },
];

/** The layer messages ESLint reports for `code` written in src/<file>. */
function lint(file: string, code: string): string[] {
  return linter.verify(code, config, path.join(root, 'src', file)).map((m) => m.message);
}

describe('the layers lint rule', () => {
  it.each([
    ['core imports an edge', 'core/inject/x.ts', "import { app } from '../../webhook/app.js';", /arrow up/],
    ['core imports the settings-file loader (an edge library)', 'core/config/x.ts', "import { load } from '../../config/load.js';", /arrow up/],
    ['core re-exports from an edge', 'core/capture/x.ts', "export { run } from '../../init/command.js';", /arrow up/],
    ['core loads an edge lazily', 'core/cni/x.ts', "const m = await import('../../cni/plugin.js');", /arrow up/],
    ['core reads files', 'core/capture/x.ts', "import { readFileSync } from 'node:fs';", /no Node I\/O/],
    ['core spawns processes', 'core/inject/x.ts', "import { spawnSync } from 'child_process';", /no Node I\/O/],
    ['an edge imports another edge', 'cni/x.ts', "import { FLAGS } from '../init/flags.js';", /share a layer/],
    ['an edge library imports an edge', 'capture-exec/x.ts', "import { run } from '../init/command.js';", /arrow up/],
    ['the generic template engine imports the injector', 'core/template/x.ts', "import { createIstioFuncs } from '../inject/go-template/istio-funcs.js';", /arrow up/],
    ['the generic template engine imports the config model', 'core/template/x.ts', "import type { Values } from '../config/values.js';", /arrow up/],
    ['the generic template engine imports Istio keys', 'core/template/x.ts', "import { STATUS_ANNOTATION } from '../istio-keys.js';", /arrow up/],
    ['a core layer imports a higher one', 'core/capture/x.ts', "import { redirectFromPod } from '../cni/redirect.js';", /arrow up/],
    ['a folder without a layer', 'newthing/x.ts', "import { parseCidr } from '../core/format/net.js';", /has no layer/],
  ])('fails when %s', (_name, file, code, message) => {
    const messages = lint(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it.each([
    ['an edge imports the core', 'kubeinject/x.ts', "import { injectPod } from '../core/inject/inject.js';"],
    ['an edge imports an edge library', 'cni/x.ts', "import { applyCapture } from '../capture-exec/apply.js';"],
    ['the composition root imports an edge', 'cli/x.ts', "import { run } from '../webhook/command.js';"],
    ['the injector imports the generic engine', 'core/inject/x.ts', "import { parseTemplate } from '../template/template.js';"],
    ['a core test reads its fixtures', 'core/inject/x.test.ts', "import { readFileSync } from 'node:fs';"],
    ['core hashes (not I/O)', 'core/template/x.ts', "import { createHash } from 'node:crypto';"],
    ['a file imports its own folder', 'core/k8s/x.ts', "import { PROXY_CONTAINER } from './pod.js';"],
  ])('passes when %s', (_name, file, code) => {
    expect(lint(file, code)).toEqual([]);
  });

  it('gives every folder under src/ a layer, and orders the layers strictly (so no cycle between folders)', () => {
    const folders = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) folders.add(folderOf(p) as string);
      }
    };
    walk(path.join(root, 'src'));
    const known = LAYERS.flatMap((l) => l.folders);
    expect([...folders].filter((f) => !known.includes(f))).toEqual([]);
    const ranks = LAYERS.map((l) => l.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(ranks.length);
    // An import is allowed only downwards: any two folders can't import each other.
    for (const a of known) for (const b of known) if (a !== b) expect(crossing(a, b) === undefined && crossing(b, a) === undefined).toBe(false);
  });
});
