import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../config/merge.js';
import { resolveSettings } from '../config/settings.js';
import { findSidecar, type Pod } from '../k8s/pod.js';
import { InjectionError, InjectionErrorCode } from './errors.js';
import { injectPod } from './inject.js';
import type { Template } from './template-context.js';

const settings = resolveSettings();
const pod = (annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}): Pod =>
  deepFreeze({ metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'app', image: 'a' }], ...extra } });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof InjectionError ? e.code : 'not an InjectionError';
  }
  return undefined;
}

describe('injectPod', () => {
  it("takes the proxy's image type from ProxyConfig or global.variant, the init image's from global.variant only (Istio's ProxyImage/ProxyInitImage; oracle: webhook)", () => {
    const images = (s: ReturnType<typeof resolveSettings>, annotations: Record<string, string> = {}): [string | undefined, string | undefined] => {
      const r = injectPod({ pod: pod(annotations) }, s);
      return [findSidecar(r.pod)?.image, r.pod.spec?.initContainers?.find((c) => c.name === 'istio-init')?.image];
    };
    const distroless = resolveSettings({ mesh: { defaultConfig: { image: { imageType: 'distroless' } } } });
    const [proxy, init] = images(distroless);
    expect(proxy).toMatch(/-distroless$/);
    expect(init).not.toMatch(/-distroless$/);
    // An empty ProxyConfig image type falls back to the variant, for both.
    const variant = resolveSettings({ values: { global: { variant: 'debug' } }, mesh: { defaultConfig: { image: { imageType: '' } } } });
    expect(images(variant).map((i) => i?.endsWith('-debug'))).toEqual([true, true]);
    // The annotation wins for both, even over ProxyConfig.
    expect(images(distroless, { 'sidecar.istio.io/proxyImageType': 'debug' }).map((i) => i?.endsWith('-debug'))).toEqual([true, true]);
  });
  it('rejects invalid annotations with Istio\'s message', () => {
    expect(() => injectPod({ pod: pod({ 'traffic.sidecar.istio.io/excludeInboundPorts': 'x' }) }, settings)).toThrow(
      /^failed to run injection template: 1 error occurred:\n\t\* invalid value 'x' for annotation 'traffic.sidecar.istio.io\/excludeInboundPorts'/,
    );
    expect(codeOf(() => injectPod({ pod: pod({ 'sidecar.istio.io/interceptionMode': 'x' }) }, settings))).toBe(InjectionErrorCode.invalidAnnotations);
  });

  it('fails on an unknown template, listing the known ones', () => {
    expect(() => injectPod({ pod: pod({ 'inject.istio.io/templates': 'sidecar,nope' }) }, settings)).toThrow(
      'failed to run injection template: requested template "nope" not found; have gateway, grpc-agent, grpc-simple, sidecar',
    );
  });

  it('fails clearly when a custom Go template is selected and no engine is plugged in', () => {
    const s = resolveSettings({ values: { sidecarInjectorWebhook: { templates: { custom: 'spec: {}' } } } });
    expect(() => injectPod({ pod: pod({ 'inject.istio.io/templates': 'custom' }) }, s)).toThrow(
      'custom templates are not supported yet: template "custom"',
    );
    // Defined but not selected: no effect.
    expect(() => injectPod({ pod: pod() }, s)).not.toThrow();
  });

  it('uses a plugged-in template compiler for custom templates (the Go engine seam)', () => {
    const s = resolveSettings({ values: { sidecarInjectorWebhook: { templates: { extra: 'ignored' } } } });
    const compiled: Template = () => ({ metadata: { annotations: { compiled: 'yes' } } });
    const r = injectPod({ pod: pod({ 'inject.istio.io/templates': 'sidecar,extra' }) }, s, { templateCompiler: () => compiled });
    expect(r.pod.metadata?.annotations?.compiled).toBe('yes');
    expect(findSidecar(r.pod)).toBeDefined();
  });

  it('expands aliases from an inject config', () => {
    const s = resolveSettings({ injectConfig: { aliases: { both: ['sidecar', 'grpc-simple'] } } });
    const r = injectPod({ pod: pod({ 'inject.istio.io/templates': 'both' }) }, s);
    expect(r.pod.spec?.initContainers?.map((c) => c.name)).toEqual(['grpc-bootstrap-init', 'istio-init']);
  });

  it('moves a user-declared istio-proxy into initContainers with native sidecars', () => {
    const p = deepFreeze({ metadata: { name: 'p' }, spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'auto', args: ['x'] }] } });
    const r = injectPod({ pod: p }, settings, { enableNativeSidecars: 'true' });
    expect(r.pod.spec?.containers?.map((c) => c.name)).toEqual(['app']);
    expect(r.pod.spec?.initContainers?.map((c) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(findSidecar(r.pod)?.args).toEqual(['x']);
    expect(findSidecar(r.pod)?.image).toBe('docker.io/istio/proxyv2:1.31.0');
  });

  it.each([
    ['true', undefined, undefined, true],
    ['false', undefined, undefined, false],
    ['auto', undefined, undefined, false],
    ['auto', [{ name: 'n1', kubeletVersion: 'v1.33.1' }, { name: 'n2', kubeletVersion: 'v1.34.0' }], undefined, true],
    ['auto', [{ name: 'n1', kubeletVersion: 'v1.33.1' }, { name: 'n2', kubeletVersion: 'v1.32.9' }], undefined, false],
    ['auto', [{ name: 'n1', kubeletVersion: 'v1.32.1' }, { name: 'n2', kubeletVersion: 'v1.34.0' }], 'n2', true],
    ['true', undefined, 'false', false],
    ['false', undefined, 'true', true],
  ])('native sidecars: ENABLE_NATIVE_SIDECARS=%s nodes=%j nodeName/annotation', (mode, nodes, x, native) => {
    const annotations2: Record<string, string> = x === 'true' || x === 'false' ? { 'sidecar.istio.io/nativeSidecar': x } : {};
    const p: Pod = deepFreeze({ metadata: { name: 'p', annotations: annotations2 }, spec: { containers: [{ name: 'app' }], ...(x === 'n2' ? { nodeName: 'n2' } : {}) } });
    const r = injectPod({ pod: p }, settings, { enableNativeSidecars: mode }, { nodes });
    expect(r.pod.spec?.initContainers?.some((c) => c.name === 'istio-proxy')).toBe(native);
  });

  it('uses the request namespace for a pod without one, without patching it in', () => {
    const r = injectPod({ pod: pod(), namespace: 'shop' }, settings);
    expect(findSidecar(r.pod)?.env?.find((e) => e.name === 'ISTIO_META_OWNER')?.value).toBe('kubernetes://apis/v1/namespaces/shop/pods/p');
    expect(r.patch.some((op) => op.path === '/metadata/namespace')).toBe(false);
  });

  it('adds the configured injectedAnnotations', () => {
    const s = resolveSettings({ values: { sidecarInjectorWebhook: { injectedAnnotations: { 'team.example/owner': 'shop' } } } });
    expect(injectPod({ pod: pod() }, s).pod.metadata?.annotations?.['team.example/owner']).toBe('shop');
  });

  it('moves webhook cluster/network overrides to the end of the proxy env and labels the network', () => {
    const r = injectPod({ pod: pod(), envOverrides: { ISTIO_META_NETWORK: 'n1', ISTIO_META_CLUSTER_ID: 'c1', FOO: 'bar' } }, settings);
    const env = findSidecar(r.pod)?.env ?? [];
    expect(env.slice(-3)).toEqual([
      { name: 'FOO', value: 'bar' },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'c1' },
      { name: 'ISTIO_META_NETWORK', value: 'n1' },
    ]);
    expect(r.pod.metadata?.labels?.['topology.istio.io/network']).toBe('n1');
  });

  // Checked against Istio's kube-inject (oracle/): a template container is matched with the
  // user's containers only, a template init container with the user's containers and init containers.
  it("a user istio-proxy init container overrides only a native sidecar's", () => {
    const user = pod({}, { initContainers: [{ name: 'istio-proxy', image: 'mine' }] });
    const plain = injectPod({ pod: user }, settings, { enableNativeSidecars: 'false' }).pod;
    expect(plain.spec?.containers?.find((c) => c.name === 'istio-proxy')?.image).not.toBe('mine');
    expect(plain.metadata?.annotations?.['proxy.istio.io/overrides']).toBeUndefined();
    const native = injectPod({ pod: user }, settings, { enableNativeSidecars: 'true' }).pod;
    expect(native.spec?.initContainers?.find((c) => c.name === 'istio-proxy')?.image).toBe('mine');
    expect(native.metadata?.annotations?.['proxy.istio.io/overrides']).toBe('{"initContainers":[{"name":"istio-proxy","image":"mine","resources":{}}]}');
  });

  // Issue 12, checked against Istio's kube-inject (oracle/, istio.io/istio pinned in oracle/go.mod):
  // `proxy.istio.io/overrides` is decoded into Go's int32 container ports, so Istio accepts ports
  // outside 0-65535 that fit an int32 (-1, 70000; the API server's validation then refuses the
  // pod, naming the field) and refuses what does not fit (2^31, 1.5, "80"). Ours agrees.
  it.each([['-1', true], ['70000', true], ['2147483647', true], ['2147483648', false], ['1.5', false], ['"80"', false]])(
    'proxy.istio.io/overrides with containerPort %s: accepted %s, as Istio',
    (port, accepted) => {
      const overrides = `{"containers":[{"name":"istio-proxy","image":"x","ports":[{"containerPort":${port}}]}]}`;
      const run = () => injectPod({ pod: pod({ 'proxy.istio.io/overrides': overrides }) }, settings, { enableNativeSidecars: 'false' }).pod;
      if (!accepted) return expect(run).toThrow(InjectionError);
      expect(findSidecar(run())?.ports).toContainEqual({ containerPort: Number(port) });
    },
  );

  it("adjusts only the first of istio-init and istio-validation for a user istio-proxy's ids, as Istio's adjustInitContainerUser (oracle: webhook)", () => {
    const cni = resolveSettings({ values: { pilot: { cni: { enabled: true } } } });
    const validation = (p: Pod): unknown => p.spec?.initContainers?.find((c) => c.name === 'istio-validation')?.securityContext;
    const proxy = { name: 'istio-proxy', image: 'auto', securityContext: { runAsUser: 1000, runAsGroup: 0 } };
    // CNI pod: istio-validation takes the user's ids...
    const alone = injectPod({ pod: pod({}, { containers: [{ name: 'app', image: 'a' }, proxy] }) }, cni).pod;
    expect(validation(alone)).toMatchObject({ runAsUser: 1000, runAsGroup: 0 });
    // ...unless the user's own istio-init init container comes first in Istio's lookup.
    const withInit = injectPod({ pod: pod({}, { containers: [{ name: 'app', image: 'a' }, proxy], initContainers: [{ name: 'istio-init', image: 'b' }] }) }, cni).pod;
    expect(validation(withInit)).toMatchObject({ runAsUser: 1337, runAsGroup: 1337 });
  });

  it('resets a user istio-proxy runAsUser to root when ProxyConfig says TPROXY, whatever the annotation says (Istio: either one)', () => {
    const tproxy = resolveSettings({ mesh: { defaultConfig: { interceptionMode: 'TPROXY' } } });
    const proxy = { name: 'istio-proxy', image: 'auto', securityContext: { runAsUser: 1000 } };
    const r = injectPod({ pod: pod({ 'sidecar.istio.io/interceptionMode': 'REDIRECT' }, { containers: [{ name: 'app', image: 'a' }, proxy] }) }, tproxy).pod;
    expect(findSidecar(r)?.securityContext?.runAsUser).toBe(0);
  });

  it('runs the proxy as the top of the OpenShift namespace range', () => {
    const facts = { namespaceAnnotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' } };
    const r = injectPod({ pod: pod() }, settings, { platform: 'openshift' }, facts);
    expect(findSidecar(r.pod)?.securityContext).toMatchObject({ runAsUser: 1000629999, runAsGroup: 1000629999 });
    expect(r.pod.spec?.initContainers?.[0]?.args).toContain('1000629999');
  });

  it('produces a patch that applies to the pod as received and keeps fields the core does not model', () => {
    const received = deepFreeze({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns' },
      spec: { containers: [{ name: 'app', image: 'a', futureField: { x: 1 } }], futureSpecField: true },
    });
    const r = injectPod({ pod: received }, settings);
    const patched = fastJsonPatch.applyPatch(structuredClone(received), structuredClone(r.patch) as never, true, false).newDocument as Pod;
    expect(patched.spec?.futureSpecField).toBe(true);
    expect(patched.spec?.containers?.find((c) => c.name === 'app')?.futureField).toEqual({ x: 1 });
    expect(findSidecar(patched)?.name).toBe('istio-proxy');
  });

  it('rejects a pod that Go could not decode, naming the field', () => {
    expect(() => injectPod({ pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 'x' }] }] } } as never }, settings)).toThrow(
      'invalid pod: spec.containers[0].ports[0].containerPort: expected integer, got string',
    );
  });

  it('rejects a containerPort outside int32 with Go\'s decoding error', () => {
    expect(() => injectPod({ pod: { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', ports: [{ containerPort: 4294967376 }] }] } } as never }, settings)).toThrow(
      'invalid pod: spec.containers[0].ports[0].containerPort: json: cannot unmarshal number 4294967376 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
    );
  });
});
