import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { createPatch, diffJson } from './patch.js';

describe('diffJson', () => {
  const shared = { deep: { x: 1 } };
  it.each([
    { name: 'identical values', from: { a: shared }, to: { a: shared }, ops: [] },
    { name: 'scalar replaced', from: { a: 1, b: 'x' }, to: { a: 1, b: 'y' }, ops: [{ op: 'replace', path: '/b', value: 'y' }] },
    { name: 'member removed, then added', from: { a: 1, b: 2 }, to: { b: 2, c: 3 }, ops: [{ op: 'remove', path: '/a' }, { op: 'add', path: '/c', value: 3 }] },
    { name: 'array shrinks from the end', from: { l: [1, 2, 3] }, to: { l: [1] }, ops: [{ op: 'remove', path: '/l/2' }, { op: 'remove', path: '/l/1' }] },
    { name: 'array grows', from: { l: [1] }, to: { l: [1, { n: 2 }] }, ops: [{ op: 'add', path: '/l/1', value: { n: 2 } }] },
    { name: 'object becomes array', from: { v: { a: 1 } }, to: { v: [1] }, ops: [{ op: 'replace', path: '/v', value: [1] }] },
    { name: 'keys escaped', from: { m: {} }, to: { m: { 'a/b~c': 1 } }, ops: [{ op: 'add', path: '/m/a~1b~0c', value: 1 }] },
    { name: 'undefined member counts as absent', from: { a: 1 }, to: { a: undefined }, ops: [{ op: 'remove', path: '/a' }] },
  ])('$name', ({ from, to, ops }) => {
    expect(diffJson(from, to)).toEqual(ops);
  });

  it('shares values with the target instead of copying them', () => {
    const added = { big: [1, 2, 3] };
    const [op] = diffJson({}, { added });
    expect(op?.value).toBe(added);
  });

  // fast-json-patch refuses to apply paths through __proto__ / constructor.prototype (a safety ban)
  const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !/"(__proto__|constructor|prototype)"/.test(JSON.stringify(v)));
  it('produces what fast-json-patch compare produces, and the patch reproduces the target', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const from = { root: a };
        const to = { root: b };
        const ops = diffJson(from, to);
        // compared as JSON: compare copies nested values through JSON (-0 becomes 0) but not top-level ones
        const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
        expect(asJson(ops)).toEqual(asJson(fastJsonPatch.compare(from, to)));
        expect(fastJsonPatch.applyPatch(structuredClone(from), structuredClone(ops) as never, true, false).newDocument).toEqual(to);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 500) },
    );
  });
});

describe('createPatch', () => {
  it('adds parents the received pod lacks and turns replace of a missing member into add', () => {
    const received = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] } };
    const decoded = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', resources: {} }] }, status: {} };
    const injected = { metadata: { name: 'p', labels: { x: 'y' } }, spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1' } } }] }, status: {} };
    const ops = createPatch(received, decoded, injected);
    const patched = fastJsonPatch.applyPatch(structuredClone(received), structuredClone(ops) as never, true, false).newDocument;
    expect(patched).toEqual({ metadata: { name: 'p', labels: { x: 'y' } }, spec: { containers: [{ name: 'a', resources: { limits: { cpu: '1' } } }] } });
  });
});
