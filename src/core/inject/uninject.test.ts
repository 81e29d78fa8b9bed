import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import { normalizeAs } from '../k8s/normalize.js';
import type { Pod } from '../k8s/pod.js';
import { injectPod } from './inject.js';
import { parseStatusStrict, uninjectPod, UninjectError } from './uninject.js';

const settings = resolveSettings();
const cniSettings = resolveSettings({ values: { pilot: { cni: { enabled: true } } } });
const owner = { typeMeta: { apiVersion: 'apps/v1', kind: 'Deployment' }, deploymentMeta: { name: 'web', namespace: 'shop' } };

function inject(pod: Pod, s = settings, native = 'false'): Pod {
  return injectPod({ pod, ...owner }, s, { enableNativeSidecars: native }).pod;
}

function back(pod: Pod): { pod: Pod; notes: readonly string[] } {
  const r = uninjectPod(pod, { workloadName: 'web' });
  if (!r.injected) throw new Error('not injected');
  return r;
}

const app = (extra: Record<string, unknown> = {}): Pod =>
  ({
    metadata: { labels: { app: 'web' }, ...((extra.metadata as object | undefined) ?? {}) },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'example/web:1',
          ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9000 }],
          ...((extra.container as object | undefined) ?? {}),
        },
      ],
      ...((extra.spec as object | undefined) ?? {}),
    },
  }) as Pod;

describe('uninjectPod', () => {
  it('says a pod without the status annotation was not injected', () => {
    expect(uninjectPod(app(), { workloadName: 'web' })).toEqual({ injected: false });
  });

  it('refuses a status annotation that does not parse, naming it and the field', () => {
    const withStatus = (s: string): Pod => app({ metadata: { annotations: { 'sidecar.istio.io/status': s } } });
    expect(() => uninjectPod(withStatus('{"containers":'), { workloadName: 'w' })).toThrow(UninjectError);
    expect(() => uninjectPod(withStatus('{"containers":'), { workloadName: 'w' })).toThrow(/^invalid sidecar\.istio\.io\/status annotation: /);
    expect(() => uninjectPod(withStatus('{"containers":"istio-proxy"}'), { workloadName: 'w' })).toThrow('"containers" must be a list of names');
    expect(() => uninjectPod(withStatus('[1]'), { workloadName: 'w' })).toThrow('expected a JSON object');
    expect(() => uninjectPod(withStatus('{"revision":1}'), { workloadName: 'w' })).toThrow('"revision" must be a string');
    expect(parseStatusStrict({ 'sidecar.istio.io/status': '{"containers":null,"revision":"default"}' })).toEqual({
      initContainers: [], containers: [], volumes: [], imagePullSecrets: [], revision: 'default',
    });
  });

  it('removes exactly what the status names and the labels and annotations the template added', () => {
    const p = app();
    const injected = inject(p);
    expect(injected.spec?.containers?.map((c) => c.name)).toEqual(['web', 'istio-proxy']);
    const r = back(injected);
    expect(r.pod).toEqual(injectPodNormal(p));
    expect(r.notes).toEqual([]);
  });

  it('restores HTTP (HTTPS scheme, headers), TCP and gRPC probes and lifecycle hooks; named ports come back as the number the agent was given', () => {
    const p = app({
      container: {
        readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTPS', httpHeaders: [{ name: 'X', value: 'y' }] }, periodSeconds: 3 },
        livenessProbe: { tcpSocket: { port: 'http' }, timeoutSeconds: 4 },
        startupProbe: { grpc: { port: 9000, service: 'health' } },
        lifecycle: { preStop: { httpGet: { path: '/drain', port: 9000 } }, postStart: { exec: { command: ['true'] } } },
      },
    });
    const injected = inject(p);
    const c = injected.spec?.containers?.[0];
    expect(c?.readinessProbe?.httpGet).toEqual({ path: '/app-health/web/readyz', port: 15020, scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] });
    expect(c?.startupProbe?.grpc).toBeUndefined();
    const r = back(injected);
    const want = injectPodNormal(p);
    (want.spec?.containers?.[0]?.livenessProbe?.tcpSocket as { port: unknown }).port = 8080;
    expect(r.pod).toEqual(want);
  });

  it('leaves a rewritten probe the agent has no entry for, and says so', () => {
    const injected = inject(app({ container: { readinessProbe: { httpGet: { path: '/r', port: 'nope' } } } }));
    const r = back(injected);
    expect(r.pod.spec?.containers?.[0]?.readinessProbe?.httpGet?.path).toBe('/app-health/web/readyz');
    expect(r.notes).toEqual(['container web: readinessProbe points at the agent (/app-health/web/readyz) but ISTIO_KUBE_APP_PROBERS has no entry for it: left as it is (the original probe is lost)']);
  });

  it('restores the Prometheus annotations the merged-metrics rewrite replaced (and scrape targets)', () => {
    const ann = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', 'prometheus.io/path': '/m' };
    const injected = inject(app({ metadata: { annotations: ann } }));
    expect(injected.metadata?.annotations?.['prometheus.io/port']).toBe('15020');
    expect(back(injected).pod.metadata?.annotations).toEqual(ann);
    const targets = { 'prometheus.istio.io/scrape-targets': '9102:/a,9103:/metrics' };
    expect(back(inject(app({ metadata: { annotations: targets } }))).pod.metadata?.annotations).toEqual(targets);
  });

  it('keeps what the manifest said differently from the template: tlsMode, canonical labels, default container', () => {
    const meta = {
      labels: { app: 'web', 'security.istio.io/tlsMode': 'disabled', 'service.istio.io/canonical-name': 'store', 'service.istio.io/canonical-revision': 'v9' },
      annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar-x' },
    };
    const p = app({ metadata: meta });
    expect(back(inject(p)).pod.metadata).toEqual(injectPodNormal(p).metadata);
    // An istio.io/rev annotation of the manifest's own is overwritten by the template: lost.
    const rev = back(inject(app({ metadata: { annotations: { 'istio.io/rev': 'other' } } })));
    expect(rev.pod.metadata?.annotations).toBeUndefined();
  });

  it('puts back a user container of an injected name from proxy.istio.io/overrides', () => {
    const p = app({ spec: { containers: [{ name: 'web', image: 'w' }, { name: 'istio-proxy', image: 'auto', resources: { limits: { cpu: '2' } } }] } });
    const injected = inject(p);
    expect(injected.metadata?.annotations?.['proxy.istio.io/overrides']).toBeDefined();
    const r = back(injected);
    expect(r.pod.spec?.containers).toEqual([{ name: 'web', image: 'w', resources: {} }, { name: 'istio-proxy', image: 'auto', resources: { limits: { cpu: '2' } } }]);
    expect(r.pod.metadata?.annotations).toBeUndefined();
  });

  it('in CNI mode drops the capture annotations at Istio defaults, keeps the manifest\'s own and takes the status port out of the excluded ports', () => {
    const p = app({ metadata: { annotations: { 'sidecar.istio.io/interceptionMode': 'TPROXY', 'traffic.sidecar.istio.io/excludeInboundPorts': '8081,8082' } } });
    const injected = inject(p, cniSettings);
    expect(injected.spec?.initContainers?.map((c) => c.name)).toEqual(['istio-validation']);
    expect(injected.metadata?.annotations?.['traffic.sidecar.istio.io/excludeInboundPorts']).toBe('8081,8082,15020');
    const r = back(injected);
    expect(r.pod).toEqual(injectPodNormal(p));
    expect(r.notes).toEqual(['annotation sidecar.istio.io/interceptionMode=TPROXY kept: the CNI template copies it from the manifest or from the install\'s values']);
  });

  it('removes a native sidecar from the init containers and keeps the user\'s init containers in order', () => {
    const p = app({ spec: { initContainers: [{ name: 'a', image: 'a' }, { name: 'b', image: 'b' }] } });
    const injected = inject(p, settings, 'true');
    expect(injected.spec?.initContainers?.map((c) => c.name)).toEqual(['istio-init', 'istio-proxy', 'a', 'b']);
    expect(back(injected).pod).toEqual(injectPodNormal(p));
  });

  it('never mutates its input', () => {
    const injected = inject(app({ container: { readinessProbe: { httpGet: { path: '/r', port: 8080 } } } }));
    const copy = structuredClone(injected);
    back(injected);
    expect(injected).toEqual(copy);
  });
});

/** The pod as injection's typed structs serialise it, without injection (what a round trip gives back). */
function injectPodNormal(p: Pod): Pod {
  return normalizeAs('Pod', p) as Pod;
}
