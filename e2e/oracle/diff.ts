/**
 * Differential fuzzing against Istio's own code (the oracle program in oracle/, running the
 * pinned istio.io/istio module): each domain draws an input with fast-check, computes our answer
 * in-process (the same functions the CLI and the webhook run) and Istio's answer through the
 * oracle, and compares them. `runDiff` runs every domain with one seed; a failure carries the
 * seed, fast-check's shrunk input and both answers. Used by `npm run oracle:diff` and by the
 * bounded CI sample in e2e/oracle/diff.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadSettingsFromFiles } from '../../src/config/load.js';
import type { InjectionSettings } from '../../src/config/settings.js';
import { compileCustomTemplates, createGoTemplateCompiler } from '../../src/core/inject/custom-templates.js';
import type { InjectionEnvironment } from '../../src/core/inject/environment.js';
import { injectManifest } from '../../src/kubeinject/manifest.js';
import { mergeConflist } from '../../src/core/cni/conflist.js';
import { goJsonIndent } from '../../src/core/format/go-json.js';
import { parsePodView } from '../../src/core/cni/pod-facts.js';
import { redirectFromPod } from '../../src/core/cni/redirect.js';
import { buildRules } from '../../src/core/capture/build.js';
import { renderIptables } from '../../src/core/capture/iptables.js';
import { captureConfigFromRedirect } from '../../src/core/cni/capture-settings.js';
import { run as runIstioIptables } from '../../src/init/command.js';
import { webhookAnswer } from '../../scripts/webhook-core.js';
import * as arb from './arbitraries.js';

export interface OracleClient {
  request(req: Record<string, unknown>): Promise<OracleAnswer>;
}
export interface OracleAnswer {
  ok: boolean;
  error?: string;
  output?: string;
  warnings?: string[];
  status?: number;
  body?: string;
  patched?: unknown;
  skipped?: boolean;
  values?: string;
  config?: string;
  mesh?: string;
}

export type Verdict = { same: true } | { same: false; why: string; ours: string; istio: string };

export interface Domain<T> {
  readonly name: string;
  /** What one run covers, for the summary ("pods", "flag sets", ...). */
  readonly unit: string;
  readonly arbitrary: fc.Arbitrary<T>;
  compare(input: T, ctx: DiffContext): Promise<Verdict>;
}

const same: Verdict = { same: true };
const differ = (why: string, ours: unknown, istio: unknown): Verdict => ({
  same: false, why, ours: typeof ours === 'string' ? ours : JSON.stringify(ours, null, 2), istio: typeof istio === 'string' ? istio : JSON.stringify(istio, null, 2),
});
const trim = (s: string): string => s.replace(/^\s+|\s+$/g, '');

// ---- settings: Istio's chart rendered by the oracle, written as the files our CLI reads ----

interface RenderedSettings {
  readonly values: string;
  readonly config: string;
  readonly mesh: string; // complete MeshConfig, protobuf JSON
  readonly files: { readonly values: string; readonly mesh: string; readonly config: string };
}

export class DiffContext {
  private readonly rendered = new Map<string, Promise<{ values: string; config: string; mesh: string }>>();
  private readonly settings = new Map<string, Promise<RenderedSettings>>();
  private readonly ours = new Map<string, Promise<InjectionSettings>>();
  readonly tmp = mkdtempSync(path.join(tmpdir(), 'sk-oracle-diff-'));

  constructor(readonly oracle: OracleClient) {}

  close(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Settings for --set flags and a mesh overlay (applied with Istio's ApplyMeshConfig). */
  settingsFor(set: readonly string[], meshOverlay: string): Promise<RenderedSettings> {
    const key = JSON.stringify([set, meshOverlay]);
    let p = this.settings.get(key);
    if (!p) {
      p = (async () => {
        const rkey = JSON.stringify(set);
        let r = this.rendered.get(rkey);
        if (!r) {
          r = this.oracle.request({ op: 'render', set }).then((a) => {
            if (!a.ok) throw new Error(`rendering Istio's chart with ${set.join(' ')}: ${a.error}`);
            return { values: a.values ?? '', config: a.config ?? '', mesh: a.mesh ?? '' };
          });
          this.rendered.set(rkey, r);
        }
        const base = await r;
        const m = await this.oracle.request({ op: 'mesh', mesh: base.mesh, overlay: meshOverlay });
        if (!m.ok) throw new Error(`mesh overlay: ${m.error}`);
        const dir = mkdtempSync(path.join(this.tmp, 'settings-'));
        const files = { values: path.join(dir, 'values.json'), mesh: path.join(dir, 'mesh.json'), config: path.join(dir, 'config.yaml') };
        writeFileSync(files.values, base.values);
        writeFileSync(files.mesh, m.mesh ?? '');
        writeFileSync(files.config, base.config);
        return { values: base.values, config: base.config, mesh: m.mesh ?? '', files };
      })();
      this.settings.set(key, p);
    }
    return p;
  }

  /** Our settings from those files, exactly as kube-inject loads them. */
  ourSettings(s: RenderedSettings, revision: string): Promise<InjectionSettings> {
    const key = `${s.files.values}\0${revision}`;
    let p = this.ours.get(key);
    if (!p) {
      p = loadSettingsFromFiles({ valuesFile: s.files.values, meshConfigFile: s.files.mesh, revision: revision || undefined });
      this.ours.set(key, p);
    }
    return p;
  }
}

// A bounded pool of --set combinations: each distinct one costs a chart rendering.
const settingsArb = fc.record({
  set: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 2, arbitrary: arb.setFlags }),
  mesh: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: arb.meshOverlay }),
});

const stripVersion = (t: string): string => t.replace(/("version":")[0-9a-f]+(")/g, '$1$2');

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- kube-inject ----

export interface KubeInjectInput {
  settings: { set: string[]; mesh: string };
  env: { native: string; compliance: string; revision: string };
  docs: unknown[];
}

export const kubeInjectDomain: Domain<KubeInjectInput> = {
  name: 'kube-inject',
  unit: 'manifests',
  arbitrary: fc.record({ settings: settingsArb, env: arb.istiodEnv, docs: arb.manifest }),
  async compare(input, ctx) {
    const s = await ctx.settingsFor(input.settings.set, input.settings.mesh);
    const text = input.docs.map((d) => stringify(d)).join('---\n');
    const istio = await ctx.oracle.request({
      op: 'kubeinject', values: s.values, config: s.config, mesh: s.mesh, meshExact: true,
      native: input.env.native, compliance: input.env.compliance, revision: input.env.revision, input: text,
    });
    let ours: { ok: true; output: string } | { ok: false; error: string };
    try {
      const settings = await ctx.ourSettings(s, input.env.revision);
      let env: InjectionEnvironment = { enableNativeSidecars: input.env.native, compliancePolicy: input.env.compliance, platform: '' };
      if (Object.keys(settings.injector.customTemplates).length) {
        const templateCompiler = createGoTemplateCompiler({ env: () => undefined });
        compileCustomTemplates(templateCompiler, settings.injector.customTemplates);
        env = { ...env, templateCompiler };
      }
      ours = { ok: true, output: injectManifest(text, { settings, env, facts: {} }).output };
    } catch (e) {
      ours = { ok: false, error: errorText(e) };
    }
    if (istio.ok !== ours.ok) {
      return differ(istio.ok ? 'we fail, Istio injects' : 'Istio fails, we inject', ours.ok ? ours.output : ours.error, istio.ok ? istio.output : istio.error);
    }
    if (!ours.ok || !istio.ok) return same; // both reject (messages differ in framing: ours names the document)
    if (stripVersion(ours.output) !== stripVersion(istio.output ?? '')) return differ('output differs', ours.output, istio.output);
    return same;
  },
};

// ---- webhook ----

export interface WebhookInput {
  settings: { set: string[]; mesh: string };
  env: { native: string; compliance: string; revision: string };
  platform: string;
  nodes: readonly { readonly name: string; readonly version: string }[];
  path: string;
  pod: Record<string, unknown>;
  requestNamespace: string;
}

const OPENSHIFT_NS = [{ name: 'test-ns', annotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' } }];

export const webhookDomain: Domain<WebhookInput> = {
  name: 'webhook',
  unit: 'pods',
  arbitrary: fc.record({
    settings: settingsArb,
    env: arb.istiodEnv,
    platform: fc.constantFrom('', '', '', 'openshift'),
    nodes: arb.nodes,
    path: arb.webhookPath,
    pod: arb.pod.chain((p) => fc.boolean().map((keepNs) => {
      if (keepNs) return p as Record<string, unknown>;
      const { namespace: _n, ...meta } = p.metadata as Record<string, unknown>;
      return { ...p, metadata: meta };
    })),
    requestNamespace: fc.constantFrom('default', 'test-ns', 'shop'),
  }),
  async compare(input, ctx) {
    const s = await ctx.settingsFor(input.settings.set, input.settings.mesh);
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
      request: {
        uid: randomUUID(), kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: input.requestNamespace, operation: 'CREATE', object: input.pod,
      },
    });
    const istio = await ctx.oracle.request({
      op: 'webhook', values: s.values, config: s.config, mesh: s.mesh, meshExact: true, revision: input.env.revision,
      native: input.env.native, compliance: input.env.compliance, platform: input.platform, nodes: input.nodes, namespaces: OPENSHIFT_NS,
      path: input.path, body,
    });
    const answer = webhookAnswer({
      texts: { values: s.values, mesh: s.mesh }, revision: input.env.revision,
      env: { ENABLE_NATIVE_SIDECARS: input.env.native, COMPLIANCE_POLICY: input.env.compliance, PLATFORM: input.platform },
      nodes: input.nodes, namespaces: OPENSHIFT_NS,
    })(body, input.path);
    if (answer.status !== istio.status) return differ(`HTTP status ${answer.status} vs Istio's ${istio.status}`, answer, istio.body);
    if (answer.status !== 200) return same;
    const ir = JSON.parse(istio.body ?? '{}') as { response?: { allowed?: boolean; status?: { message?: string } } };
    const iAllowed = ir.response?.allowed === true;
    const oAllowed = answer.review?.response.allowed === true;
    if (iAllowed !== oAllowed) return differ(oAllowed ? 'we allow, Istio denies' : 'we deny, Istio allows', answer.message ?? answer.patched, ir.response);
    if (!oAllowed) {
      const im = ir.response?.status?.message ?? '';
      return answer.message === im ? same : differ('denial message differs', answer.message, im);
    }
    const norm = async (pod: unknown): Promise<string> => {
      const r = await ctx.oracle.request({ op: 'pod-normalize', raw: true, pod });
      if (!r.ok) throw new Error(`normalising a pod: ${r.error}`);
      return r.output ?? '';
    };
    const mine = await norm(JSON.parse(answer.patched ?? 'null'));
    const theirs = await norm(istio.patched);
    return mine === theirs ? same : differ('patched pod differs', JSON.parse(mine), JSON.parse(theirs));
  },
};

// ---- istio-iptables / nft dry runs ----

let captureCounter = 0;
export const captureDomain: Domain<arb.CaptureInput> = {
  name: 'istio-iptables',
  unit: 'flag sets',
  arbitrary: arb.captureInput,
  async compare(input, ctx) {
    const istio = await ctx.oracle.request({ op: 'iptables', args: input.args, env: input.env, ipv6: input.ipv6, dnsServers: input.dnsServers });
    const file = path.join(ctx.tmp, `dry-run-${captureCounter++}.txt`);
    writeFileSync(file, '');
    const ours = await runOurIptables([...input.args, '--ipv6', String(input.ipv6), '--dns-servers', input.dnsServers.join(',')], { ...input.env, DRY_RUN_FILE_PATH: file }, file);
    if (istio.ok !== ours.ok) return differ(istio.ok ? 'we fail, Istio programs rules' : 'Istio fails, we program rules', ours.ok ? ours.output : ours.error, istio.ok ? istio.output : istio.error);
    if (!ours.ok) return same;
    return trim(ours.output) === trim(istio.output ?? '') ? same : differ('dry-run output differs', ours.output, istio.output);
  },
};

/** Every variable istio-iptables reads, so that a run sees only its own settings. */
const CAPTURE_ENV = [
  'INBOUND_CAPTURE_PORT', 'INBOUND_TUNNEL_PORT', 'PROXY_UID', 'PROXY_GID', 'ISTIO_INBOUND_INTERCEPTION_MODE', 'ISTIO_INBOUND_PORTS',
  'ISTIO_LOCAL_EXCLUDE_PORTS', 'ISTIO_EXCLUDE_INTERFACES', 'ISTIO_SERVICE_CIDR', 'ISTIO_SERVICE_EXCLUDE_CIDR', 'ISTIO_OUTBOUND_PORTS',
  'ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE', 'KUBE_VIRT_INTERFACES', 'ISTIO_INBOUND_TPROXY_MARK', 'ISTIO_INBOUND_TPROXY_ROUTE_TABLE',
  'DRY_RUN', 'REDIRECT_DNS', 'ISTIO_META_DNS_CAPTURE', 'DROP_INVALID', 'INVALID_DROP', 'DUAL_STACK', 'ISTIO_DUAL_STACK',
  'CAPTURE_ALL_DNS', 'NATIVE_NFTABLES', 'ISTIO_OUTBOUND_OWNER_GROUPS', 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE',
  'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR', 'IPTABLES_PROBE_PORT', 'PROBE_TIMEOUT', 'SKIP_RULE_APPLY', 'RUN_VALIDATION',
  'NETWORK_NAMESPACE', 'CNI_MODE', 'RECONCILE', 'CLEANUP_ONLY', 'FORCE_APPLY', 'FORCE_IPTABLES_BINARY', 'ENVOY_USER', 'DRY_RUN_FILE_PATH',
];

/** Our istio-iptables CLI in-process (its `run`), with its environment and output captured. */
async function runOurIptables(args: string[], env: Record<string, string>, file: string): Promise<{ ok: true; output: string } | { ok: false; error: string }> {
  const saved = new Map(CAPTURE_ENV.map((k) => [k, process.env[k]]));
  for (const k of CAPTURE_ENV) delete process.env[k];
  Object.assign(process.env, env);
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  let stderr = '';
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await runIstioIptables(args);
    if (code !== 0) return { ok: false, error: stderr || `exit ${code}` };
    const { readFileSync } = await import('node:fs');
    return { ok: true, output: readFileSync(file, 'utf8') };
  } finally {
    process.stdout.write = writes.out as typeof process.stdout.write;
    process.stderr.write = writes.err as typeof process.stderr.write;
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

// ---- CNI ----

function rulesByTable(text: string): Record<string, string> {
  const tables: Record<string, string> = {};
  for (const part of text.split('COMMIT')) {
    const lines = part.replace(/^\n+|\n+$/g, '').split('\n').filter((l) => l !== 'iptables-save' && l !== 'ip6tables-save');
    if (lines.length >= 1 && (lines[0] ?? '').startsWith('* ')) tables[(lines[0] ?? '').slice(2)] = [...lines, 'COMMIT'].join('\n');
  }
  return tables;
}
const canon = (o: Record<string, string>): string => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));

export const cniRulesDomain: Domain<Record<string, unknown>> = {
  name: 'cni-rules',
  unit: 'pods',
  arbitrary: arb.cniPod as fc.Arbitrary<Record<string, unknown>>,
  async compare(pod, ctx) {
    const istio = await ctx.oracle.request({ op: 'cni-rules', pod });
    let ours: { kind: 'skip' } | { kind: 'rules'; text: string } | { kind: 'error'; error: string };
    try {
      const decision = redirectFromPod(parsePodView(pod));
      ours = decision.kind === 'skip' ? { kind: 'skip' } : { kind: 'rules', text: renderIptables(buildRules(captureConfigFromRedirect(decision.redirect, { ipv6: false, nativeNftables: false })), 'v4') };
    } catch (e) {
      ours = { kind: 'error', error: errorText(e) };
    }
    const theirs = !istio.ok ? 'error' : istio.skipped ? 'skip' : 'rules';
    if (ours.kind !== theirs) return differ(`we ${ours.kind}, Istio ${theirs}`, ours, istio.ok ? istio.output : istio.error);
    if (ours.kind !== 'rules') return same;
    const a = rulesByTable(ours.text);
    const b = rulesByTable(istio.output ?? '');
    return canon(a) === canon(b) ? same : differ('rules differ', ours.text, istio.output);
  },
};

export const cniInsertDomain: Domain<{ existing: string; plugin: string }> = {
  name: 'cni-install',
  unit: 'conflists',
  arbitrary: fc.record({ existing: arb.cniExisting, plugin: arb.cniPluginConfig }),
  async compare(input, ctx) {
    const istio = await ctx.oracle.request({ op: 'cni-insert', existing: input.existing, plugin: input.plugin });
    let ours: { ok: true; output: string } | { ok: false; error: string };
    try {
      ours = { ok: true, output: `${goJsonIndent(mergeConflist(JSON.parse(input.existing), JSON.parse(input.plugin)))}\n` };
    } catch (e) {
      ours = { ok: false, error: errorText(e) };
    }
    if (ours.ok !== istio.ok) return differ(ours.ok ? 'we merge, Istio fails' : 'we fail, Istio merges', ours.ok ? ours.output : ours.error, istio.ok ? istio.output : istio.error);
    if (!ours.ok) return same;
    return trim(ours.output) === trim(istio.output ?? '') ? same : differ('merged config differs', ours.output, istio.output);
  },
};

export const DOMAINS: readonly Domain<never>[] = [kubeInjectDomain, webhookDomain, captureDomain, cniRulesDomain, cniInsertDomain] as unknown as Domain<never>[];

export interface DomainResult {
  readonly domain: string;
  readonly unit: string;
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  readonly report?: string;
}

/** Runs `runs` cases of each domain with `seed`; a failure is shrunk and reported with both answers. */
export async function runDiff(opts: { oracle: OracleClient; seed: number; runs: number; domains?: readonly string[]; log?: (line: string) => void }): Promise<DomainResult[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const ctx = new DiffContext(opts.oracle);
  const results: DomainResult[] = [];
  try {
    for (const d of DOMAINS) {
      if (opts.domains && !opts.domains.includes(d.name)) continue;
      let last: Verdict = same;
      const t0 = Date.now();
      const out = await fc.check(
        fc.asyncProperty(d.arbitrary, async (input) => {
          last = await d.compare(input, ctx);
          return last.same;
        }),
        { seed: opts.seed, numRuns: opts.runs, endOnFailure: false, verbose: 0 },
      );
      const ran = out.failed ? out.numRuns : opts.runs;
      const failed = out.failed ? 1 : 0;
      let report: string | undefined;
      if (out.failed) {
        // Re-run the shrunk counterexample to print both answers.
        const example = out.counterexample?.[0];
        const v = example === undefined ? last : await d.compare(example as never, ctx);
        report = [
          `FAIL ${d.name}: ${v.same ? (out.errorInstance ? errorText(out.errorInstance) : 'failed') : v.why}`,
          `  seed ${opts.seed}, path ${out.counterexamplePath ?? ''} (rerun: npm run oracle:diff -- --seed ${opts.seed} --runs ${opts.runs} --domains ${d.name})`,
          `  shrunk input:\n${indent(JSON.stringify(example, null, 2))}`,
          ...(v.same ? [] : [`  first difference (- Istio, + ours):\n${indent(firstDifference(v.istio, v.ours))}`, `  ours:\n${indent(clip(v.ours))}`, `  Istio:\n${indent(clip(v.istio))}`]),
        ].join('\n');
        log(report);
      }
      const r = { domain: d.name, unit: d.unit, runs: ran, passed: ran - failed, failed, report };
      results.push(r);
      log(`${d.name}: ${r.passed} ${d.unit} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    ctx.close();
  }
  return results;
}

const indent = (s: string): string => s.split('\n').map((l) => `    ${l}`).join('\n');

/** At most 60 lines (ORACLE_DIFF_FULL=1 prints everything). */
function clip(s: string): string {
  const lines = s.split('\n');
  return process.env.ORACLE_DIFF_FULL || lines.length <= 60 ? s : [...lines.slice(0, 60), `... (${lines.length - 60} more lines; ORACLE_DIFF_FULL=1 prints them)`].join('\n');
}

/** The first differing line with 3 lines of context before it, then up to 6 differing lines. */
export function firstDifference(want: string, got: string): string {
  const w = want.split('\n');
  const g = got.split('\n');
  let i = 0;
  while (i < w.length && i < g.length && w[i] === g[i]) i++;
  const out = [`@ line ${i + 1}`];
  for (let k = Math.max(0, i - 3); k < i; k++) out.push(`  ${w[k]}`);
  for (let k = i; k < Math.min(i + 6, Math.max(w.length, g.length)); k++) {
    if (w[k] === g[k]) out.push(`  ${w[k]}`);
    else {
      if (w[k] !== undefined) out.push(`- ${w[k]}`);
      if (g[k] !== undefined) out.push(`+ ${g[k]}`);
    }
  }
  return out.join('\n');
}
