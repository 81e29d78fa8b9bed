/**
 * The content digest of a build context as a builder sees it: every file the .dockerignore
 * file lets through (path, executable bit, content; symlinks by target), walked in a stable
 * order. Ignored directories are pruned unless a `!` pattern could re-include something in
 * them, so a context of a few files inside a large repository costs only those files.
 */
import dockerignore from '@balena/dockerignore';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The patterns of a .dockerignore file's text (comments and blank lines dropped). */
export function ignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The literal prefix of a pattern, up to its first glob character. */
function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?[\\]/);
  return (i < 0 ? pattern : pattern.slice(0, i)).replace(/^\/+/, '');
}

/**
 * sha256 (hex) of the context `dir` filtered by `ignoreText` (a .dockerignore's content; none:
 * every file counts). Throws on unreadable files rather than hashing less than the build sees.
 */
export function contextDigest(dir: string, ignoreText = ''): string {
  const patterns = ignorePatterns(ignoreText);
  // CommonJS: the factory is module.exports and its own `default` (what the types describe).
  const ig = dockerignore.default().add(patterns);
  const reincluded = patterns.filter((p) => p.startsWith('!')).map((p) => literalPrefix(p.slice(1)));
  const mayReinclude = (rel: string): boolean => reincluded.some((pre) => pre === '' || pre.startsWith(`${rel}/`) || `${rel}/`.startsWith(pre) || pre === rel);
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    const names = readdirSync(join(dir, rel)).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(dir, path);
      const st = lstatSync(abs);
      const ignored = ig.ignores(path);
      if (st.isDirectory()) {
        if (!ignored || mayReinclude(path)) walk(path);
      } else if (!ignored) {
        if (st.isSymbolicLink()) hash.update(`L ${path}\0${readlinkSync(abs)}\0`);
        else if (st.isFile()) hash.update(`F ${path}\0${st.mode & 0o111 ? 'x' : '-'}\0`).update(createHash('sha256').update(readFileSync(abs)).digest('hex'));
      }
    }
  };
  walk('');
  return hash.digest('hex');
}
