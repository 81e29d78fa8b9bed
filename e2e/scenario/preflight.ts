/**
 * `sidecar-kit preflight` (issue 17 §4) on a real API server, as part of the user journey:
 *
 * - init mode (release `sk`, self-signed): on the release as installed every check passes (exit
 *   0): the server-side dry-run comes back injected, each replica's certificate verifies against
 *   the caBundle through a port-forward. A namespace enforcing `restricted` is then a real
 *   failure (exit 3): podSecurity names istio-init's NET_ADMIN/NET_RAW with the fix, and the
 *   dry-run there is refused by the API server's own PodSecurity admission.
 * - CNI mode (release `skcni`, Helm certificates): the node agent's report is read (netfilter,
 *   IPv6, plugin in the conflist); then the caBundle of `skcni` is replaced by another CA (the
 *   `sk` release's): the API server refuses the dry-run with an x509 error and each replica's
 *   certificate no longer verifies — two real failures, each with its fix — and it is restored.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { sh } from '../support/process.js';
import type { Kube } from './provider.js';
import { namespace } from './sample.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'sidecar-kit.js');

interface Check {
  check: string;
  subject: string;
  status: string;
  message: string;
  fix?: string;
}
interface Report {
  ok: boolean;
  counts: Record<string, number>;
  checks: Check[];
}

const log = (m: string) => process.stderr.write(`preflight scenario: ${m}\n`);

function preflight(kubeconfig: string, args: readonly string[]): { code: number; report: Report; stderr: string } {
  const started = Date.now();
  const r = sh([process.execPath, CLI, 'preflight', '--kubeconfig', kubeconfig, '-o', 'json', '--timeout', '60', ...args], { timeoutMs: 300_000 });
  if (r.code !== 0 && r.code !== 3) throw new Error(`sidecar-kit preflight exited ${r.code}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as Report;
  log(`preflight ${args.join(' ')}: exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(report.counts)}`);
  return { code: r.code, report, stderr: r.stderr };
}

const pick = (r: Report, check: string, subject: RegExp) => r.checks.filter((c) => c.check === check && subject.test(c.subject));
const failures = (r: Report) => r.checks.filter((c) => c.status === 'fail').map((c) => `${c.check} ${c.subject}: ${c.message}`);

export interface PreflightScenario {
  readonly kube: Kube;
  readonly kubeconfig: () => string;
  readonly chartNamespace: string;
  /** The MutatingWebhookConfiguration of a release. */
  readonly mwcName: (release: string) => string;
  readonly webhookPods: (release: string) => string[];
}

/** In the init-mode section (release `sk` installed, self-signed). */
export function preflightInitScenario(s: PreflightScenario): void {
  const { kube } = s;
  it('preflight: every check passes on the release as installed; a namespace enforcing restricted in init mode fails, explained, and the API server agrees', () => {
    const ok = 'pf-ok';
    const locked = 'pf-restricted';
    kube.apply([namespace(ok, { 'istio-injection': 'enabled' })]);
    try {
      let r = preflight(s.kubeconfig(), ['-n', ok]);
      expect(failures(r.report)).toEqual([]);
      expect(r.code).toBe(0);
      const mwc = s.mwcName('sk');
      expect(pick(r.report, 'webhookReachable', new RegExp(`^${mwc} \\(namespace ${ok}\\)$`))).toEqual([expect.objectContaining({ status: 'pass', message: expect.stringMatching(/came back injected \(.*istio-init.*istio-proxy/) })]);
      const serving = pick(r.report, 'caBundle', /^pod /).filter((c) => s.webhookPods('sk').some((p) => c.subject.endsWith(`/${p}`)));
      expect(serving.length).toBeGreaterThan(0);
      for (const c of serving) expect(c.status, c.subject).toBe('pass');
      expect(pick(r.report, 'podSecurity', new RegExp(`^namespace ${ok}$`))).toEqual([expect.objectContaining({ status: 'pass' })]);

      kube.apply([namespace(locked, { 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' })]);
      r = preflight(s.kubeconfig(), ['-n', locked]);
      expect(r.code).toBe(3);
      const psa = pick(r.report, 'podSecurity', new RegExp(`^namespace ${locked}$`))[0];
      expect(psa?.status).toBe('fail');
      expect(psa?.message).toMatch(/enforces restricted, but init mode adds what restricted forbids: container istio-init adds NET_ADMIN, NET_RAW/);
      expect(psa?.fix).toContain(`kubectl label namespace ${locked} pod-security.kubernetes.io/enforce=privileged --overwrite`);
      expect(psa?.fix).toContain('--set cni.enabled=true');
      // The dry-run in that namespace: the webhook answered, the API server's PodSecurity refused it.
      const dry = pick(r.report, 'webhookReachable', new RegExp(`\\(namespace ${locked}\\)$`))[0];
      expect(dry?.status).toBe('fail');
      expect(dry?.message).toMatch(/violates PodSecurity "restricted:latest".*istio-init/);
      log(`failures with restricted: ${failures(r.report).join(' | ')}`);
    } finally {
      kube.tryKubectl(['delete', 'namespace', ok, locked, '--wait=false']);
    }
  });
}

/** In the CNI-mode section (release `skcni` installed with Helm certificates, node agent running). */
export function preflightCniScenario(s: PreflightScenario & { readonly cniNamespace: string }): void {
  const { kube } = s;
  it("preflight in CNI mode: the node agent's netfilter/IPv6 report and plugin pass; a caBundle from another CA fails the dry-run and the certificate check, with their fixes", () => {
    const mwc = s.mwcName('skcni');
    let r = preflight(s.kubeconfig(), ['-n', s.cniNamespace]);
    const netfilter = pick(r.report, 'nodeNetfilter', /^node /);
    expect(netfilter.length).toBeGreaterThan(0);
    for (const c of netfilter) {
      expect(c.status, c.message).toBe('pass');
      expect(c.message).toMatch(/^legacy tables (in use|unused), nf_tables (available|unknown \(the host does not list its modules\)), ip_tables (available|unknown[^,;]*); IPv6 (disabled|enabled); the plugin programs iptables$/);
    }
    for (const c of pick(r.report, 'cniPlugin', /^node /)) expect(c, c.message).toMatchObject({ status: 'pass', message: expect.stringMatching(/Ready with our plugin in the node's conflist$/) });
    expect(pick(r.report, 'webhookReachable', new RegExp(`^${mwc} `))).toEqual([expect.objectContaining({ status: 'pass', message: expect.stringMatching(/istio-validation.*istio-proxy/) })]);
    const cniPods = s.webhookPods('skcni');
    const servingOf = (rep: Report) => pick(rep, 'caBundle', /^pod /).filter((c) => cniPods.some((p) => c.subject.endsWith(`/${p}`)));
    expect(servingOf(r.report).map((c) => c.status)).toEqual(cniPods.map(() => 'pass'));

    // Another CA in every entry of skcni's configuration (sk's self-signed CA: valid, not skcni's).
    const original = kube.getJson<{ webhooks: { caBundle?: string; clientConfig: { caBundle?: string } }[] }>(['mutatingwebhookconfiguration', mwc]).webhooks.map((w) => w.clientConfig.caBundle ?? '');
    const other = kube.getJson<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(['mutatingwebhookconfiguration', s.mwcName('sk')]).webhooks[0]?.clientConfig.caBundle ?? '';
    expect(other).not.toBe('');
    expect(original).not.toContain(other);
    const setBundles = (bundles: readonly string[]) =>
      kube.kubectl(['patch', 'mutatingwebhookconfiguration', mwc, '--type=json', '-p', JSON.stringify(bundles.map((b, i) => ({ op: 'replace', path: `/webhooks/${i}/clientConfig/caBundle`, value: b })))]);
    setBundles(original.map(() => other));
    try {
      r = preflight(s.kubeconfig(), ['-n', s.cniNamespace]);
      expect(r.code).toBe(3);
      const dry = pick(r.report, 'webhookReachable', new RegExp(`^${mwc} `))[0];
      expect(dry?.status).toBe('fail');
      expect(dry?.message).toMatch(/does not trust the webhook's certificate: .*x509/);
      expect(dry?.fix).toMatch(/^helm upgrade skcni <chart> -n sidecar-kit --reuse-values/);
      const serving = servingOf(r.report);
      expect(serving.length).toBe(cniPods.length);
      for (const c of serving) {
        expect(c.status, c.subject).toBe('fail');
        expect(c.message).toMatch(/does not verify against the caBundle for .*\.svc: [A-Z_]+/);
      }
      log(`failures with a foreign caBundle: ${failures(r.report).join(' | ')}`);
    } finally {
      setBundles(original);
    }
    r = preflight(s.kubeconfig(), ['-n', s.cniNamespace]);
    expect(pick(r.report, 'webhookReachable', new RegExp(`^${mwc} `))[0]?.status).toBe('pass');
  });
}
