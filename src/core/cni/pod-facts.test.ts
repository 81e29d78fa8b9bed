import { describe, expect, it } from 'vitest';
import { FACTS_ANNOTATION, captureFactsAnnotation, podFactsFromAnnotations, podFactsFromPod, type PodLike } from './pod-facts.js';

const injected: PodLike = {
  metadata: {
    labels: { app: 'shop', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'sidecar.istio.io/status': '{"initContainers":["istio-validation"]}', 'traffic.sidecar.istio.io/excludeInboundPorts': '9000' },
  },
  spec: {
    initContainers: [{ name: 'istio-validation', args: ['istio-iptables', '--run-validation'] }],
    containers: [
      { name: 'shop', args: ['serve'] },
      {
        name: 'istio-proxy',
        args: ['proxy', 'sidecar', '--domain', 'x'],
        env: [
          { name: 'ISTIO_META_DNS_CAPTURE', value: 'true' },
          { name: 'POD_NAME', value: 'ignored' },
          { name: 'INVALID_DROP' },
        ],
        securityContext: { runAsUser: 2001, runAsGroup: 2002 },
      },
    ],
  },
};

describe('podFactsFromPod', () => {
  it('reads exactly the facts the plugin decides on', () => {
    expect(podFactsFromPod(injected)).toEqual({
      annotations: injected.metadata?.annotations,
      injectLabel: 'true',
      hasIstioInit: false,
      proxy: { uid: 2001, gid: 2002, type: 'sidecar', env: { ISTIO_META_DNS_CAPTURE: 'true', INVALID_DROP: '' } },
    });
  });

  it.each([
    ['empty pod', {}, { annotations: {}, hasIstioInit: false }],
    ['istio-init as a regular container', { spec: { containers: [{ name: 'istio-init' }] } }, { annotations: {}, hasIstioInit: true }],
    [
      'native sidecar proxy (init container)',
      { spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy', args: ['proxy', 'router'] }] } },
      { annotations: {}, hasIstioInit: false, proxy: { type: 'router', env: {} } },
    ],
    [
      'args not of the proxy <type> shape',
      { spec: { containers: [{ name: 'istio-proxy', args: ['--foo', 'bar'], securityContext: { runAsUser: 0 } }] } },
      { annotations: {}, hasIstioInit: false, proxy: { uid: 0, env: {} } },
    ],
  ])('%s', (_n, pod, want) => expect(podFactsFromPod(pod as PodLike)).toEqual(want));

  it('does not mutate the pod', () => {
    const copy = structuredClone(injected);
    podFactsFromPod(injected);
    expect(injected).toEqual(copy);
  });
});

describe('facts annotation round trip', () => {
  it('is compact, deterministic JSON of the non-annotation facts', () => {
    expect(captureFactsAnnotation(injected)).toBe(
      '{"v":1,"injectLabel":"true","proxy":{"uid":2001,"gid":2002,"type":"sidecar","env":{"INVALID_DROP":"","ISTIO_META_DNS_CAPTURE":"true"}}}',
    );
  });

  it.each([
    ['injected pod', injected],
    ['pod without proxy', { metadata: { annotations: { a: 'b' } }, spec: { containers: [{ name: 'x' }] } }],
    ['pod with istio-init', { spec: { initContainers: [{ name: 'istio-init' }], containers: [{ name: 'istio-proxy' }] } }],
  ])('annotations + facts annotation give the same facts as the pod: %s', (_n, pod) => {
    const annotations = { ...(pod.metadata?.annotations ?? {}), [FACTS_ANNOTATION]: captureFactsAnnotation(pod as PodLike) };
    const fromPod = podFactsFromPod(pod as PodLike);
    const got = podFactsFromAnnotations(annotations);
    expect(got).toEqual({ facts: { ...fromPod, annotations } });
  });

  it.each([
    ['absent', {}, 'no-facts-annotation'],
    ['not JSON', { [FACTS_ANNOTATION]: '{v:1' }, 'unreadable-facts-annotation'],
    ['future version', { [FACTS_ANNOTATION]: '{"v":2}' }, 'unreadable-facts-annotation'],
    ['wrong field type', { [FACTS_ANNOTATION]: '{"v":1,"proxy":{"uid":"1337"}}' }, 'unreadable-facts-annotation'],
  ])('misses when the annotation is %s', (_n, annotations, miss) => {
    expect(podFactsFromAnnotations(annotations)).toMatchObject({ miss });
  });
});
