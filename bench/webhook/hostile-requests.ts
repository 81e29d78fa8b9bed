/**
 * The hostile requests of bench/webhook/hostile.ts and hostile-cost.test.ts (issue 12), as
 * AdmissionReview bodies, and the small pod they are sent beside.
 */
export type Obj = Record<string, unknown>;
export const review = (pod: Obj, uid: string): string =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
    request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'shop', operation: 'CREATE', object: pod },
  });
export const pod = (name: string, spec: Obj = {}, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'shop', annotations, labels },
  spec: { containers: [{ name: 'app', image: 'shop/app:1', ports: [{ containerPort: 8080 }] }], ...spec },
});
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const list = (n: number, item: string): string => Array.from({ length: n }, () => item).join(', ');

const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...range(8).map((i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${list(9, `*${String.fromCharCode(97 + i)}`)}]`)].join('\n');
export const HOSTILE: readonly [string, string][] = [
  ['10 000 init containers', review(pod('init', { initContainers: range(10_000).map((i) => ({ name: `c${i}`, image: 'b' })) }), 'h1')],
  ['billion laughs in proxy.istio.io/config', review(pod('laughs', {}, { 'proxy.istio.io/config': `proxyMetadata: {}\nx:\n${laughs.replace(/^/gm, '  ')}\n` }), 'h2')],
  ['alias-heavy config go-yaml accepts', review(pod('aliases', {}, { 'proxy.istio.io/config': `a: &a [${list(1500, '{a}')}]\nb: [${list(40, '*a')}]\n` }), 'h3')],
  ['5 MiB of nested JSON arrays', `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${'['.repeat(5 * 1024 * 1024)}`],
  ['2 MB of labels and annotations', review(pod('big', {}, Object.fromEntries(range(1000).map((i) => [`a${i}.example.com/k`, 'v'.repeat(1000)])), Object.fromEntries(range(1000).map((i) => [`l${i}`, 'v'.repeat(60)]))), 'h5')],
  ['4000 excluded outbound ranges', review(pod('ranges', {}, { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': range(4000).map((i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`).join(',') }), 'h6')],
];

