// Conformance with Istio's own golden outputs, read from the istio.io/istio module pinned in
// oracle/go.mod (the Go module cache: `go mod download`), so a clone alone runs every case.
// The case tables (oracle/cases/*.json) are Istio's test tables as data; Istio's own code (the
// oracle) renders each case's settings from the module's chart and must itself reproduce every
// golden, which proves the table right; then the built CLI (and the webhook core) must too.
//
//   node scripts/istio-conformance.mjs [suite...] [--filter RE] [--verbose] [--json FILE]
//
// Suites: inject (kube-inject, byte for byte), inject-templates (the same with Istio's template
// texts handed over as --injectConfigFile), webhook (AdmissionReviews through the webhook's
// request handler, pods compared as Istio's test compares them), iptables, nft, cni-rules,
// cni-install. Output: `PASS|FAIL|SKIP <suite>/<case>` lines, `<suite>: N passed, M failed, K
// skipped` per suite, and `conformance: N passed, M failed, K skipped` last. Exit 1 on a failure.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { istioModuleDir, startOracle } from './istio-oracle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CASES = path.join(root, 'oracle', 'cases');
export const SUITES = ['inject', 'inject-templates', 'webhook', 'iptables', 'nft', 'cni-rules', 'cni-install'];

/** Cases run this many at a time (CLI processes overlap with the oracle's answers). */
const JOBS = Math.max(1, Number(process.env.CONFORMANCE_JOBS ?? 3));

/** fn over items, at most `limit` at once. */
async function eachLimited(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));
const trim = (s) => s.replace(/^\s+|\s+$/g, '');

/** Runs the CLI; resolves { code, stdout, stderr }. */
function runCli(cli, args, { env = {}, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cli[0], [...cli.slice(1), ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

function firstDiff(want, got, lines = 6) {
  const w = want.split('\n');
  const g = got.split('\n');
  let i = 0;
  while (i < w.length && i < g.length && w[i] === g[i]) i++;
  const out = [`first difference at line ${i + 1}:`];
  for (let k = i; k < Math.min(i + lines, Math.max(w.length, g.length)); k++) {
    if (w[k] !== g[k]) {
      if (w[k] !== undefined) out.push(`- ${w[k]}`);
      if (g[k] !== undefined) out.push(`+ ${g[k]}`);
    }
  }
  return out.join('\n');
}

/** The capture cases' config (Istio's config.Config fields) as istio-iptables flags and variables. */
const STRING_FLAGS = {
  ProxyPort: '-p', InboundCapturePort: '-z', InboundTunnelPort: '-e', ProxyUID: '-u', ProxyGID: '-g',
  InboundTProxyMark: '-t', InboundTProxyRouteTable: '-r', InboundInterceptionMode: '-m', InboundPortsInclude: '-b',
  InboundPortsExclude: '-d', OutboundIPRangesInclude: '-i', OutboundIPRangesExclude: '-x', OutboundPortsInclude: '-q',
  OutboundPortsExclude: '-o', RerouteVirtualInterfaces: '-k', ExcludeInterfaces: '-c',
};
const BOOL_FLAGS = { RedirectDNS: '--redirect-dns', DropInvalid: '--drop-invalid', DualStack: '--dual-stack', CaptureAllDNS: '--capture-all-dns' };
const ENV_FIELDS = {
  OwnerGroupsInclude: 'ISTIO_OUTBOUND_OWNER_GROUPS', OwnerGroupsExclude: 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE',
  HostIPv4LoopbackCidr: 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR',
};
export function captureInvocation(config, nft) {
  const args = [];
  const env = {};
  for (const [k, v] of Object.entries(config)) {
    if (k in STRING_FLAGS) args.push(STRING_FLAGS[k], String(v));
    else if (k in BOOL_FLAGS) { if (v) args.push(BOOL_FLAGS[k]); }
    else if (k in ENV_FIELDS) env[ENV_FIELDS[k]] = String(v);
    else if (!['EnableIPv6', 'DNSServersV4', 'DNSServersV6'].includes(k)) throw new Error(`capture case field ${k} has no flag`);
  }
  if (nft) args.push('--native-nftables');
  const dnsServers = [...(config.DNSServersV4 ?? []), ...(config.DNSServersV6 ?? [])];
  return { args, env, ipv6: config.EnableIPv6 === true, dnsServers };
}

/** Istio's getRules: tables keyed by their "* <table>" line, iptables-save lines dropped. */
export function rulesByTable(text) {
  const tables = {};
  for (const part of text.split('COMMIT')) {
    const lines = part.replace(/^\n+|\n+$/g, '').split('\n').filter((l) => l !== 'iptables-save' && l !== 'ip6tables-save');
    if (lines.length >= 1 && lines[0].startsWith('* ')) tables[lines[0].slice(2)] = [...lines, 'COMMIT'].join('\n');
  }
  return tables;
}
const sortedJson = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/** Every case of the inject table, auto-discovered ones included, with Istio's stale-golden check. */
export function injectCases(dataDir) {
  const table = readJson(path.join(CASES, 'inject.json'));
  const files = readdirSync(dataDir);
  const out = [];
  const named = new Set();
  for (const suite of table.suites) {
    for (const c of suite.cases) named.add(c.want ?? `${c.in}.injected`);
  }
  for (const suite of table.suites) {
    const cases = [...suite.cases];
    if (suite.autoDiscover) {
      for (const f of files) {
        if (!f.endsWith('.yaml') || f.endsWith('.iop.yaml') || named.has(`${f}.injected`)) continue;
        cases.push({ in: f, want: `${f}.injected` });
      }
    }
    const seen = new Map();
    for (const c of cases) {
      let name = c.expectedError ? c.in : (c.want ?? `${c.in}.injected`).replace(/\.injected$/, '');
      if (suite.name !== 'TestInjection') name += `~${suite.name.replace(/^TestInjection/, '').toLowerCase() || 'x'}`;
      const n = seen.get(name) ?? 0;
      seen.set(name, n + 1);
      if (n > 0) name += `~${n + 1}`;
      out.push({ ...c, name, nodes: suite.nodes });
    }
  }
  const goldens = files.filter((f) => f.endsWith('.injected'));
  const stale = goldens.filter((g) => !out.some((c) => c.want === g));
  return { cases: out, stale };
}

/** Our env for a case: `auto` native sidecars decide on the cluster's nodes (all >= 1.33 = on). */
function nativeFor(c) {
  if (c.native) return c.native;
  const minor = (v) => Number(/^v?\d+\.(\d+)/.exec(v)?.[1] ?? 0);
  return c.nodes.every((v) => minor(v) >= 33) ? 'true' : 'false';
}

/**
 * Runs the suites; resolves with one { suite, name, status, reason } per case. `webhookServer`
 * ({ url, caFile }: a running webhook started with the default settings files of
 * defaultSettingsFiles() and ENABLE_NATIVE_SIDECARS=true) adds the suite `webhook-tls`: the
 * default-settings webhook cases POSTed to that server over HTTPS.
 */
export async function runConformance({ suites = SUITES, filter, verbose = false, cli, log = console.log, webhookServer } = {}) {
  const cliCmd = cli ?? [process.execPath, path.join(root, readJson(path.join(root, 'package.json')).bin['sidecar-kit'])];
  const istio = istioModuleDir();
  const oracle = startOracle();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sk-conformance-'));
  const results = [];
  const report = (suite, name, status, reason = '', detail = '') => {
    results.push({ suite, name, status, reason });
    log(`${status} ${suite}/${name}${reason ? `: ${reason}` : ''}`);
    if (detail && (verbose || status === 'FAIL')) log(detail.split('\n').map((l) => `    ${l}`).join('\n'));
  };
  const want = (name) => !filter || filter.test(name);
  try {
    for (const suite of suites) {
      const before = results.length;
      if (suite === 'inject' || suite === 'inject-templates' || suite === 'webhook' || suite === 'webhook-tls') await injectSuite(suite);
      else if (suite === 'iptables' || suite === 'nft') await captureSuite(suite);
      else if (suite === 'cni-rules') await cniRulesSuite();
      else if (suite === 'cni-install') await cniInstallSuite();
      else throw new Error(`unknown suite ${suite}`);
      const mine = results.slice(before);
      const count = (s) => mine.filter((r) => r.status === s).length;
      log(`${suite}: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
    }
  } finally {
    await oracle.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;

  // ---------------------------------------------------------------------------------------
  async function injectSuite(suite) {
    const data = path.join(istio, readJson(path.join(CASES, 'inject.json')).testdata);
    const { cases, stale } = injectCases(data);
    if (stale.length) report(suite, 'table', 'FAIL', `the module has goldens no case names (update oracle/cases/inject.json): ${stale.join(', ')}`);
    const settingsMemo = new Map();
    const settingsFor = async (c) => {
      const key = JSON.stringify([c.set ?? [], c.iop ?? null, c.mesh ?? '']);
      if (!settingsMemo.has(key)) {
        settingsMemo.set(key, (async () => {
          const r = await oracle.request({ op: 'render', set: c.set ?? [], iop: c.iop ? readFileSync(path.join(data, c.iop), 'utf8') : '' });
          if (!r.ok) throw new Error(`rendering the chart: ${r.error}`);
          const m = await oracle.request({ op: 'mesh', mesh: r.mesh, overlay: c.mesh ?? '' });
          if (!m.ok) throw new Error(`mesh: ${m.error}`);
          const dir = mkdtempSync(path.join(tmp, 'settings-'));
          const files = { values: path.join(dir, 'values.json'), mesh: path.join(dir, 'mesh.json'), config: path.join(dir, 'config.yaml') };
          writeFileSync(files.values, r.values);
          writeFileSync(files.mesh, m.mesh);
          writeFileSync(files.config, r.config);
          return { rendered: r, meshJson: m.mesh, files };
        })());
      }
      return settingsMemo.get(key);
    };
    await eachLimited(cases, JOBS, async (c) => {
      if (!want(c.name)) return;
      const webhookMode = suite === 'webhook' || suite === 'webhook-tls';
      if (webhookMode && (c.skipWebhook || c.expectedError)) return;
      if (!webhookMode && c.skipInjection) return;
      // The server runs with the default settings: only the cases that use them.
      if (suite === 'webhook-tls' && (!webhookServer || c.set?.length || c.iop || c.mesh || c.compliance || c.platform || c.native || nativeFor(c) !== 'true')) return;
      let s;
      try {
        s = await settingsFor(c);
      } catch (err) {
        report(suite, c.name, 'FAIL', err.message);
        return;
      }
      const input = readFileSync(path.join(data, c.in), 'utf8');
      const golden = c.want && existsSync(path.join(data, c.want)) ? readFileSync(path.join(data, c.want), 'utf8') : undefined;
      if (!c.expectedError && golden === undefined) {
        report(suite, c.name, 'FAIL', `golden ${c.want} missing from the module`);
        return;
      }
      const istioReq = {
        values: s.rendered.values, config: s.rendered.config, mesh: s.meshJson, meshExact: true,
        native: c.native ?? 'auto', nodes: c.nodes.map((v, i) => ({ name: `node-${i + 1}`, version: v })),
        compliance: c.compliance ?? '', platform: c.platform ?? '',
      };
      if (webhookMode) await webhookCase(suite, c, s, input, golden, istioReq);
      else await kubeInjectCase(suite, c, s, input, golden, istioReq);
    });
  }

  async function kubeInjectCase(suite, c, s, input, golden, istioReq) {
    // Istio's own answer first: it must reproduce the golden, or the table's settings are wrong.
    const ir = await oracle.request({ op: 'kubeinject', ...istioReq, input });
    const strip = (t) => t.replace(/sidecar\.istio\.io\/status: '\{"version":"[0-9a-f]+",/g, 'sidecar.istio.io/status: \'{"version":"",');
    if (c.expectedError) {
      if (ir.ok || !ir.error.toLowerCase().includes(c.expectedError)) {
        return report(suite, c.name, 'FAIL', `Istio's own code does not fail with "${c.expectedError}" (case table out of date?)`);
      }
    } else if (!ir.ok || trim(strip(ir.output)) !== trim(golden)) {
      return report(suite, c.name, 'FAIL', "Istio's own code does not reproduce the golden with the table's settings (case table out of date?)",
        ir.ok ? firstDiff(trim(golden), trim(strip(ir.output))) : ir.error);
    }
    const args = ['kube-inject', '-f', path.join(istio, readJson(path.join(CASES, 'inject.json')).testdata, c.in),
      '--valuesFile', s.files.values, '--meshConfigFile', s.files.mesh];
    if (suite === 'inject-templates') args.push('--injectConfigFile', s.files.config);
    const env = { ENABLE_NATIVE_SIDECARS: nativeFor(c), COMPLIANCE_POLICY: c.compliance ?? '', PLATFORM: c.platform ?? '' };
    const r = await runCli(cliCmd, args, { env });
    if (c.expectedError) {
      if (r.code === 0) return report(suite, c.name, 'FAIL', `expected an error containing "${c.expectedError}", exit 0`);
      if (!r.stderr.toLowerCase().includes(c.expectedError)) return report(suite, c.name, 'FAIL', `error lacks "${c.expectedError}"`, r.stderr);
      return report(suite, c.name, 'PASS');
    }
    if (r.code !== 0) return report(suite, c.name, 'FAIL', `exit ${r.code}`, r.stderr.slice(-2000));
    if (c.expectedLog && !r.stderr.includes(c.expectedLog)) return report(suite, c.name, 'FAIL', `stderr lacks "${c.expectedLog}"`, r.stderr);
    if (trim(strip(r.stdout)) !== trim(golden)) return report(suite, c.name, 'FAIL', 'output differs from the golden', firstDiff(trim(golden), trim(strip(r.stdout))));
    return report(suite, c.name, 'PASS');
  }

  async function webhookCase(suite, c, s, input, golden, istioReq) {
    const inPods = await oracle.request({ op: 'webhook-pods', input });
    const goldenPods = await oracle.request({ op: 'webhook-pods', input: golden });
    if (!inPods.ok || !goldenPods.ok) return report(suite, c.name, 'FAIL', `splitting the files: ${inPods.error ?? goldenPods.error}`);
    const ins = JSON.parse(inPods.output);
    const outs = JSON.parse(goldenPods.output);
    if (ins.length !== outs.length) return report(suite, c.name, 'FAIL', `${ins.length} input pods, ${outs.length} golden pods`);
    const { webhookAnswer } = await import('./webhook-core.ts');
    const handler = suite === 'webhook-tls' ? await tlsHandler(webhookServer) : webhookAnswer({ files: s.files, env: { ENABLE_NATIVE_SIDECARS: c.native ?? 'auto', COMPLIANCE_POLICY: c.compliance ?? '', PLATFORM: c.platform ?? '' }, nodes: istioReq.nodes, namespaces: [OPENSHIFT_TEST_NS] });
    for (let i = 0; i < ins.length; i++) {
      const review = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: randomUUID(), object: ins[i].pod, namespace: ins[i].namespace } });
      const norm = async (pod) => {
        const r = await oracle.request({ op: 'pod-normalize', pod: typeof pod === 'string' ? JSON.parse(pod) : pod });
        if (!r.ok) throw new Error(r.error);
        return r.output;
      };
      const wantPod = await norm(outs[i].pod);
      const ir = await oracle.request({ op: 'webhook', ...istioReq, namespaces: [OPENSHIFT_TEST_NS], body: review });
      if (!ir.ok || ir.status !== 200 || !ir.patched) return report(suite, c.name, 'FAIL', `Istio's webhook did not answer: ${ir.error ?? ir.body}`);
      if ((await norm(ir.patched)) !== wantPod) {
        return report(suite, c.name, 'FAIL', `pod ${i}: Istio's own webhook does not reproduce the golden with the table's settings`, firstDiff(prettyJson(wantPod), prettyJson(await norm(ir.patched))));
      }
      let mine;
      try {
        mine = await handler(review);
      } catch (err) {
        return report(suite, c.name, 'FAIL', `pod ${i}: ${err.message}`);
      }
      if (mine.status !== 200 || !mine.patched) return report(suite, c.name, 'FAIL', `pod ${i}: ${mine.status} ${mine.message ?? JSON.stringify(mine.review?.response?.status)}`);
      let got;
      try {
        got = await norm(mine.patched);
      } catch (err) {
        return report(suite, c.name, 'FAIL', `pod ${i}: ${err.message}`);
      }
      if (got !== wantPod) return report(suite, c.name, 'FAIL', `pod ${i} differs from the golden's`, firstDiff(prettyJson(wantPod), prettyJson(got)));
    }
    return report(suite, c.name, 'PASS');
  }

  async function captureSuite(suite) {
    const table = readJson(path.join(CASES, 'capture.json'));
    const data = path.join(istio, table.testdata[suite]);
    const cases = table.cases.filter((c) => c.suites.includes(suite));
    const stale = readdirSync(data).filter((f) => f.endsWith('.golden') && !cases.some((c) => `${c.name}.golden` === f));
    if (stale.length) report(suite, 'table', 'FAIL', `the module has goldens no case names (update oracle/cases/capture.json): ${stale.join(', ')}`);
    await eachLimited(cases, JOBS, async (c) => {
      if (!want(c.name)) return;
      const golden = readFileSync(path.join(data, `${c.name}.golden`), 'utf8');
      const inv = captureInvocation({ ...table.base, ...c.config }, suite === 'nft');
      const ir = await oracle.request({ op: 'iptables', args: inv.args, env: inv.env, ipv6: inv.ipv6, dnsServers: inv.dnsServers });
      if (!ir.ok || trim(ir.output) !== trim(golden)) {
        report(suite, c.name, 'FAIL', "Istio's own code does not reproduce the golden (case table out of date?)", ir.ok ? firstDiff(trim(golden), trim(ir.output)) : ir.error);
        return;
      }
      const file = path.join(tmp, `dry-run-${suite}-${c.name}.txt`);
      writeFileSync(file, '');
      const r = await runCli(cliCmd, ['istio-iptables', ...inv.args, '--dry-run', '--ipv6', String(inv.ipv6), '--dns-servers', inv.dnsServers.join(',')],
        { env: { ...CLEAN_CAPTURE_ENV, ...inv.env, DRY_RUN_FILE_PATH: file } });
      if (r.code !== 0) {
        report(suite, c.name, 'FAIL', `exit ${r.code}`, r.stderr.slice(-2000));
        return;
      }
      const got = readFileSync(file, 'utf8');
      if (trim(got) !== trim(golden)) report(suite, c.name, 'FAIL', 'dry-run record differs from the golden', firstDiff(trim(golden), trim(got)));
      else report(suite, c.name, 'PASS');
    });
  }

  async function cniRulesSuite() {
    const suite = 'cni-rules';
    const table = readJson(path.join(CASES, 'cni-rules.json'));
    const data = path.join(istio, table.testdata);
    const stale = readdirSync(data).filter((f) => f.endsWith('.golden') && !table.unused.includes(f) && !table.cases.some((c) => c.golden === f));
    if (stale.length) report(suite, 'table', 'FAIL', `the module has goldens no case names (update oracle/cases/cni-rules.json): ${stale.join(', ')}`);
    for (const c of table.cases) {
      if (!want(c.name)) continue;
      const golden = rulesByTable(readFileSync(path.join(data, c.golden), 'utf8'));
      const pod = dryRunPod(c);
      const ir = await oracle.request({ op: 'cni-rules', pod });
      if (!ir.ok || sortedJson(rulesByTable(ir.output)) !== sortedJson(golden)) {
        report(suite, c.name, 'FAIL', "Istio's own plugin does not reproduce the golden (case table out of date?)", ir.ok ? ir.output : ir.error);
        continue;
      }
      const file = path.join(tmp, `pod-${c.name}.json`);
      writeFileSync(file, JSON.stringify(pod));
      const r = await runCli(cliCmd, ['cni-rules', '--pod', file], { env: CLEAN_CAPTURE_ENV });
      if (r.code !== 0) report(suite, c.name, 'FAIL', `exit ${r.code}`, r.stderr);
      else if (sortedJson(rulesByTable(r.stdout)) !== sortedJson(golden)) report(suite, c.name, 'FAIL', 'rules differ from the golden', r.stdout);
      else report(suite, c.name, 'PASS');
    }
  }

  async function cniInstallSuite() {
    const suite = 'cni-install';
    const table = readJson(path.join(CASES, 'cni-install.json'));
    const data = path.join(istio, table.testdata);
    for (const c of table.cases) {
      if (!want(c.name)) continue;
      const name = c.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '');
      const existing = readFileSync(path.join(data, c.existing), 'utf8');
      const plugin = readFileSync(path.join(data, c.plugin), 'utf8');
      const golden = c.golden ? readFileSync(path.join(data, c.golden), 'utf8') : undefined;
      const ir = await oracle.request({ op: 'cni-insert', existing, plugin });
      if (c.expectError ? ir.ok : !ir.ok || trim(ir.output) !== trim(golden)) {
        report(suite, name, 'FAIL', "Istio's own install-cni does not give the table's result (case table out of date?)", ir.output ?? ir.error);
        continue;
      }
      const r = await runCli(cliCmd, ['cni-install', 'merge-conflist', '--existing', path.join(data, c.existing), '--plugin-config', path.join(data, c.plugin)]);
      if (c.expectError) report(suite, name, r.code !== 0 ? 'PASS' : 'FAIL', r.code !== 0 ? '' : 'expected a failure, exit 0');
      else if (r.code !== 0) report(suite, name, 'FAIL', `exit ${r.code}`, r.stderr);
      else if (trim(r.stdout) !== trim(golden)) report(suite, name, 'FAIL', 'output differs from the golden', firstDiff(trim(golden), trim(r.stdout)));
      else report(suite, name, 'PASS');
    }
  }
}

/* global structuredClone */
/** POSTs AdmissionReviews to a running webhook over HTTPS; answers like webhookAnswer's handler. */
async function tlsHandler({ url, caFile }) {
  const https = await import('node:https');
  const fastJsonPatch = (await import('fast-json-patch')).default;
  const ca = readFileSync(caFile);
  return (body) => new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' }, timeout: 30_000 }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ status: res.statusCode, message: text });
        const review = JSON.parse(text);
        const resp = review.response;
        if (!resp?.allowed) return resolve({ status: 200, review, message: resp?.status?.message });
        const object = JSON.parse(body).request.object;
        if (!resp.patch) return resolve({ status: 200, review, patched: JSON.stringify(object) });
        const ops = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8'));
        resolve({ status: 200, review, patched: JSON.stringify(fastJsonPatch.applyPatch(structuredClone(object), ops, true, false).newDocument) });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('webhook request timed out')));
    req.end(body);
  });
}

/** The default settings (Istio's chart rendered with no overrides) written as files, for a webhook server. */
export async function defaultSettingsFiles(dir) {
  const oracle = startOracle();
  try {
    const r = await oracle.request({ op: 'render', set: [] });
    if (!r.ok) throw new Error(`rendering the chart: ${r.error}`);
    const m = await oracle.request({ op: 'mesh', mesh: r.mesh });
    if (!m.ok) throw new Error(`mesh: ${m.error}`);
    const files = { values: path.join(dir, 'values.json'), mesh: path.join(dir, 'mesh.json') };
    writeFileSync(files.values, r.values);
    writeFileSync(files.mesh, m.mesh);
    return files;
  } finally {
    await oracle.close();
  }
}

const OPENSHIFT_TEST_NS = {
  name: 'test-ns',
  annotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' },
};

/** Every variable Istio's istio-iptables reads, emptied so that only the case's settings count. */
const CLEAN_CAPTURE_ENV = Object.fromEntries([
  'INBOUND_CAPTURE_PORT', 'INBOUND_TUNNEL_PORT', 'PROXY_UID', 'PROXY_GID', 'ISTIO_INBOUND_INTERCEPTION_MODE', 'ISTIO_INBOUND_PORTS',
  'ISTIO_LOCAL_EXCLUDE_PORTS', 'ISTIO_EXCLUDE_INTERFACES', 'ISTIO_SERVICE_CIDR', 'ISTIO_SERVICE_EXCLUDE_CIDR', 'ISTIO_OUTBOUND_PORTS',
  'ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE', 'KUBE_VIRT_INTERFACES', 'ISTIO_INBOUND_TPROXY_MARK', 'ISTIO_INBOUND_TPROXY_ROUTE_TABLE',
  'DRY_RUN', 'REDIRECT_DNS', 'ISTIO_META_DNS_CAPTURE', 'DROP_INVALID', 'INVALID_DROP', 'DUAL_STACK', 'ISTIO_DUAL_STACK',
  'CAPTURE_ALL_DNS', 'NATIVE_NFTABLES', 'ISTIO_OUTBOUND_OWNER_GROUPS', 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE',
  'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR', 'IPTABLES_PROBE_PORT', 'PROBE_TIMEOUT', 'SKIP_RULE_APPLY', 'RUN_VALIDATION',
  'NETWORK_NAMESPACE', 'CNI_MODE', 'RECONCILE', 'CLEANUP_ONLY', 'FORCE_APPLY', 'FORCE_IPTABLES_BINARY',
].map((k) => [k, undefined]));

/** Istio's buildFakeDryRunPod with a case's annotations, proxy env and ids. */
export function dryRunPod(c) {
  const sc = {};
  if (c.runAsUser !== undefined) sc.runAsUser = c.runAsUser;
  if (c.runAsGroup !== undefined) sc.runAsGroup = c.runAsGroup;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'testPod', namespace: 'testNS', annotations: c.annotations ?? {} },
    spec: { containers: [{ name: 'test' }, { name: 'istio-proxy', env: c.proxyEnv ?? [], securityContext: sc }, { name: 'istio-validate' }] },
  };
}

const prettyJson = (s) => JSON.stringify(JSON.parse(s), null, 2);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const suites = [];
  let filter;
  let verbose = false;
  let jsonOut;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--filter') filter = new RegExp(argv[++i]);
    else if (argv[i] === '--verbose') verbose = true;
    else if (argv[i] === '--json') jsonOut = argv[++i];
    else if (SUITES.includes(argv[i])) suites.push(argv[i]);
    else {
      console.error(`unknown argument ${argv[i]}; suites: ${SUITES.join(' ')}`);
      process.exit(2);
    }
  }
  const results = await runConformance({ suites: suites.length ? suites : SUITES, filter, verbose });
  const count = (s) => results.filter((r) => r.status === s).length;
  console.log(`conformance: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 1)}\n`);
  process.exit(count('FAIL') ? 1 : 0);
}
