import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sameContent } from './fs-atomic.js';

const dir = mkdtempSync(join(tmpdir(), 'sk-fs-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('sameContent: files compared in chunks', () => {
  // Larger than one 1 MiB chunk and not a multiple of it, so the last partial chunk is compared.
  const big = Buffer.alloc(2.5 * 1024 * 1024 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;

  it('equal files over several chunks are the same', () => {
    expect(sameContent(file('a', big), file('b', Buffer.from(big)))).toBe(true);
  });

  it.each([
    ['the first byte', 0],
    ['a byte in the second chunk', 1024 * 1024 + 3],
    ['the last byte', big.length - 1],
  ])('a difference in %s is seen', (_what, at) => {
    const other = Buffer.from(big);
    other[at] = (other[at] ?? 0) ^ 0xff;
    expect(sameContent(file('a', big), file('c', other))).toBe(false);
  });

  it('files of different sizes differ; two empty files are the same', () => {
    expect(sameContent(file('a', big), file('d', big.subarray(0, big.length - 1)))).toBe(false);
    expect(sameContent(file('e', Buffer.alloc(0)), file('f', Buffer.alloc(0)))).toBe(true);
  });
});
