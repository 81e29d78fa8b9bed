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
import jsonpatch from 'fast-json-patch';
import { parseAllDocuments, stringify } from 'yaml';
import { loadSettingsFromFiles } from '../../src/config/load.js';
import type { InjectionSettings } from '../../src/core/config/settings.js';
import { compileCustomTemplates, createGoTemplateCompiler } from '../../src/core/inject/custom-templates.js';
import type { InjectionEnvironment } from '../../src/core/inject/environment.js';
import { injectManifest } from '../../src/kubeinject/manifest.js';
import { UNIMPLEMENTED_BUILTINS } from '../../src/core/inject/templates/index.js';
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
  patchError?: string;
  skipped?: boolean;
  values?: string;
  config?: string;
  mesh?: string;
}

/** `deviation`: the answers differ in a documented, deliberate way (docs/oracle.md). */
export type Verdict = { same: true; deviation?: string } | { same: false; why: string; ours: string; istio: string };

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

/**
 * Istio collects annotation errors by ranging over a Go map, so with two or more their order
 * varies from run to run; ours are sorted by annotation (docs/oracle.md). Compared as sets.
 */
export function sameErrorText(ours: string, istio: string, ignore: readonly string[] = []): boolean {
  if (ours === istio) return true;
  // Errors raised while Istio executes its template text name the template's line:column or
  // the overlay merge; our typed templates reject the same inputs with their own words.
  if (/^failed to run injection template: (template: inject:|failed applying injection overlay)/.test(istio)) return ours.startsWith('failed to run injection template');
  // Istio lists the templates it has in Go map order (it varies between runs); ours are sorted.
  const missing = /^(.*requested template "[^"]*" not found; have )(.*)$/s;
  const mo = missing.exec(ours);
  const mi = missing.exec(istio);
  if (mo && mi) return mo[1] === mi[1] && sameSet(mo[2] ?? '', mi[2] ?? '', ', ', ignore);
  const items = (t: string): string[] => t.split('\n\t').map((l) => l.trim()).sort();
  return /errors occurred:/.test(istio) && JSON.stringify(items(ours)) === JSON.stringify(items(istio));
}

/** The same items in any order, after leaving `ignore` out of both. */
const sameSet = (a: string, b: string, sep: string, ignore: readonly string[] = []): boolean => {
  const items = (t: string): string => JSON.stringify(t.split(sep).filter((x) => !ignore.includes(x)).sort());
  return items(a) === items(b);
};

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
    if (stripVersion(ours.output) !== stripVersion(istio.output ?? '')) {
      // Deliberate (docs/oracle.md): Istio's document names a container twice (a user istio-proxy
      // left in containers beside its native sidecar; the API server refuses it) where ours
      // does not. Compared document by document: every other document must be the same.
      const duplicate = (doc: string): boolean => podSpecs(doc).some((p) => duplicateContainerName({ spec: p }) !== undefined);
      const mine = stripVersion(ours.output).split(/^---\n/m);
      const theirs = stripVersion(istio.output ?? '').split(/^---\n/m);
      if (mine.length === theirs.length && mine.every((d, k) => d === theirs[k] || (duplicate(theirs[k] ?? '') && !duplicate(d)))) {
        return { same: true, deviation: 'istio-pod-duplicate-container-name' };
      }
      return differ('output differs', ours.output, istio.output);
    }
    return same;
  },
};

// ---- webhook ----

export interface WebhookInput {
  settings: { set: string[]; mesh: string };
  env: { native: string; compliance: string; revision: string };
  /**
   * Whether our webhook also gets the injector `config` Istio's is given (every template text of
   * Istio's chart, run by our Go template engine) or only values + mesh (our built-in typed
   * templates, the chart's default).
   */
  withConfig: boolean;
  platform: string;
  /** istiod's CLUSTER_ID, the cluster the nodes and namespaces belong to ('' = Kubernetes). */
  localCluster: string;
  nodes: readonly { readonly name: string; readonly version: string }[];
  path: string;
  pod: Record<string, unknown>;
  requestNamespace: string;
}

const OVERRIDES_NAMED = 'invalid proxy.istio.io/overrides annotation:';
const OPENSHIFT_NS = [{ name: 'test-ns', annotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' } }];

export const webhookDomain: Domain<WebhookInput> = {
  name: 'webhook',
  unit: 'pods',
  arbitrary: fc.record({
    settings: settingsArb,
    env: arb.istiodEnv,
    withConfig: fc.boolean(),
    platform: fc.constantFrom('', '', '', 'openshift'),
    localCluster: fc.constantFrom('', '', 'c1', 'c2'),
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
    // The API server sends the pod as its Go structs serialise it (resources: {} and so on);
    // Istio's patch is computed against that form, so both get it.
    const typed = await ctx.oracle.request({ op: 'pod-normalize', raw: true, pod: input.pod });
    if (!typed.ok) return same; // not decodable as a Pod by Go: the API server would have refused it
    const object = JSON.parse(typed.output ?? 'null') as Record<string, unknown>;
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
      request: {
        uid: randomUUID(), kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' },
        namespace: input.requestNamespace, operation: 'CREATE', object,
      },
    });
    const askIstio = (mesh: string) => ctx.oracle.request({
      op: 'webhook', values: s.values, config: s.config, mesh, meshExact: true, revision: input.env.revision,
      native: input.env.native, compliance: input.env.compliance, platform: input.platform, nodes: input.nodes, namespaces: OPENSHIFT_NS,
      localCluster: input.localCluster, path: input.path, body,
    });
    const istio = await askIstio(s.mesh);
    const answer = webhookAnswer({
      texts: { values: s.values, mesh: s.mesh, ...(input.withConfig ? { config: s.config } : {}) }, revision: input.env.revision,
      env: {
        ENABLE_NATIVE_SIDECARS: input.env.native, COMPLIANCE_POLICY: input.env.compliance, PLATFORM: input.platform,
        ...(input.localCluster ? { CLUSTER_ID: input.localCluster } : {}),
      },
      nodes: input.nodes, namespaces: OPENSHIFT_NS,
    })(body, input.path);
    if (answer.status !== istio.status) return differ(`HTTP status ${answer.status} vs Istio's ${istio.status}`, answer, istio.body);
    if (answer.status !== 200) return same;
    const ir = JSON.parse(istio.body ?? '{}') as { response?: { allowed?: boolean; status?: { message?: string } } };
    const iAllowed = ir.response?.allowed === true;
    const oAllowed = answer.review?.response.allowed === true;
    const norm = async (pod: unknown): Promise<string> => {
      const r = await ctx.oracle.request({ op: 'pod-normalize', raw: true, pod });
      if (!r.ok) throw new Error(`normalising a pod: ${r.error}`);
      return r.output ?? '';
    };
    // Deliberate (docs/oracle.md): a pod's own proxy.istio.io/config statusPort. Ours uses the
    // pod's port wherever Istio's webhook post-processing uses the mesh's, so our answer is Istio's
    // own answer for a mesh whose status port is the pod's (its ports then agree): asked when
    // nothing narrower explains a difference — it decides, e.g., whether a Prometheus port equal to
    // one of the two is the agent's (kept) or a reserved port (refused).
    const ports = statusPorts(s.mesh, (object.metadata as { annotations?: Record<string, string> } | undefined)?.annotations);
    const istioWithPodPort = async (): Promise<boolean> => {
      if (!ports) return false;
      const mesh = JSON.parse(s.mesh || '{}') as { defaultConfig?: Record<string, unknown> };
      mesh.defaultConfig = { ...mesh.defaultConfig, statusPort: ports.pod };
      const alt = await askIstio(JSON.stringify(mesh));
      if (alt.status !== answer.status) return false;
      const ar = JSON.parse(alt.body ?? '{}') as { response?: { allowed?: boolean; status?: { message?: string } } };
      if ((ar.response?.allowed === true) !== oAllowed) return false;
      if (!oAllowed) return sameErrorText(answer.message ?? '', ar.response?.status?.message ?? '');
      if (answer.patched === undefined || alt.patched === undefined || alt.patched === null) return false;
      return (await norm(JSON.parse(answer.patched))) === (await norm(alt.patched));
    };
    const podPortDeviation = { same: true, deviation: 'webhook-status-port-from-pod-config' } as const;
    if (iAllowed !== oAllowed) {
      if (await istioWithPodPort()) return podPortDeviation;
      return differ(oAllowed ? 'we allow, Istio denies' : 'we deny, Istio allows', answer.message ?? answer.patched, ir.response);
    }
    if (!oAllowed) {
      const im = ir.response?.status?.message ?? '';
      if (sameErrorText(answer.message ?? '', im)) return same;
      // Deliberate (docs/oracle.md): without Istio's template texts, the "not found; have …" list
      // names only the templates we render, never one that would fail as unsupported.
      if (!input.withConfig && sameErrorText(answer.message ?? '', im, UNIMPLEMENTED_BUILTINS)) return { same: true, deviation: 'unsupported-templates-not-listed' };
      // Deliberate (docs/oracle.md): a bad proxy.istio.io/overrides JSON is named in our message.
      if ((answer.message ?? '').replace(`${OVERRIDES_NAMED} `, '') === im) return { same: true, deviation: 'overrides-error-names-annotation' };
      if (await istioWithPodPort()) return podPortDeviation;
      return differ('denial message differs', answer.message, im);
    }
    if (answer.patched === undefined || istio.patched === undefined || istio.patched === null) {
      return differ('an allowed answer without a patched pod', answer, istio);
    }
    const mine = await norm(JSON.parse(answer.patched));
    const theirs = await norm(istio.patched);
    // Deliberate (docs/oracle.md): Istio's pod names a container twice (a user `istio-proxy` left
    // in containers beside the native sidecar): the API server refuses it; ours is a valid pod.
    if (mine !== theirs && duplicateContainerName(JSON.parse(theirs)) !== undefined && duplicateContainerName(JSON.parse(mine)) === undefined) {
      return { same: true, deviation: 'istio-pod-duplicate-container-name' };
    }
    // Deliberate (docs/oracle.md): on OpenShift istiod drops a user istio-proxy's runAsUser/Group
    // that equal the app's before computing its patch, so its patch is relative to a pod the API
    // server does not have; applied to the real pod, the ids leak into whichever container takes
    // istio-proxy's place (an app gets runAsGroup 0). Ours patches the pod it was sent. The same
    // patch applied to the pod istiod patched against gives our pod: that is the pod Istio meant.
    const meant = mine !== theirs && input.platform === 'openshift' ? await norm(istioMeantPod(object, ir.response as { patch?: string })) : undefined;
    if (meant !== undefined && meant === mine) return { same: true, deviation: 'istio-openshift-patch-against-reset-pod' };
    // Deliberate (docs/oracle.md): a pod's own proxy.istio.io/config statusPort. Istio's webhook
    // points the merged Prometheus port and the rewritten app probes at the mesh's status port
    // while its template and the agent use the pod's; ours uses the pod's for all of them. The two
    // deviations are independent, so a pod may show both: then it is checked against the pod
    // Istio meant.
    if (mine !== theirs) {
      for (const [target, deviation] of [
        [theirs, 'webhook-status-port-from-pod-config'],
        ...(meant === undefined ? [] : [[meant, 'istio-openshift-patch-against-reset-pod+webhook-status-port-from-pod-config']]),
      ] as const) {
        if (ports && normalizeJson(withStatusPort(JSON.parse(mine), JSON.parse(target), ports.pod, ports.mesh)) === normalizeJson(JSON.parse(target))) {
          return { same: true, deviation };
        }
      }
      if (await istioWithPodPort()) return podPortDeviation;
    }
    if (mine !== theirs) return differ(`patched pod differs${istio.patchError ? ` (Istio's patch does not apply: ${istio.patchError}; its pod with missing parents added)` : ''}`, JSON.parse(mine), JSON.parse(theirs));
    // Istio's patch that the API server would reject; ours gives the pod Istio meant (docs/oracle.md).
    return istio.patchError ? { same: true, deviation: 'istio-patch-does-not-apply' } : same;
  },
};

/** The mesh's and the pod's (proxy.istio.io/config) status ports when they differ. */
function statusPorts(meshJson: string, annotations: Record<string, string> | undefined): { mesh: number; pod: number } | undefined {
  const text = annotations?.['proxy.istio.io/config'];
  if (text === undefined) return undefined;
  let pod: unknown;
  try {
    pod = (parseAllDocuments(text)[0]?.toJS() as { statusPort?: unknown } | null)?.statusPort;
  } catch {
    return undefined;
  }
  const mesh = (JSON.parse(meshJson || '{}') as { defaultConfig?: { statusPort?: number } }).defaultConfig?.statusPort ?? 15020;
  const n = typeof pod === 'string' ? Number(pod) : pod;
  return typeof n === 'number' && Number.isInteger(n) && n !== mesh ? { mesh, pod: n } : undefined;
}

/**
 * `pod` with the Prometheus port and the agent-rewritten app probes/hooks moved from port `from`
 * to `to`, and with the probers Istio hands the agent: for app probes on `from` (an app port to
 * Istio, whose status port is the mesh's) and none for app probes on `to` (already rewritten, to
 * Istio). `istio`'s ISTIO_KUBE_APP_PROBERS is taken when it differs from ours only so.
 */
function withStatusPort(pod: Record<string, unknown>, istio: Record<string, unknown>, from: number, to: number): Record<string, unknown> {
  type Get = { port?: unknown; path?: string };
  type Env = { name?: string; value?: string };
  type C = { name?: string; env?: Env[]; readinessProbe?: { httpGet?: Get }; livenessProbe?: { httpGet?: Get }; startupProbe?: { httpGet?: Get }; lifecycle?: { postStart?: { httpGet?: Get }; preStop?: { httpGet?: Get } } };
  type P = { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: C[]; initContainers?: C[] } };
  const p = structuredClone(pod) as P;
  const ann = p.metadata?.annotations;
  if (ann?.['prometheus.io/port'] === String(from)) ann['prometheus.io/port'] = String(to);
  for (const c of [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])]) {
    if (c.name === 'istio-proxy') continue;
    for (const g of [c.readinessProbe?.httpGet, c.livenessProbe?.httpGet, c.startupProbe?.httpGet, c.lifecycle?.postStart?.httpGet, c.lifecycle?.preStop?.httpGet]) {
      if (g && g.port === from && /^\/app-(health|lifecycle)\//.test(g.path ?? '')) g.port = to;
    }
  }
  const proxy = (q: P): C | undefined => [...(q.spec?.containers ?? []), ...(q.spec?.initContainers ?? [])].find((c) => c.name === 'istio-proxy');
  const probers = (c: C | undefined): { at: number; value: Record<string, { httpGet?: Get; tcpSocket?: Get }> } | undefined => {
    const at = c?.env?.findIndex((e) => e.name === 'ISTIO_KUBE_APP_PROBERS') ?? -1;
    if (at < 0) return undefined;
    try {
      return { at, value: JSON.parse(c?.env?.[at]?.value ?? '') as Record<string, { httpGet?: Get; tcpSocket?: Get }> };
    } catch {
      return undefined;
    }
  };
  const mineProxy = proxy(p);
  if (!mineProxy) return p;
  const theirs = probers(proxy(istio as P));
  const ours = probers(mineProxy);
  const t = theirs?.value ?? {};
  const o = ours?.value ?? {};
  const portOf = (v: { httpGet?: Get; tcpSocket?: Get } | undefined): unknown => (v?.httpGet ?? v?.tcpSocket)?.port;
  // Istio's probers are ours but for app probes on the pod's port (an app port to Istio) and
  // without ours on the mesh's port (already rewritten, to Istio).
  const consistent = Object.keys(o).every((k) => (Object.hasOwn(t, k) ? normalizeJson(o[k]) === normalizeJson(t[k]) : portOf(o[k]) === to))
    && Object.keys(t).every((k) => Object.hasOwn(o, k) || portOf(t[k]) === from);
  if (!consistent || normalizeJson(o) === normalizeJson(t)) return p;
  mineProxy.env ??= [];
  if (!theirs) mineProxy.env = mineProxy.env.filter((e) => e.name !== 'ISTIO_KUBE_APP_PROBERS');
  else {
    const env = { name: 'ISTIO_KUBE_APP_PROBERS', value: proxy(istio as P)?.env?.[theirs.at]?.value ?? '' };
    if (ours) mineProxy.env[ours.at] = env;
    else mineProxy.env.push(env);
  }
  return p;
}

const normalizeJson = (v: unknown): string => JSON.stringify(v);

/**
 * The pod istiod computed its patch against on OpenShift (webhook.go: a user istio-proxy whose
 * runAsUser equals an app container's loses its runAsUser and runAsGroup first) with Istio's
 * patch applied: the pod Istio meant. Missing parents are not added: this is only a comparison.
 */
function istioMeantPod(object: Record<string, unknown>, response: { patch?: string }): unknown {
  type C = { name?: string; securityContext?: { runAsUser?: number; runAsGroup?: number } };
  const pod = structuredClone(object) as { spec?: { containers?: C[]; initContainers?: C[] } };
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const proxy = all.find((c) => c.name === 'istio-proxy');
  let appUser = 0;
  for (const c of all) if (c.name !== 'istio-proxy' && c.name !== 'istio-init' && c.name !== 'istio-validation' && c.securityContext?.runAsUser !== undefined) appUser = c.securityContext.runAsUser;
  if (proxy?.securityContext && (proxy.securityContext.runAsUser ?? 0) === appUser) {
    delete proxy.securityContext.runAsUser;
    delete proxy.securityContext.runAsGroup;
  }
  if (!response.patch) return pod;
  const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as jsonpatch.Operation[];
  try {
    return jsonpatch.applyPatch(pod, ops, false, false).newDocument;
  } catch {
    return pod;
  }
}

/** Every pod spec (an object with a `containers` list) in a multi-document YAML text. */
function podSpecs(text: string): { containers?: { name?: string }[]; initContainers?: { name?: string }[] }[] {
  const out: { containers?: { name?: string }[] }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (Array.isArray((v as { containers?: unknown }).containers)) out.push(v as { containers?: { name?: string }[] });
      Object.values(v).forEach(walk);
    }
  };
  for (const doc of parseAllDocuments(text)) walk(doc.toJS());
  return out;
}

/** A name shared by two of the pod's containers and init containers (the API server's "Duplicate value"). */
function duplicateContainerName(pod: { spec?: { containers?: { name?: string }[]; initContainers?: { name?: string }[] } }): string | undefined {
  const seen = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    if (c.name === undefined) continue;
    if (seen.has(c.name)) return c.name;
    seen.add(c.name);
  }
  return undefined;
}

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
    if (!istio.ok && ours.ok && nftEmptyDnsChainDeviation(input, istio.error ?? '')) return { same: true, deviation: 'nft-empty-dns-chain' };
    if (istio.ok && !ours.ok && rejectedValueIstioWritesIntoRules(ours.error, istio.output ?? '')) return { same: true, deviation: 'invalid-value-rejected' };
    if (istio.ok !== ours.ok) return differ(istio.ok ? 'we fail, Istio programs rules' : 'Istio fails, we program rules', ours.ok ? ours.output : ours.error, istio.ok ? istio.output : istio.error);
    if (!ours.ok) return same;
    // Istio writes a port item with its blanks (`--dport  9090`); iptables-restore and nft tokenize it alike.
    return trim(ours.output) === trim((istio.output ?? '').replace(/ {2,}/g, ' ')) ? same : differ('dry-run output differs', ours.output, istio.output);
  },
};

/**
 * Deliberate deviation (docs/oracle.md, pinned by src/core/capture/nft-deviation.test.ts): with
 * native nftables, DNS capture and only DNS servers of a family that is off (an IPv6 resolver
 * on an IPv4-only pod), Istio jumps to DNS chains it never fills and its nft transaction fails
 * ("no such chain"), so the pod's init container crashes. We leave the jumps out.
 */
function nftEmptyDnsChainDeviation(input: arb.CaptureInput, istioError: string): boolean {
  if (!/no such chain "istio-(output-dns|inbound)"/.test(istioError)) return false;
  const flag = (name: string, env: string): boolean =>
    input.args.includes(name) || input.args.includes(`${name}=true`) || ['true', '1', 't', 'T', 'TRUE', 'True'].includes(input.env[env] ?? '');
  const nft = flag('--native-nftables', 'NATIVE_NFTABLES');
  const dns = flag('--redirect-dns', 'REDIRECT_DNS') || ['true', '1', 't', 'T', 'TRUE', 'True'].includes(input.env.ISTIO_META_DNS_CAPTURE ?? '');
  const all = flag('--capture-all-dns', 'CAPTURE_ALL_DNS');
  const v4 = input.dnsServers.some((d) => !d.includes(':'));
  const v6 = input.dnsServers.some((d) => d.includes(':'));
  return nft && dns && !all && !v4 && v6 && !input.ipv6;
}

/**
 * Deliberate deviation (docs/oracle.md): a port or address list holding an item that is neither
 * a port number nor a CIDR (`x`, `*` for a port list, `70000`, `1-2`, `bad`) is rejected up front
 * with an error naming the flag or variable, where Istio writes it into rules that fail at
 * iptables-restore/nft time (or ignores it when the list is unused).
 */
function rejectedValueIstioWritesIntoRules(ourError: string, _istioOutput: string): boolean {
  const m = /invalid value "([^"]*)" for (?:flag |variable |[A-Z][A-Z0-9_]* \(flag )/.exec(ourError);
  if (!m) return false;
  const isPort = (v: string): boolean => /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535;
  const isCidr = (v: string): boolean => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(v);
  return (m[1] ?? '').split(',').some((v) => v !== '' && !isPort(v) && !isCidr(v));
}

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
    // Istio writes a port item with its blanks (`--dport  9090`); iptables-restore tokenizes it alike.
    const a = rulesByTable(ours.text);
    const b = rulesByTable((istio.output ?? '').replace(/ {2,}/g, ' '));
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
  readonly deviations: Readonly<Record<string, number>>;
  readonly report?: string;
}

/** Runs `runs` cases of each domain with `seed`; a failure is shrunk and reported with both answers. */
export async function runDiff(opts: { oracle: OracleClient; seed: number; runs: number; domains?: readonly string[]; log?: (line: string) => void; progressEvery?: number }): Promise<DomainResult[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const ctx = new DiffContext(opts.oracle);
  const results: DomainResult[] = [];
  try {
    for (const d of DOMAINS) {
      if (opts.domains && !opts.domains.includes(d.name)) continue;
      let last: Verdict = same;
      const deviations: Record<string, number> = {};
      const t0 = Date.now();
      let calls = 0;
      let shrinking = false;
      const out = await fc.check(
        fc.asyncProperty(d.arbitrary, async (input) => {
          // Long runs report progress (shrinking after a failure counts its re-runs too).
          if (opts.progressEvery && ++calls % opts.progressEvery === 0) {
            log(`${d.name}: ${calls} runs (${Object.values(deviations).reduce((a, b) => a + b, 0)} deviations) after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
          }
          last = await d.compare(input, ctx);
          // After the first failure fast-check re-runs shrunk variants of it: not new cases.
          if (!last.same) shrinking = true;
          if (last.same && last.deviation && !shrinking) deviations[last.deviation] = (deviations[last.deviation] ?? 0) + 1;
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
      const r = { domain: d.name, unit: d.unit, runs: ran, passed: ran - failed, failed, deviations, report };
      results.push(r);
      const dev = Object.entries(deviations).map(([k, n]) => `${k} ${n}`).join(', ');
      log(`${d.name}: ${r.passed} ${d.unit} passed, ${failed} failed${dev ? ` (deliberate deviations among the passes: ${dev})` : ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
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
