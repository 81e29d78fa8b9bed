/**
 * The bad-input catalog: malformed requests, each with the status and message the webhook must
 * answer. None may produce a 5xx. 4xx answers are plain text; 200 answers are AdmissionReviews
 * that reject the pod (allowed: false) with a message naming the offending field.
 */
import { describe, expect, it } from 'vitest';
import { createCoreInjector, injectionEnvironment, settingsFromTexts } from './core-injector.js';
import { buildTestApp, review, simplePod } from './testing/harness.js';

// The real injector over built-in defaults: pod-level failures come from the core's typed decoding.
const injector = createCoreInjector(settingsFromTexts({}, ''), injectionEnvironment({ ENABLE_NATIVE_SIDECARS: 'true' }));

interface Case {
  readonly name: string;
  readonly body: string | Buffer;
  readonly contentType?: string | null;
  readonly url?: string;
  readonly method?: 'POST' | 'GET' | 'PUT';
  readonly status: number;
  /** For 4xx: text the plain-text body contains; for 200: text of response.status.message. */
  readonly message: string;
}

const j = (v: unknown) => JSON.stringify(v);
const pod = simplePod();
const withSpec = (spec: unknown) => j(review({ ...pod, spec }));
const withContainer = (c: Record<string, unknown>) => withSpec({ containers: [{ name: 'app', ...c }] });
const withMeta = (metadata: unknown) => j(review({ ...pod, metadata }));
const withRequest = (patch: Record<string, unknown>) => j(review(pod, patch));
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
/** Nine levels of nine aliases of the level before (391 bytes). */
const laughs = `{${Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [${i === 0 ? 'lol' : Array.from({ length: 9 }, () => `*l${i - 1}`).join(',')}]`).join(', ')}}`;

const cases: Case[] = [
  // --- HTTP level -------------------------------------------------------------------------
  { name: 'empty body', body: '', status: 400, message: 'no body found' },
  { name: 'empty body with a wrong content type', body: '', contentType: 'text/plain', status: 400, message: 'no body found' },
  { name: 'no content type', body: j(review(pod)), contentType: null, status: 415, message: 'invalid Content-Type, want `application/json`' },
  { name: 'text/plain', body: j(review(pod)), contentType: 'text/plain', status: 415, message: 'want `application/json`' },
  { name: 'application/yaml', body: 'apiVersion: admission.k8s.io/v1', contentType: 'application/yaml', status: 415, message: 'want `application/json`' },
  { name: 'form encoded', body: 'a=b', contentType: 'application/x-www-form-urlencoded', status: 415, message: 'want `application/json`' },
  { name: 'multipart', body: '--x--', contentType: 'multipart/form-data; boundary=x', status: 415, message: 'want `application/json`' },
  { name: 'json-patch content type', body: '[]', contentType: 'application/json-patch+json', status: 415, message: 'want `application/json`' },
  { name: 'application/jsonx', body: '{}', contentType: 'application/jsonx', status: 415, message: 'want `application/json`' },
  { name: 'body over 6 MiB', body: j(review({ ...pod, metadata: { name: 'x', annotations: { big: 'x'.repeat(6 * 1024 * 1024) } } })), status: 413, message: 'Request body is too large' },
  { name: 'bad percent-encoding in the path', body: j(review(pod)), url: '/inject/cluster/%ZZ', status: 400, message: 'invalid URL path: \'/inject/cluster/%ZZ\' is not a valid url component' },
  { name: 'GET /inject', body: '', method: 'GET', status: 404, message: 'no route for GET /inject' },
  { name: 'PUT /inject', body: j(review(pod)), method: 'PUT', status: 404, message: 'no route for PUT /inject' },
  { name: 'unknown path /injectx', body: j(review(pod)), url: '/injectx', status: 404, message: 'no route for POST /injectx' },
  // --- JSON decoding ----------------------------------------------------------------------
  { name: 'truncated JSON', body: j(review(pod)).slice(0, 40), status: 400, message: 'could not decode body:' },
  { name: 'not JSON at all', body: 'hello', status: 400, message: 'could not decode body:' },
  { name: 'YAML sent as JSON', body: 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n', status: 400, message: 'could not decode body:' },
  { name: 'trailing garbage', body: `${j(review(pod))}}`, status: 400, message: 'could not decode body:' },
  { name: '__proto__ key', body: '{"__proto__":{"polluted":true},"apiVersion":"admission.k8s.io/v1"}', status: 400, message: 'forbidden prototype property' },
  { name: 'constructor.prototype key', body: '{"kind":{"constructor":{"prototype":{"x":1}}}}', status: 400, message: 'forbidden prototype property' },
  { name: '__proto__ deep inside the pod', body: withMeta({ name: 'p', labels: { __proto__: 'x' } }).replace('"labels":{}', '"labels":{"__proto__":{"a":"b"}}'), status: 400, message: 'forbidden prototype property' },
  { name: 'containers nested 200k levels deep', body: withSpec({ containers: [] }).replace('"containers":[]', `"containers":${deep(200_000)}`), status: 400, message: 'could not decode body: exceeded max depth of 10000' },
  { name: 'review nested 1M levels deep', body: `{"x":${deep(1_000_000)}}`, status: 400, message: 'could not decode body: exceeded max depth of 10000 (nesting at byte 10004)' },
  { name: 'review nested 10001 levels deep', body: `{"x":${deep(10_000)}}`, status: 400, message: 'could not decode body: exceeded max depth of 10000' },
  { name: 'review nested 10000 levels deep (Go\'s limit: decoded)', body: `{"x":${deep(9_999)}}`, status: 400, message: 'could not decode AdmissionReview: apiVersion' },
  { name: 'brackets inside strings do not count as nesting', body: withMeta({ name: 'p', labels: { a: [`${'['.repeat(20_000)}"\\`] } }), status: 200, message: 'invalid pod: metadata.labels.a' },
  // --- AdmissionReview envelope -----------------------------------------------------------
  { name: 'JSON null', body: 'null', status: 400, message: 'AdmissionReview must be a JSON object' },
  { name: 'JSON array', body: '[]', status: 400, message: 'AdmissionReview must be a JSON object' },
  { name: 'JSON string', body: '"review"', status: 400, message: 'AdmissionReview must be a JSON object' },
  { name: 'JSON number', body: '42', status: 400, message: 'AdmissionReview must be a JSON object' },
  { name: 'empty object', body: '{}', status: 400, message: 'apiVersion: must be one of admission.k8s.io/v1, admission.k8s.io/v1beta1' },
  { name: 'unknown apiVersion', body: j({ ...review(pod), apiVersion: 'admission.k8s.io/v2' }), status: 400, message: 'apiVersion: must be one of' },
  { name: 'a bare Pod instead of a review', body: j(pod), status: 400, message: 'apiVersion: must be one of' },
  { name: 'wrong kind', body: j({ ...review(pod), kind: 'AdmissionResponse' }), status: 400, message: 'kind: must be AdmissionReview' },
  { name: 'missing request', body: j({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), status: 400, message: 'request: missing' },
  { name: 'request is a string', body: j({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: 'pod' }), status: 400, message: 'request: must be an object' },
  { name: 'request is null', body: j({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: null }), status: 400, message: 'request: must be an object' },
  { name: 'missing uid', body: withRequest({ uid: undefined }), status: 400, message: 'request.uid: must be a string' },
  { name: 'empty uid', body: withRequest({ uid: '' }), status: 400, message: 'request.uid: must not be empty' },
  { name: 'numeric uid', body: withRequest({ uid: 12 }), status: 400, message: 'request.uid: must be a string' },
  { name: 'numeric namespace', body: withRequest({ namespace: 7 }), status: 400, message: 'request.namespace: must be a string' },
  { name: 'operation is an object', body: withRequest({ operation: {} }), status: 400, message: 'request.operation: must be a string' },
  { name: 'request.kind is a string', body: withRequest({ kind: 'Pod' }), status: 400, message: 'request.kind: must be a GroupVersionKind object' },
  // --- the object: answered 200, pod rejected with the field named --------------------------
  { name: 'request for a Deployment', body: withRequest({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }), status: 200, message: 'request.kind: expected Pod, got Deployment' },
  { name: 'missing object', body: withRequest({ object: undefined }), status: 200, message: 'request.object: missing, expected a Pod' },
  { name: 'null object', body: withRequest({ object: null }), status: 200, message: 'request.object: missing, expected a Pod' },
  { name: 'object is an array', body: withRequest({ object: [pod] }), status: 200, message: 'request.object: must be a Pod object' },
  { name: 'object is a string', body: withRequest({ object: 'pod' }), status: 200, message: 'request.object: must be a Pod object' },
  { name: 'object of kind Service', body: withRequest({ object: { ...pod, kind: 'Service' } }), status: 200, message: 'request.object.kind: expected Pod, got Service' },
  { name: 'metadata is a string', body: withMeta('web'), status: 200, message: 'request.object.metadata: expected object' },
  { name: 'labels is an array', body: withMeta({ name: 'p', labels: ['a'] }), status: 200, message: 'invalid pod: metadata.labels: expected object, got array' },
  { name: 'label value is a number', body: withMeta({ name: 'p', labels: { version: 2 } }), status: 200, message: 'invalid pod: metadata.labels.version: expected string, got number' },
  { name: 'annotation value is an object', body: withMeta({ name: 'p', annotations: { 'sidecar.istio.io/inject': { v: true } } }), status: 200, message: 'invalid pod: metadata.annotations.sidecar.istio.io/inject: expected string, got object' },
  { name: 'ownerReferences is an object', body: withMeta({ name: 'p', ownerReferences: { kind: 'ReplicaSet' } }), status: 200, message: 'invalid pod: metadata.ownerReferences: expected array, got object' },
  { name: 'spec is a number', body: withSpec(5), status: 200, message: 'invalid pod: spec: expected object, got number' },
  { name: 'containers is a string', body: withSpec({ containers: 'app' }), status: 200, message: 'invalid pod: spec.containers: expected array, got string' },
  { name: 'container is a number', body: withSpec({ containers: [1] }), status: 200, message: 'invalid pod: spec.containers[0]: expected object, got number' },
  { name: 'container name is a number', body: withSpec({ containers: [{ name: 1 }] }), status: 200, message: 'invalid pod: spec.containers[0].name: expected string, got number' },
  { name: 'initContainers is an object', body: withSpec({ containers: [], initContainers: { name: 'x' } }), status: 200, message: 'invalid pod: spec.initContainers: expected array, got object' },
  { name: 'env is an object', body: withContainer({ env: { A: '1' } }), status: 200, message: 'invalid pod: spec.containers[0].env: expected array, got object' },
  { name: 'env value is a number', body: withContainer({ env: [{ name: 'A', value: 1 }] }), status: 200, message: 'invalid pod: spec.containers[0].env[0].value: expected string, got number' },
  { name: 'fractional containerPort', body: withContainer({ ports: [{ containerPort: 80.5 }] }), status: 200, message: 'invalid pod: spec.containers[0].ports[0].containerPort: json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32' },
  { name: 'containerPort as a string', body: withContainer({ ports: [{ containerPort: '80' }] }), status: 200, message: 'invalid pod: spec.containers[0].ports[0].containerPort: expected integer, got string' },
  { name: 'probe port is a boolean', body: withContainer({ readinessProbe: { httpGet: { port: true } } }), status: 200, message: 'invalid pod: spec.containers[0].readinessProbe.httpGet.port: expected integer or string, got boolean' },
  { name: 'hostNetwork as a string', body: withSpec({ hostNetwork: 'true', containers: [] }), status: 200, message: 'invalid pod: spec.hostNetwork: expected boolean, got string' },
  { name: 'invalid interceptionMode annotation', body: withMeta({ name: 'p', annotations: { 'sidecar.istio.io/interceptionMode': 'bogus' } }), status: 200, message: "failed to run injection template: 1 error occurred:\n\t* invalid value 'bogus' for annotation 'sidecar.istio.io/interceptionMode': interceptionMode invalid, use REDIRECT,TPROXY,NONE: bogus" },
  { name: 'invalid excludeOutboundPorts annotation', body: withMeta({ name: 'p', annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '70000' } }), status: 200, message: 'failed to run injection template: ' },
  { name: 'invalid includeOutboundIPRanges annotation', body: withMeta({ name: 'p', annotations: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': 'not-a-cidr' } }), status: 200, message: 'failed to run injection template: ' },
  { name: 'proxy.istio.io/config is not YAML', body: withMeta({ name: 'p', annotations: { 'proxy.istio.io/config': ': nope: [' } }), status: 200, message: "invalid value ': nope: [' for annotation 'proxy.istio.io/config': failed to convert to apply proxy config: yaml: did not find expected key" },
  { name: 'proxy.istio.io/config billion laughs (391 bytes, 9^9 nodes)', body: withMeta({ name: 'p', annotations: { 'proxy.istio.io/config': laughs } }), status: 200, message: "for annotation 'proxy.istio.io/config': failed to convert to apply proxy config: yaml: document contains excessive aliasing" },
  { name: 'proxy.istio.io/config nested 100k levels deep', body: withMeta({ name: 'p', annotations: { 'proxy.istio.io/config': `proxyMetadata: ${'['.repeat(100_000)}` } }), status: 200, message: 'failed to convert to apply proxy config: yaml: line 1: exceeded max depth of 256' },
  { name: 'namespace in metadata is a number', body: withMeta({ name: 'p', namespace: 5 }), status: 200, message: 'invalid pod: metadata.namespace: expected string, got number' },
  { name: 'command is a string', body: withContainer({ command: 'sleep 1' }), status: 200, message: 'invalid pod: spec.containers[0].command: expected array, got string' },
];

describe('bad-input catalog', () => {
  it('has at least 40 distinct cases', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name → $status', async (c) => {
    const { app, metrics } = buildTestApp({ injector });
    const headers: Record<string, string> = {};
    if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
    const res = await app.inject({ method: c.method ?? 'POST', url: c.url ?? '/inject', headers, payload: c.body });
    expect(res.statusCode).toBe(c.status);
    if (c.status === 200) {
      const body = res.json();
      expect(body.response.uid).toBe('7f0b2891-916f-4ed6-b7cd-27bff1815a8c');
      expect(body.response.allowed).toBe(false);
      expect(body.response.status.message).toContain(c.message);
      expect(body.response.patch).toBeUndefined();
    } else {
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain(c.message);
    }
    if (c.status !== 404) {
      const failures = (await metrics.failure.get()).values.reduce((n, v) => n + v.value, 0);
      expect(failures).toBe(1);
    }
  });
});
