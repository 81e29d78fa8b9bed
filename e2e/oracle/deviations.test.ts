/**
 * The deliberate deviations of docs/oracle.md pinned against Istio's own code (the oracle): each
 * case runs our answer and Istio's on one hand-written input and checks (a) that Istio really
 * answers differently — so the day Istio changes, this fails and the deviation is revisited — and
 * (b) that the differential harness counts it under its name, not as a pass or a failure.
 * Needs Go >= 1.26 (the oracle).
 */
import { describe, expect, it } from 'vitest';
import type { OracleProcess } from '../../scripts/istio-oracle.mjs';
import { captureDomain, DiffContext, webhookDomain, type WebhookInput } from './diff.js';
import { withOracle } from './fixture.js';

type Get = { port?: number | string; path?: string };
type Container = { name: string; env?: { name: string; value?: string }[]; readinessProbe?: { httpGet?: Get }; startupProbe?: { httpGet?: Get }; livenessProbe?: { tcpSocket?: Get; httpGet?: Get } };

function webhookInput(pod: Record<string, unknown>, over: Partial<WebhookInput> = {}): WebhookInput {
  return {
    settings: { set: [], mesh: '' }, env: { native: 'false', compliance: '', revision: '' }, withConfig: true,
    platform: '', localCluster: '', nodes: [{ name: 'node-1', version: 'v1.36.3' }], path: '/inject', pod, requestNamespace: 'default',
    ...over,
  };
}

/** Istio's webhook's answer for `input`: the AdmissionReview's response and the patched pod, if allowed. */
async function istioAnswer(oracle: OracleProcess, ctx: DiffContext, input: WebhookInput): Promise<{ allowed: boolean; message?: string; patched?: unknown }> {
  const s = await ctx.settingsFor(input.settings.set, input.settings.mesh);
  const typed = await oracle.request({ op: 'pod-normalize', raw: true, pod: input.pod });
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: input.requestNamespace, operation: 'CREATE', object: JSON.parse(typed.output ?? 'null') },
  });
  const r = await oracle.request({ op: 'webhook', values: s.values, config: s.config, mesh: s.mesh, meshExact: true, revision: '', native: input.env.native, compliance: '', platform: input.platform, nodes: input.nodes, namespaces: [], localCluster: '', path: input.path, body });
  const response = (JSON.parse(r.body ?? '{}') as { response?: { allowed?: boolean; status?: { message?: string } } }).response;
  return { allowed: response?.allowed === true, message: response?.status?.message, patched: r.patched ?? undefined };
}

/** The pod Istio's webhook gives for `input` (its patch applied by the oracle). */
async function istioPod(oracle: OracleProcess, ctx: DiffContext, input: WebhookInput): Promise<{ metadata: { annotations: Record<string, string> }; spec: { containers: Container[] } }> {
  const a = await istioAnswer(oracle, ctx, input);
  expect(a.patched, a.message).toBeTruthy();
  return a.patched as never;
}

const proxyEnv = (pod: { spec: { containers: Container[] } }, name: string): string | undefined =>
  pod.spec.containers.find((c) => c.name === 'istio-proxy')?.env?.find((e) => e.name === name)?.value;

describe("deliberate deviations from Istio's webhook, pinned against its own code", () => {
  const live = withOracle();

  it("webhook-status-port-from-pod-config: Istio points app probes and Prometheus at the mesh's status port, not the pod's", { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'proxy.istio.io/config': 'statusPort: 15021\n', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' } },
      spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { port: 8080, path: '/ready' } } }] },
    });
    const theirs = await istioPod(live.oracle, live.ctx, input);
    const app = theirs.spec.containers.find((c) => c.name === 'app');
    expect(app?.readinessProbe?.httpGet?.port).toBe(15020);
    expect(theirs.metadata.annotations['prometheus.io/port']).toBe('15020');
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'webhook-status-port-from-pod-config' });
  });

  it('webhook-status-port-from-pod-config: an app probe on the pod\'s own status port is an app port to Istio (rewritten, handed to the agent)', { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'proxy.istio.io/config': 'statusPort: 15021\n' } },
      spec: { containers: [{ name: 'app', image: 'nginx', startupProbe: { httpGet: { port: 15021, path: '/started' } }, livenessProbe: { tcpSocket: { port: 15021 } } }] },
    });
    const theirs = await istioPod(live.oracle, live.ctx, input);
    const app = theirs.spec.containers.find((c) => c.name === 'app');
    expect(app?.startupProbe?.httpGet).toMatchObject({ port: 15020, path: '/app-health/app/startupz' });
    const probers = JSON.parse(proxyEnv(theirs, 'ISTIO_KUBE_APP_PROBERS') ?? '{}') as Record<string, { httpGet?: Get; tcpSocket?: Get }>;
    expect(probers['/app-health/app/startupz']?.httpGet).toMatchObject({ port: 15021, path: '/started' });
    expect(probers['/app-health/app/livez']?.tcpSocket).toMatchObject({ port: 15021 });
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'webhook-status-port-from-pod-config' });
  });

  it('webhook-status-port-from-pod-config: an app probe on the mesh\'s status port is already rewritten to Istio (no prober), an app port to ours', { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'proxy.istio.io/config': 'statusPort: 15021\n' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }], initContainers: [{ name: 'init-db', image: 'nginx', startupProbe: { tcpSocket: { port: 15020 } } }] },
    }, { env: { native: 'true', compliance: '', revision: '' } });
    const theirs = await istioPod(live.oracle, live.ctx, input);
    expect(proxyEnv({ spec: { containers: [...theirs.spec.containers, ...((theirs.spec as { initContainers?: Container[] }).initContainers ?? [])] } }, 'ISTIO_KUBE_APP_PROBERS')).toBeUndefined();
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'webhook-status-port-from-pod-config' });
  });

  it("webhook-status-port-from-pod-config: a Prometheus port equal to the mesh's status port is kept by Istio, refused by ours as reserved (seed 629112772)", { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { annotations: { 'prometheus.io/port': '15020', 'proxy.istio.io/config': 'statusPort: 15021' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    }, { withConfig: false, env: { native: 'true', compliance: '', revision: '' }, nodes: [{ name: 'node-1', version: 'v1.33.0' }, { name: 'node-2', version: 'v1.34.2' }] });
    // Istio compares the port with the mesh's 15020 and leaves the pod as it is; to the pod's
    // agent (on 15021) 15020 is one of Istio's reserved ports, which Istio refuses elsewhere.
    const theirs = await istioAnswer(live.oracle, live.ctx, input);
    expect(theirs.allowed).toBe(true);
    expect((theirs.patched as { metadata: { annotations: Record<string, string> } }).metadata.annotations['prometheus.io/port']).toBe('15020');
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'webhook-status-port-from-pod-config' });
  });
  it("webhook-status-port-from-pod-config: a Prometheus port equal to the pod's own status port is refused by Istio as reserved, kept by ours as the agent's", { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'prometheus.io/port': '15021', 'proxy.istio.io/config': 'statusPort: 15021' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    const theirs = await istioAnswer(live.oracle, live.ctx, input);
    expect(theirs.allowed).toBe(false);
    expect(theirs.message).toContain('port 15021 is reserved for Istio');
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'webhook-status-port-from-pod-config' });
  });
  it("control: without the pod's own status port both refuse Envoy's health port in the same words (no deviation)", { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'prometheus.io/port': '15021' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    expect((await istioAnswer(live.oracle, live.ctx, input)).allowed).toBe(false);
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true });
  });
  it('the same pod without its own status port is no deviation (the check does not hide real differences)', { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'nginx', startupProbe: { httpGet: { port: 15021, path: '/started' } } }] },
    });
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true });
  });
  it('istio-openshift-patch-against-reset-pod: on OpenShift Istio patches a copy without the user istio-proxy\'s ids', { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'test-ns' },
      spec: { containers: [
        { name: 'istio-proxy', image: 'auto', securityContext: { runAsUser: 1000, runAsGroup: 0 } },
        { name: 'app', image: 'nginx', securityContext: { runAsUser: 1000 } },
      ] },
    }, { platform: 'openshift', requestNamespace: 'test-ns', env: { native: 'true', compliance: '', revision: '' } });
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'istio-openshift-patch-against-reset-pod' });
  });
  it('both at once: an OpenShift reset pod with its own status port is checked against the pod Istio meant (seed 156193239)', { timeout: 120_000 }, async () => {
    const uid = { securityContext: { runAsUser: 1000620000 } };
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { annotations: { 'proxy.istio.io/config': 'statusPort: 15021' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }], initContainers: [{ name: 'init-db', image: 'nginx', ...uid }, { name: 'istio-proxy', image: 'nginx', ...uid }] },
    }, { platform: 'openshift', withConfig: false, env: { native: 'auto', compliance: '', revision: '' }, nodes: [{ name: 'node-1', version: 'v1.33.0' }, { name: 'node-2', version: 'v1.28.0' }] });
    expect((await istioPod(live.oracle, live.ctx, input)).metadata.annotations['prometheus.io/port']).toBe('15020');
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'istio-openshift-patch-against-reset-pod+webhook-status-port-from-pod-config' });
  });
  it('overrides-error-names-annotation: a bad proxy.istio.io/overrides is refused by both, ours names the annotation', { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'proxy.istio.io/overrides': '{not json' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'overrides-error-names-annotation' });
  });

  it('unsupported-templates-not-listed: an unknown template is refused by both; without Istio\'s template texts ours lists only the templates it renders', { timeout: 120_000 }, async () => {
    const input = webhookInput({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'inject.istio.io/templates': 'sidecar,nope' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    }, { withConfig: false });
    expect(await webhookDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'unsupported-templates-not-listed' });
  });

  it('invalid-value-rejected: a port list item that is no port is refused up front naming the flag; Istio writes it into rules', { timeout: 120_000 }, async () => {
    const input = { args: ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-b', '8080,x'], env: {}, ipv6: false, dnsServers: [] };
    const istio = await live.oracle.request({ op: 'iptables', args: input.args, env: {}, ipv6: false, dnsServers: [] });
    expect(istio.ok, istio.error).toBe(true);
    expect(istio.output).toContain('--dport x');
    expect(await captureDomain.compare(input, live.ctx)).toEqual({ same: true, deviation: 'invalid-value-rejected' });
  });
});
