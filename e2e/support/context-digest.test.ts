import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contextDigest } from './context-digest.js';

// The shape of images/*.Dockerfile.dockerignore: everything out, a few paths back in.
const IGNORE = '# comment\n**\n!package.json\n!src/**\nsrc/**/*.test.ts\n';

describe('contextDigest', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function context(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'sk-ctx-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }
  const base = { 'package.json': '{}', 'src/a.ts': 'a', 'src/x/b.ts': 'b', 'src/a.test.ts': 't', 'README.md': 'r', 'node_modules/m/index.js': 'm' };

  it.each([
    ['an included file changes', { 'src/x/b.ts': 'B' }, true],
    ['an included file is added', { 'src/c.ts': 'c' }, true],
    ['an excluded file changes', { 'README.md': 'R' }, false],
    ['a file under an excluded directory is added', { 'node_modules/n/index.js': 'n' }, false],
    ['a re-excluded test file changes', { 'src/a.test.ts': 'T' }, false],
  ] as const)('changes only when what the builder sees changes: %s', (_name, change, changes) => {
    const before = contextDigest(context(base), IGNORE);
    expect(contextDigest(context({ ...base, ...change }), IGNORE) !== before).toBe(changes);
  });

  it('counts the executable bit and symlink targets, not timestamps', () => {
    const a = context(base);
    const b = context(base);
    expect(contextDigest(a, IGNORE)).toBe(contextDigest(b, IGNORE));
    chmodSync(join(b, 'src', 'a.ts'), 0o755);
    expect(contextDigest(b, IGNORE)).not.toBe(contextDigest(a, IGNORE));
    symlinkSync('a.ts', join(a, 'src', 'l.ts'));
    const withLink = contextDigest(a, IGNORE);
    rmSync(join(a, 'src', 'l.ts'));
    symlinkSync('x/b.ts', join(a, 'src', 'l.ts'));
    expect(contextDigest(a, IGNORE)).not.toBe(withLink);
  });

  it('without an ignore file every file counts', () => {
    const a = context(base);
    const before = contextDigest(a);
    writeFileSync(join(a, 'README.md'), 'changed');
    expect(contextDigest(a)).not.toBe(before);
  });
});
