/**
 * The facts annotation as the injector writes it (opt-in, CNI mode) must lead the plugin to the
 * same decision as the injected pod itself: runtime annotations + facts == API object.
 */
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../config/merge.js';
import { resolveSettings } from '../config/settings.js';
import { injectPod } from './inject.js';
import type { Pod } from '../k8s/pod.js';
import { FACTS_ANNOTATION, podFactsFromAnnotations } from '../cni/pod-facts.js';
import { redirectFromFacts, redirectFromPod } from '../cni/redirect.js';

const pod = (annotations: Record<string, string> = {}, proxy?: Record<string, unknown>): Pod =>
  deepFreeze({
    metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, annotations },
    spec: { containers: [{ name: 'web', image: 'web:1' }, ...(proxy ? [{ name: 'istio-proxy', ...proxy }] : [])] },
  });

const settings = (cni: boolean, facts: boolean | undefined) =>
  resolveSettings({ values: { pilot: { cni: { enabled: cni } }, ...(facts === undefined ? {} : { sidecarKit: { cni: { podFactsAnnotation: facts } } }) } });

const injected = (p: Pod, s: ReturnType<typeof settings>) => injectPod({ pod: p, namespace: 'shop' }, s).pod;

describe('injector: sidecarKit.cni.podFactsAnnotation', () => {
  it.each([
    ['default (Istio output unchanged)', true, undefined],
    ['explicitly off', true, false],
    ['on but CNI mode off', false, true],
  ])('no facts annotation: %s', (_n, cni, facts) => {
    expect(injected(pod(), settings(cni, facts)).metadata?.annotations?.[FACTS_ANNOTATION]).toBeUndefined();
  });

  it.each([
    ['default pod', pod()],
    ['TPROXY + excluded ports', pod({ 'sidecar.istio.io/interceptionMode': 'TPROXY', 'traffic.sidecar.istio.io/excludeInboundPorts': '9000' })],
    ['DNS capture via proxy config', pod({ 'proxy.istio.io/config': '{"proxyMetadata":{"ISTIO_META_DNS_CAPTURE":"true"}}' })],
    ['custom proxy uid', pod({}, { securityContext: { runAsUser: 4321, runAsGroup: 4322 } })],
  ])('the plugin decides the same from runtime annotations as from the pod: %s', (_n, p) => {
    const out = injected(p, settings(true, true));
    const annotations = out.metadata?.annotations ?? {};
    expect(annotations[FACTS_ANNOTATION]).toMatch(/^\{"v":1,/);
    const fromRuntime = podFactsFromAnnotations(annotations);
    if (!('facts' in fromRuntime)) throw new Error(`facts annotation unreadable: ${fromRuntime.miss}`);
    const decision = redirectFromFacts(fromRuntime.facts);
    expect(decision.kind).toBe('redirect');
    expect(decision).toEqual(redirectFromPod(out));
  });

  it('is stable when injecting the injected pod again', () => {
    const s = settings(true, true);
    const once = injected(pod(), s);
    expect(injected(once, s).metadata?.annotations?.[FACTS_ANNOTATION]).toBe(once.metadata?.annotations?.[FACTS_ANNOTATION]);
  });
});
