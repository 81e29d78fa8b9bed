import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../config/settings.js';
import type { Pod } from '../k8s/pod.js';
import { injectPod } from './inject.js';
import { dropSidecarUserMatchingApp, sidecarUserMatchesAppUser } from './openshift.js';

const pod = (proxy: Record<string, unknown> | undefined, app: Record<string, unknown> | undefined, where: 'containers' | 'initContainers' = 'containers'): Pod => ({
  metadata: { name: 'p', namespace: 'test-ns' },
  spec: {
    containers: [{ name: 'app', image: 'app', ...(app ? { securityContext: app } : {}) }, ...(where === 'containers' ? [{ name: 'istio-proxy', ...(proxy ? { securityContext: proxy } : {}) }] : [])],
    ...(where === 'initContainers' ? { initContainers: [{ name: 'istio-proxy', ...(proxy ? { securityContext: proxy } : {}) }] } : {}),
  },
}) as Pod;

describe("OpenShift: a user istio-proxy UID equal to the app's is dropped (Istio's webhook, isSidecarUserMatchingAppUser)", () => {
  it.each([
    ['same UID', { runAsUser: 1000620001 }, { runAsUser: 1000620001 }, true],
    ['different UID', { runAsUser: 1337 }, { runAsUser: 1000620001 }, false],
    ['neither set (0 == 0)', {}, undefined, true],
    ['only the proxy sets one', { runAsUser: 5 }, undefined, false],
  ])('%s', (_name, proxy, app, match) => {
    expect(sidecarUserMatchesAppUser(pod(proxy, app))).toBe(match);
  });

  it('drops runAsUser and runAsGroup of the first istio-proxy (containers, then init containers), keeping the rest', () => {
    const out = dropSidecarUserMatchingApp(pod({ runAsUser: 7, runAsGroup: 7, readOnlyRootFilesystem: false }, { runAsUser: 7 }, 'initContainers'));
    expect(out.spec?.initContainers?.[0]?.securityContext).toEqual({ readOnlyRootFilesystem: false });
    const kept = pod({ runAsUser: 8 }, { runAsUser: 7 });
    expect(dropSidecarUserMatchingApp(kept)).toBe(kept);
    const noContext = pod(undefined, undefined);
    expect(dropSidecarUserMatchingApp(noContext)).toBe(noContext);
  });

  it("only when asked (the webhook on OpenShift): the template's UID from the namespace range then applies, and the patch removes the user's", () => {
    const settings = resolveSettings({});
    const env = { platform: 'openshift', enableNativeSidecars: 'false' };
    const facts = { namespaceAnnotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000620000/10000' } };
    const input = pod({ runAsUser: 1000620001, runAsGroup: 1000620001 }, { runAsUser: 1000620001 });
    const proxyOf = (p: Pod) => p.spec?.containers?.find((c) => c.name === 'istio-proxy');
    const kept = injectPod({ pod: input }, settings, env, facts);
    expect(proxyOf(kept.pod)?.securityContext?.runAsUser).toBe(1000620001);
    const dropped = injectPod({ pod: input, dropSidecarUserMatchingApp: true }, settings, env, facts);
    expect(proxyOf(dropped.pod)?.securityContext?.runAsUser).toBe(1000629999);
    expect(proxyOf(input)?.securityContext?.runAsUser).toBe(1000620001); // input untouched
  });
});
