import { describe, expect, it } from 'vitest';
import { goYamlKeyLess, sortGoYamlKeys } from './key-order.js';

describe('goYamlKeyLess (go-yaml v2 keyList.Less on strings)', () => {
  it.each([
    ['a', 'b', true],
    ['b', 'a', false],
    ['a9', 'a10', true], // digit runs compare numerically
    ['a09', 'a10', true],
    ['x2y', 'x10y', true],
    ['_a', 'A', true], // a non-letter sorts before a letter...
    ['A', '_a', false],
    ['Z', 'a', true], // ...letters compare by code point
    ['a', 'é', true],
    ['-x', '.x', true], // other characters compare by code point
    ['1', '9', true],
    ['9', '10', true],
    ['a', 'ab', true], // prefix first
    ['a1_', 'a10', true], // zero after a non-zero digit continues the number: 1 < 10
    ['', 'a', true],
  ] as const)('%s < %s is %s', (a, b, expected) => {
    expect(goYamlKeyLess(a, b)).toBe(expected);
  });
});

describe('sortGoYamlKeys', () => {
  it.each([
    [['spec', 'kind', 'apiVersion', 'metadata', 'status'], ['apiVersion', 'kind', 'metadata', 'spec', 'status']],
    [['port10', 'port9', 'port100'], ['port9', 'port10', 'port100']],
    [['b', 'A', '_c', '9', '10'], ['_c', '9', '10', 'A', 'b']],
  ])('%j -> %j', (keys, sorted) => {
    expect(sortGoYamlKeys(keys)).toEqual(sorted);
  });

  it('keeps every key of a non-transitive set (go-yaml itself is nondeterministic there)', () => {
    const keys = ['a9', 'a10', 'a1b'];
    expect([...sortGoYamlKeys(keys)].sort()).toEqual([...keys].sort());
  });
});
