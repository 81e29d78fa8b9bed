import { describe, expect, it } from 'vitest';
import { hasCurrentEntry, mergeConflist, removeOurEntries } from './conflist.js';

const entry = { cniVersion: '0.3.1', name: 'istio-cni', type: 'istio-cni', plugin_log_level: 'warn', exclude_namespaces: ['kube-system'] };
const ours = { name: 'istio-cni', type: 'istio-cni', plugin_log_level: 'warn', exclude_namespaces: ['kube-system'] };
const flannel = { type: 'flannel', delegate: { hairpinMode: true } };

describe('mergeConflist', () => {
  it.each([
    [
      'single .conf is wrapped',
      { cniVersion: '0.4.0', name: 'podnet', type: 'ptp', ipam: { type: 'host-local' } },
      { cniVersion: '0.3.1', name: 'k8s-pod-network', plugins: [{ name: 'podnet', type: 'ptp', ipam: { type: 'host-local' } }, ours] },
    ],
    [
      'list gets the entry appended',
      { cniVersion: '1.0.0', name: 'cbr0', plugins: [flannel, { type: 'portmap' }] },
      { cniVersion: '1.0.0', name: 'cbr0', plugins: [flannel, { type: 'portmap' }, ours] },
    ],
    [
      'stale entry in the middle is moved to the end',
      { cniVersion: '1.0.0', name: 'cbr0', plugins: [{ type: 'istio-cni', old: true }, flannel] },
      { cniVersion: '1.0.0', name: 'cbr0', plugins: [flannel, ours] },
    ],
    [
      'only the first stale entry is removed',
      { name: 'n', plugins: [{ type: 'istio-cni', a: 1 }, { type: 'istio-cni', a: 2 }] },
      { name: 'n', plugins: [{ type: 'istio-cni', a: 2 }, ours] },
    ],
    ['empty list', { name: 'n', plugins: [] }, { name: 'n', plugins: [ours] }],
  ])('%s', (_name, existing, want) => {
    expect(mergeConflist(existing, entry)).toEqual(want);
  });

  it('is idempotent on its own output', () => {
    const once = mergeConflist({ cniVersion: '0.4.0', name: 'podnet', type: 'ptp' }, entry);
    expect(mergeConflist(once, entry)).toEqual(once);
  });

  it('does not mutate its inputs', () => {
    const existing = { name: 'n', plugins: [{ type: 'istio-cni' }, flannel] };
    const copy = structuredClone(existing);
    const e = structuredClone(entry);
    mergeConflist(existing, e);
    expect(existing).toEqual(copy);
    expect(e).toEqual(entry);
  });

  it.each([
    ['existing is an array', [], entry, /existing CNI configuration must be a JSON object/],
    ['existing is null', null, entry, /must be a JSON object/],
    ['existing has neither type nor plugins', { name: 'x' }, entry, /neither "type".*nor a "plugins" array/],
    ['plugins is not an array', { name: 'x', plugins: {} }, entry, /"plugins" array/],
    ['entry is an array', { name: 'x', plugins: [] }, [entry], /plugin configuration must be a JSON object/],
    ['a plugin is not an object', { name: 'x', plugins: [flannel, 'portmap'] }, entry, /plugin 1 must be a JSON object/],
  ])('rejects: %s', (_name, existing, e, msg) => {
    expect(() => mergeConflist(existing, e)).toThrow(msg);
  });
});

describe('removeOurEntries / hasCurrentEntry', () => {
  it('removes every entry of ours and keeps the rest in order', () => {
    const merged = { name: 'n', plugins: [flannel, { type: 'istio-cni' }, { type: 'portmap' }, ours] };
    expect(removeOurEntries(merged)).toEqual({ name: 'n', plugins: [flannel, { type: 'portmap' }] });
  });

  it.each([
    ['freshly merged', mergeConflist({ name: 'n', plugins: [flannel] }, entry), true],
    ['rewritten by another agent', { name: 'n', plugins: [flannel] }, false],
    ['ours but not last', { name: 'n', plugins: [ours, flannel] }, false],
    ['ours with other settings', { name: 'n', plugins: [flannel, { ...ours, plugin_log_level: 'debug' }] }, false],
    ['ours twice', { name: 'n', plugins: [ours, flannel, ours] }, false],
    ['single plugin file', { type: 'bridge' }, false],
  ])('%s -> %s', (_name, existing, want) => {
    expect(hasCurrentEntry(existing, entry)).toBe(want);
  });
});
