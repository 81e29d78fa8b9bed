/**
 * Cross-check of the Go template engine against the built-in typed templates, through the real
 * built CLI: an injector config whose `templates` are Istio's own texts
 * (../shared/reference/istio-templates, read at run time and written into a temp file the way
 * the `config` key of Istio's istio-sidecar-injector ConfigMap holds them) handed over with
 * `kube-inject --injectConfigFile` must give, for every conformance training case at default
 * settings (no values/mesh/IstioOperator overrides), exactly what the built-in templates give:
 * same stdout, stderr and exit code. Skips with the reason when ../shared is absent.
 *
 * CLI: $SK_CLI, else a fresh build of this checkout into a temp dir (never a possibly stale dist/).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shared = path.resolve(root, '..', 'shared');
const kit = path.join(shared, 'conformance', 'inject');
const templatesDir = path.join(shared, 'reference', 'istio-templates');
/** Template name in the ConfigMap -> Istio's file. */
const ISTIO_TEMPLATES: Record<string, string> = {
  sidecar: 'injection-template.yaml',
  gateway: 'gateway-injection-template.yaml',
  'grpc-simple': 'grpc-simple.yaml',
  'grpc-agent': 'grpc-agent.yaml',
};

const missing = !existsSync(path.join(kit, 'cases.json'))
  ? `no conformance kit at ${kit}`
  : Object.values(ISTIO_TEMPLATES).find((f) => !existsSync(path.join(templatesDir, f)))
    ? `Istio's template texts are not all in ${templatesDir}`
    : undefined;

interface Case {
  name: string; input: string; values: object | null; mesh: object | null; iop: string | null;
  env: Record<string, string> | null; revision: string | null; cni: boolean; kubeInject: boolean;
}
const isEmpty = (o: object | null) => o === null || Object.keys(o).length === 0;
const cases: Case[] = missing
  ? []
  : (JSON.parse(readFileSync(path.join(kit, 'cases.json'), 'utf8')) as Case[]).filter(
      (c) => c.kubeInject !== false && isEmpty(c.values) && isEmpty(c.mesh) && !c.iop,
    );

/** A YAML block scalar holding `text` exactly, as a map value indented by `indent`. */
function blockScalar(text: string, indent: number): string {
  const chomp = text.endsWith('\n\n') ? '+' : text.endsWith('\n') ? '' : '-';
  const pad = ' '.repeat(indent);
  const body = text.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : pad + l)).join('\n');
  return `|${text.startsWith(' ') ? indent : ''}${chomp}\n${body}\n`;
}

/** The `config` key of Istio's istio-sidecar-injector ConfigMap, as the istiod chart renders it. */
function istioInjectorConfig(templates: Record<string, string>): string {
  return [
    'policy: enabled',
    'alwaysInjectSelector:\n  []',
    'neverInjectSelector:\n  []',
    'injectedAnnotations:',
    'template: "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}"',
    'defaultTemplates: [sidecar]',
    'templates:',
    ...Object.entries(templates).map(([name, text]) => `  ${name}: ${blockScalar(text, 4)}`),
  ].join('\n');
}

interface Run { code: number | null; stdout: string; stderr: string }

function runCli(cli: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env };
    for (const k of ['ENABLE_NATIVE_SIDECARS', 'COMPLIANCE_POLICY', 'PLATFORM']) delete base[k];
    const child = spawn(process.execPath, [cli, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Runs `jobs` with at most `limit` at a time, results in input order. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

describe("Istio's template texts through --injectConfigFile equal the built-in templates", () => {
  let dir = '';
  let cli = '';
  let configFile = '';
  const settingsFiles = new Map<boolean, { values: string; mesh: string }>();

  beforeAll(() => {
    if (missing) return;
    dir = mkdtempSync(path.join(tmpdir(), 'sk-istio-templates-'));
    cli = process.env.SK_CLI ?? '';
    if (!cli) {
      const out = path.join(dir, 'build');
      execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, env: { ...process.env, SK_OUTDIR: out }, stdio: 'inherit' });
      cli = path.join(out, 'sidecar-kit.js');
    }
    const texts = Object.fromEntries(Object.entries(ISTIO_TEMPLATES).map(([name, f]) => [name, readFileSync(path.join(templatesDir, f), 'utf8')]));
    const config = istioInjectorConfig(texts);
    // The file must hold the texts exactly.
    expect((parseYaml(config) as { templates: unknown }).templates).toEqual(texts);
    configFile = path.join(dir, 'istio-sidecar-injector-config.yaml');
    writeFileSync(configFile, config);
    // The runner's base settings (JSON after '#' comment lines); the case's cni flag goes into values.
    const jsonc = (f: string) => JSON.parse(readFileSync(path.join(kit, 'data', f), 'utf8').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n')) as Record<string, unknown>;
    for (const cni of [false, true]) {
      const values = jsonc('base-values.yaml');
      const pilot = (values.pilot ?? {}) as Record<string, unknown>;
      values.pilot = { ...pilot, cni: { ...(pilot.cni as object), enabled: cni } };
      const files = { values: path.join(dir, `values-cni-${cni}.json`), mesh: path.join(dir, 'mesh.json') };
      writeFileSync(files.values, JSON.stringify(values));
      writeFileSync(files.mesh, JSON.stringify(jsonc('base-mesh.yaml')));
      settingsFiles.set(cni, files);
    }
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const argsFor = (c: Case): string[] => {
    const files = settingsFiles.get(!!c.cni) as { values: string; mesh: string };
    return ['kube-inject', '-f', path.join(kit, 'data', c.input), '--valuesFile', files.values, '--meshConfigFile', files.mesh, ...(c.revision ? ['--revision', c.revision] : [])];
  };

  it.skipIf(missing !== undefined)(
    `every default-settings training case${missing ? ` (skipped: ${missing})` : ''}`,
    { timeout: 600_000 },
    async () => {
      expect(cases.length).toBeGreaterThan(40);
      const jobs = cases.flatMap((c) => [
        () => runCli(cli, argsFor(c), c.env ?? {}),
        () => runCli(cli, [...argsFor(c), '--injectConfigFile', configFile], c.env ?? {}),
      ]);
      const runs = await pool(jobs, 4);
      const differing: string[] = [];
      cases.forEach((c, i) => {
        const [builtin, go] = [runs[2 * i] as Run, runs[2 * i + 1] as Run];
        if (builtin.code !== go.code || builtin.stdout !== go.stdout || builtin.stderr !== go.stderr) {
          differing.push(`${c.name}: exit ${builtin.code} vs ${go.code}; ${go.stderr.split('\n')[0] ?? ''}`);
        }
      });
      expect(differing).toEqual([]);
      // Most cases inject (the rest expect Istio's annotation errors, identical on both sides).
      expect(runs.filter((r, i) => i % 2 === 1 && r.code === 0 && r.stdout.includes('name: istio-proxy')).length).toBeGreaterThan(40);
    },
  );

  it.skipIf(missing !== undefined)('the config file\'s templates are the ones used (not the built-ins)', { timeout: 60_000 }, async () => {
    const input = path.join(dir, 'pod.yaml');
    writeFileSync(input, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: app, image: app:1}]\n');
    const changed = path.join(dir, 'changed-config.yaml');
    writeFileSync(changed, istioInjectorConfig({ sidecar: 'metadata:\n  labels:\n    crosscheck: go-template\n' }));
    const r = await runCli(cli, ['kube-inject', '-f', input, '--injectConfigFile', changed], {});
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('crosscheck: go-template');
    expect(r.stdout).not.toContain('name: istio-proxy');
  });
});
