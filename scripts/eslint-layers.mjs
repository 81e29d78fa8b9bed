/**
 * The layers of src/ (ARCHITECTURE.md), as an ESLint rule: every relative import is resolved to
 * the folder it lands in and checked against the layer table below; core files may not import
 * Node's I/O modules. Written here rather than taken from a plugin: `no-restricted-imports`
 * matches the import text, which cannot tell `../cni/x.js` from src/core/inject (the core's
 * cni) from the same text in src/kubeinject (the CNI edge), and import-x's
 * `no-restricted-paths` needs a TypeScript resolver (our specifiers say `.js` for `.ts` files)
 * and cannot say "no edge imports another edge" without one zone per pair.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * Folders from the bottom up. A folder imports only folders of a lower rank (and itself), so
 * the import graph between folders has no arrow up and no cycle; folders that share a rank
 * (the edges; the edge libraries) may not import each other.
 */
export const LAYERS = [
  { rank: 0, folders: ['core/format'], what: 'Go-compatible formatting and parsing primitives' },
  { rank: 1, folders: ['core/yaml'], what: 'YAML with Go yaml semantics' },
  { rank: 2, folders: ['core/template'], what: 'the generic Go text/template + sprig engine (nothing Istio-specific)' },
  { rank: 3, folders: ['core'], what: 'Istio keys shared by the core (src/core/*.ts)' },
  { rank: 4, folders: ['core/config'], what: 'the one config model (zod schemas)' },
  { rank: 5, folders: ['core/k8s'], what: 'Kubernetes object model' },
  { rank: 6, folders: ['core/capture'], what: 'capture rule model and renderers' },
  { rank: 7, folders: ['core/cni'], what: 'CNI plugin and installer decisions' },
  { rank: 8, folders: ['core/inject'], what: 'the injector (with its Istio template functions and types)' },
  { rank: 9, folders: ['core/selection', 'core/events'], what: "webhook selection (which entry, which templates, or why not) and decision-event policy" },
  { rank: 10, folders: ['core/coverage'], what: 'the coverage report' },
  { rank: 11, folders: ['config', 'capture-exec', 'cli-kit', 'kube', 'cluster'], what: 'edge libraries (file loading, the capture executor, the CLI convention, Kubernetes API access)' },
  { rank: 12, folders: ['init', 'cni', 'kubeinject', 'webhook', 'checkinject', 'tag', 'coverage'], what: 'edges' },
  { rank: 13, folders: ['cli'], what: 'the sidecar-kit command (composition root)' },
];

const RANK = new Map(LAYERS.flatMap((l) => l.folders.map((f) => [f, l.rank])));

/** Node modules that reach outside the process (files, processes, network, host facts). */
export const NODE_IO = ['fs', 'fs/promises', 'child_process', 'net', 'dgram', 'dns', 'http', 'https', 'http2', 'tls', 'os', 'cluster', 'worker_threads', 'readline', 'process', 'inspector'];

/** The layer folder of a path under src/ (undefined outside src/). */
export function folderOf(file) {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const parts = rel.split(path.sep);
  if (parts.length === 1) return '.';
  if (parts[0] === 'core') return parts.length === 2 ? 'core' : `core/${parts[1]}`;
  return parts[0];
}

/** Why `from` may not import `to` (undefined when it may). */
export function crossing(from, to) {
  if (from === to || from === undefined || to === undefined) return undefined;
  const a = RANK.get(from);
  const b = RANK.get(to);
  if (a === undefined) return `src/${from} has no layer in scripts/eslint-layers.mjs (add it)`;
  if (b === undefined) return `src/${to} has no layer in scripts/eslint-layers.mjs (add it)`;
  if (a === b) return `src/${from} may not import src/${to}: they share a layer (${LAYERS.find((l) => l.rank === a).what})`;
  if (b > a) return `src/${from} may not import src/${to}: an arrow up the layers (ARCHITECTURE.md)`;
  return undefined;
}

const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layers of ARCHITECTURE.md' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = folderOf(file);
    if (from === undefined) return {};
    const isTest = /\.test\.ts$/.test(file) || file.includes(`${path.sep}testing${path.sep}`);
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
      if ((from === 'core' || from.startsWith('core/')) && !isTest && NODE_IO.includes(bare)) {
        context.report({ node, message: `src/${from} is pure: no Node I/O ('${spec}'); pass the effect in from an edge` });
        return;
      }
      if (!spec.startsWith('.')) return;
      const why = crossing(from, folderOf(path.resolve(path.dirname(file), spec)));
      if (why) context.report({ node, message: why });
    }
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
    };
  },
};

export const layersPlugin = { rules: { imports: layers } };
