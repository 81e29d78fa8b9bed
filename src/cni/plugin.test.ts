import { describe, expect, it } from 'vitest';
import { captureFactsAnnotation } from '../core/cni/pod-facts.js';
import type { CniRedirect } from '../core/cni/redirect.js';
import { CniError } from '../core/cni/spec.js';
import { memoryLogger } from './log.js';
import { runPlugin, type CaptureTarget, type PluginDeps } from './plugin.js';

const injectedPod = {
  metadata: { name: 'web-1', namespace: 'shop', annotations: { 'sidecar.istio.io/status': '{}' } },
  spec: { containers: [{ name: 'web' }, { name: 'istio-proxy', args: ['proxy', 'sidecar'], securityContext: { runAsUser: 1337, runAsGroup: 1337 } }] },
};
const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/run/netns/p' }], ips: [{ address: '198.51.100.4/24', interface: 0 }] };
const baseConf = { cniVersion: '1.0.0', name: 'podnet', type: 'istio-cni', exclude_namespaces: ['kube-system'], pod_namespace: 'istio-system', prevResult };
const podEnv = { CNI_COMMAND: 'ADD', CNI_NETNS: '/run/netns/p', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1' };

function harness(opts: { env?: Record<string, string | undefined>; conf?: unknown; stdin?: string; pod?: unknown; apiError?: Error; applyError?: Error }) {
  const applied: { redirect: CniRedirect; target: CaptureTarget }[] = [];
  const lookups: string[] = [];
  const prepared: string[] = [];
  const logger = memoryLogger();
  const deps: PluginDeps = {
    env: { ...podEnv, ...opts.env },
    readStdin: () => opts.stdin ?? JSON.stringify(opts.conf ?? baseConf),
    makeLogger: () => logger,
    makePodSource: () => ({
      getPod: async (ns, name) => {
        lookups.push(`${ns}/${name}`);
        if (opts.apiError) throw opts.apiError;
        return opts.pod ?? injectedPod;
      },
    }),
    prepareCapture: (target) => {
      prepared.push(target.containerId);
      return {
        apply: async (redirect) => {
          if (opts.applyError) throw opts.applyError;
          applied.push({ redirect, target });
        },
      };
    },
  };
  return { deps, applied, lookups, prepared, logger };
}

const withAnnotations = (annotations: Record<string, string>) => ({ ...baseConf, runtimeConfig: { 'io.kubernetes.cri.pod-annotations': annotations } });
const parse = (s: string) => JSON.parse(s) as Record<string, unknown>;

describe('ADD', () => {
  it('asks the API when the runtime gives no annotations, programs rules, passes prevResult through', async () => {
    const h = harness({});
    const out = await runPlugin(h.deps);
    expect(out.exitCode).toBe(0);
    expect(parse(out.stdout)).toEqual(prevResult);
    expect(h.lookups).toEqual(['shop/web-1']);
    expect(h.applied).toHaveLength(1);
    expect(h.applied[0]?.target).toMatchObject({ netns: '/run/netns/p', containerId: 'c1', pod: { name: 'web-1', namespace: 'shop' } });
    expect(h.applied[0]?.redirect).toMatchObject({ mode: 'REDIRECT', proxyUid: '1337', excludeOutboundPorts: '15020' });
  });

  it('uses runtime annotations carrying the facts annotation: no API call', async () => {
    const annotations = { 'sidecar.istio.io/status': '{}', 'cni.sidecar-kit.io/capture': captureFactsAnnotation(injectedPod) };
    const h = harness({ conf: withAnnotations(annotations) });
    expect((await runPlugin(h.deps)).exitCode).toBe(0);
    expect(h.lookups).toEqual([]);
    expect(h.applied).toHaveLength(1);
  });

  it('probes the netns only for a handled pod on the annotation path', async () => {
    const skipped = harness({ conf: withAnnotations({ 'cni.sidecar-kit.io/capture': '{"v":1}' }) });
    expect((await runPlugin(skipped.deps)).exitCode).toBe(0);
    expect(skipped.prepared).toEqual([]);
  });

  it('on the API path probes the netns while the pod is fetched, even if it is then skipped', async () => {
    const h = harness({ pod: { metadata: {}, spec: { containers: [{ name: 'web' }] } } });
    expect((await runPlugin(h.deps)).exitCode).toBe(0);
    expect(h.prepared).toEqual(['c1']);
    expect(h.applied).toEqual([]);
  });

  it('treats an unreadable pod named like our agent as our agent', async () => {
    const h = harness({ env: { CNI_ARGS: 'K8S_POD_NAMESPACE=other;K8S_POD_NAME=istio-cni-node-x1' }, apiError: new CniError(101, 'unreachable') });
    expect((await runPlugin(h.deps)).exitCode).toBe(0);
  });

  it('falls back to the API when the annotations lack the facts annotation', async () => {
    const h = harness({ conf: withAnnotations({ 'sidecar.istio.io/status': '{}' }) });
    expect((await runPlugin(h.deps)).exitCode).toBe(0);
    expect(h.lookups).toEqual(['shop/web-1']);
  });

  it.each([
    ['not a pod', { CNI_ARGS: '' }, undefined],
    ['excluded namespace', { CNI_ARGS: 'K8S_POD_NAMESPACE=kube-system;K8S_POD_NAME=dns' }, undefined],
    ['own agent', { CNI_ARGS: 'K8S_POD_NAMESPACE=istio-system;K8S_POD_NAME=istio-cni-node-abcde' }, undefined],
    ['pod without sidecar', {}, { metadata: {}, spec: { containers: [{ name: 'web' }] } }],
  ])('leaves alone: %s', async (_n, env, pod) => {
    const h = harness({ env, pod });
    const out = await runPlugin(h.deps);
    expect(out.exitCode).toBe(0);
    expect(parse(out.stdout)).toEqual(prevResult);
    expect(h.applied).toEqual([]);
  });

  it('prints an empty result of the conf version without prevResult', async () => {
    const h = harness({ conf: { ...baseConf, cniVersion: '0.4.0', prevResult: undefined }, env: { CNI_ARGS: '' } });
    expect(parse((await runPlugin(h.deps)).stdout)).toEqual({ cniVersion: '0.4.0', dns: {} });
  });
});

describe('failures are CNI error objects with exit code 1', () => {
  it.each([
    ['stdin not JSON', { stdin: '{' }, 6, /not JSON/],
    ['cniVersion missing', { conf: { name: 'x', type: 'istio-cni' } }, 7, /cniVersion/],
    ['unsupported version', { conf: { ...baseConf, cniVersion: '0.2.0' } }, 1, /0\.2\.0 is not supported/],
    ['CNI_COMMAND missing', { env: { CNI_COMMAND: undefined } }, 4, /CNI_COMMAND/],
    ['CNI_NETNS missing', { env: { CNI_NETNS: undefined } }, 4, /CNI_NETNS/],
    ['cniVersion a number', { conf: { ...baseConf, cniVersion: 1 } }, 7, /cniVersion must be a string such as "1.0.0", got 1/],
    ['CNI_CONTAINERID missing', { env: { CNI_CONTAINERID: undefined } }, 4, /CNI_CONTAINERID is not set/],
    ['CNI_CONTAINERID empty on DEL', { env: { CNI_COMMAND: 'DEL', CNI_CONTAINERID: '' } }, 4, /CNI_CONTAINERID is not set/],
    ['CNI_CONTAINERID a path', { env: { CNI_CONTAINERID: '../../victim' } }, 4, /CNI_CONTAINERID "..\/..\/victim": expected alphanumerics/],
    ['CNI_CONTAINERID with a slash', { env: { CNI_COMMAND: 'CHECK', CNI_CONTAINERID: 'a/b' } }, 4, /CNI_CONTAINERID "a\/b"/],
    ['cni_agent_run_dir under /proc', { conf: { ...baseConf, cni_agent_run_dir: '/proc/self/x' } }, 7, /cni_agent_run_dir: must not be under \/proc, \/sys, \/dev/],
    ['cni_agent_run_dir relative', { conf: { ...baseConf, cni_agent_run_dir: 'run/istio-cni' } }, 7, /cni_agent_run_dir: must be an absolute path/],
    ['cni_agent_run_dir with ..', { conf: { ...baseConf, cni_agent_run_dir: '/var/run/../../proc/1' } }, 7, /cni_agent_run_dir: must be an absolute path without \. or \.\. segments/],
    [
      'invalid annotation',
      { pod: { ...injectedPod, metadata: { annotations: { 'sidecar.istio.io/status': '{}', 'sidecar.istio.io/interceptionMode': 'NONE' } } } },
      100,
      /invalid annotation sidecar\.istio\.io\/interceptionMode="NONE"/,
    ],
    ['API unreachable', { apiError: new CniError(101, 'cannot read pod shop/web-1') }, 101, /cannot read pod/],
    ['rules rejected', { applyError: new CniError(102, 'iptables-restore failed') }, 102, /iptables-restore failed/],
    ['unexpected crash', { applyError: new Error('boom') }, 999, /boom/],
  ])('%s', async (_n, opts, code, msg) => {
    const h = harness(opts as Parameters<typeof harness>[0]);
    const out = await runPlugin(h.deps);
    expect(h.prepared.filter((id) => id.includes('/'))).toEqual([]);
    expect(out.exitCode).toBe(1);
    const err = parse(out.stdout);
    expect(err.code).toBe(code);
    expect(err.msg).toMatch(msg);
    expect(typeof err.cniVersion).toBe('string');
  });
});

describe('the overall deadline', () => {
  it('answers with code 103 once sidecar_kit.deadline_ms has passed, whatever is still waiting', async () => {
    const h = harness({ conf: { ...baseConf, sidecar_kit: { deadline_ms: 1000 } } });
    const never = new Promise<never>(() => undefined);
    const deps: PluginDeps = { ...h.deps, makePodSource: () => ({ getPod: () => never }) };
    const start = performance.now();
    const out = await runPlugin(deps);
    const took = performance.now() - start;
    expect(out.exitCode).toBe(1);
    expect(parse(out.stdout)).toMatchObject({ code: 103, msg: 'the invocation did not finish within 1000 ms (sidecar_kit.deadline_ms)' });
    expect(took).toBeGreaterThanOrEqual(990);
    expect(took).toBeLessThan(5000);
  });

  it('defaults to 60 s and refuses one at or above the runtime\'s 4 minutes', async () => {
    const { pluginConfSchema } = await import('../core/config/cni.js');
    expect(pluginConfSchema.parse(baseConf).sidecar_kit.deadline_ms).toBe(60_000);
    const out = await runPlugin(harness({ conf: { ...baseConf, sidecar_kit: { deadline_ms: 240_000 } } }).deps);
    expect(parse(out.stdout)).toMatchObject({ code: 7, msg: expect.stringMatching(/deadline_ms/) });
  });
});

describe('other commands', () => {
  it('VERSION needs no config', async () => {
    const h = harness({ env: { CNI_COMMAND: 'VERSION' }, stdin: '' });
    const out = await runPlugin(h.deps);
    expect(parse(out.stdout)).toMatchObject({ cniVersion: '1.1.0', supportedVersions: expect.arrayContaining(['0.3.1', '1.1.0']) });
  });

  it.each(['DEL', 'CHECK'])('%s succeeds silently and can be repeated', async (cmd) => {
    const h = harness({ env: { CNI_COMMAND: cmd } });
    for (let i = 0; i < 2; i++) expect(await runPlugin(h.deps)).toEqual({ stdout: '', exitCode: 0 });
    expect(h.applied).toEqual([]);
    expect(h.lookups).toEqual([]);
  });

  it('CHECK under 0.3.1 is refused with code 1', async () => {
    const h = harness({ env: { CNI_COMMAND: 'CHECK' }, conf: { ...baseConf, cniVersion: '0.3.1' } });
    const out = await runPlugin(h.deps);
    expect(out.exitCode).toBe(1);
    expect(parse(out.stdout)).toMatchObject({ code: 1 });
  });

  it.each(['STATUS', 'GC'])('%s is accepted at 1.1.0 (no container id needed)', async (cmd) => {
    const h = harness({ env: { CNI_COMMAND: cmd, CNI_CONTAINERID: undefined }, conf: { ...baseConf, cniVersion: '1.1.0' } });
    expect((await runPlugin(h.deps)).exitCode).toBe(0);
  });
});
