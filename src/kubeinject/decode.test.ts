import { describe, expect, it } from 'vitest';
import { decodeDocument } from './decode.js';

const pod = (spec: string, meta = ''): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${meta}spec:\n${spec}  containers:\n  - name: app\n    image: x\n`;
type Doc = { spec: Record<string, unknown>; metadata: Record<string, unknown>; items?: Doc[] };

// What `istioctl kube-inject` (sigs.k8s.io/yaml.Unmarshal into the kind's Go struct) makes of a
// plain scalar in a string field; each row checked against Istio's own code (oracle/).
describe('decodeDocument: plain scalars in string fields, as sigs.k8s.io/yaml decodes them into Go strings', () => {
  it.each([
    ['n', 'false'], ['yes', 'true'], ['On', 'true'], ['true', 'true'], ['0x10', '16'], ['017', '15'], ['0o17', '15'], ['0b101', '5'],
    ['-0x1F', '-31'], ['+12', '12'], ['-0', '0'], ['1_000', '1000'], ['12345678901234567890', '12345678901234567890'],
    ['9223372036854775808', '9223372036854775808'], ['1e10', '1e+10'], ['0.1', '0.1'], ['1.0', '1'], ['1.', '1'], ['.5', '0.5'],
    ['0.1e-3', '0.0001'], ['3.14159265358979', '3.1415927'], ['1e6', '1e+06'], ['!!bool yes', 'true'], ['!!int 7', '7'],
    ['!!str n', 'n'], ['2001-12-14', '2001-12-14'], ['1:30', '1:30'], ['n0', 'n0'],
  ])('serviceAccountName: %s is "%s"', (scalar, text) => {
    expect((decodeDocument(pod(`  serviceAccountName: ${scalar}\n`)) as Doc).spec.serviceAccountName).toBe(text);
  });

  it('turns scalars into text in string lists, maps of strings and nested string fields', () => {
    const doc = decodeDocument(pod('', '  labels: {a: 1, b: yes, c: 0x1f}\n').replace('image: x\n', 'image: x\n    args: [1, true, 1.50]\n    env: [{name: A, value: 5}]\n')) as Doc;
    expect(doc.metadata.labels).toEqual({ a: '1', b: 'true', c: '31' });
    const [c] = doc.spec.containers as { args: unknown[]; env: unknown[] }[];
    expect(c?.args).toEqual(['1', 'true', '1.5']);
    expect(c?.env).toEqual([{ name: 'A', value: '5' }]);
  });

  it('leaves numbers where Go decodes them itself: integer fields, quantities, int-or-strings', () => {
    const doc = decodeDocument(pod('  priority: 0x10\n  overhead: {cpu: 1}\n').replace('image: x\n', 'image: x\n    ports: [{containerPort: 0x50}]\n    readinessProbe: {httpGet: {port: 8080}}\n')) as Doc;
    expect(doc.spec.priority).toBe(16);
    expect(doc.spec.overhead).toEqual({ cpu: 1 });
    const [c] = doc.spec.containers as { ports: unknown[]; readinessProbe: { httpGet: { port: unknown } } }[];
    expect(c?.ports).toEqual([{ containerPort: 80 }]);
    expect(c?.readinessProbe.httpGet.port).toBe(8080);
  });

  it('a null string field stays null (absent), a non-finite float anywhere fails as json.Marshal does', () => {
    expect((decodeDocument(pod('  serviceAccountName: ~\n')) as Doc).spec.serviceAccountName).toBeNull();
    expect(() => decodeDocument(pod('  serviceAccountName: .inf\n'))).toThrow('json: unsupported value: +Inf');
  });

  it('matches keys to fields ignoring case, the exact key winning (encoding/json)', () => {
    const doc = decodeDocument(pod('  ServiceAccountName: foo\n', '  Labels: {a: b}\n').replace('IMAGE', 'image')) as Doc;
    expect(doc.spec.serviceAccountName).toBe('foo');
    expect(doc.metadata.labels).toEqual({ a: 'b' });
    expect((decodeDocument(pod('  serviceAccountName: exact\n  SERVICEACCOUNTNAME: folded\n')) as Doc).spec.serviceAccountName).toBe('exact');
    expect((decodeDocument('Kind: Pod\nmetadata: {name: p}\n') as Doc & { kind: string }).kind).toBe('Pod');
    // Objects under two spellings of one field merge, later keys (in byte order) winning.
    expect((decodeDocument(pod('', '  Labels: {a: 1, b: 2}\n  labels: {b: 3}\n')) as Doc).metadata.labels).toEqual({ a: '1', b: '3' });
  });

  it('decodes a List item from its JSON as Go wrote it, by the item\'s kind', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    serviceAccountName: 1e6\n    subdomain: 1.5\n    containers: [{name: app, image: x}]\n- {kind: ConfigMap, data: {a: 1}}\n';
    const doc = decodeDocument(list) as Doc;
    // 1e6 is written 1000000 in the item's JSON and read back as an integer.
    expect(doc.items?.[0]?.spec).toMatchObject({ serviceAccountName: '1000000', subdomain: '1.5' });
    expect(doc.items?.[1]).toEqual({ kind: 'ConfigMap', data: { a: 1 } });
  });

  it('does not type documents of other kinds', () => {
    expect(decodeDocument('apiVersion: v1\nkind: ConfigMap\ndata: {a: 1, b: n}\n')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 1, b: false } });
  });
});
