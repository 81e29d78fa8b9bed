// Rewrites relative imports that point at files moved by the given commits (git mv renames),
// for merging branches written before the moves (issue 14: src/config → src/core/config,
// src/init executor → src/capture-exec, src/cli/convention → src/cli-kit, the Istio template
// pieces → src/core/inject/go-template). A specifier that already resolves to an existing file
// is left alone, so running it twice changes nothing. Delete once those branches are merged.
//
//   node scripts/fix-moved-imports.mjs 37b1e9d ad2176d 070447f b3bae89 56dd1f5 && npx tsc --noEmit
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const moves = new Map();
for (const commit of process.argv.slice(2)) {
  const out = execFileSync('git', ['diff', '--name-status', '-M', `${commit}~1`, commit], { encoding: 'utf8' });
  for (const line of out.trim().split('\n')) {
    const [status, from, to] = line.split('\t');
    if (status?.startsWith('R') && from && to) moves.set(from, to);
  }
}
const movedFrom = new Map([...moves].map(([from, to]) => [to, path.dirname(from)]));
const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).trim().split('\n').filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && existsSync(f));
const specifier = /((?:import|export)\s[^'";]*?from\s*|import\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\2/g;
const onDisk = (p) => existsSync(p) || (p.endsWith('.js') && existsSync(`${p.slice(0, -3)}.ts`));
let rewritten = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(specifier, (whole, head, quote, spec) => {
    const target = path.normalize(path.join(path.dirname(file), spec));
    if (onDisk(target)) return whole;
    // A moved file edited elsewhere keeps specifiers written from its old folder.
    const oldFolder = movedFrom.get(file);
    const fromOld = oldFolder === undefined ? undefined : path.normalize(path.join(oldFolder, spec));
    const base = fromOld !== undefined && !onDisk(target) ? fromOld : target;
    const ts = base.endsWith('.js') ? `${base.slice(0, -3)}.ts` : base;
    const moved = moves.get(ts) ?? moves.get(base) ?? (fromOld !== undefined && onDisk(fromOld) ? fromOld : undefined);
    if (!moved) return whole;
    const dest = moves.has(ts) && base.endsWith('.js') ? `${moved.slice(0, -3)}.js` : moved;
    let rel = path.relative(path.dirname(file), dest);
    if (!rel.startsWith('.')) rel = `./${rel}`;
    rewritten++;
    return `${head}${quote}${rel}${quote}`;
  });
  if (next !== text) writeFileSync(file, next);
}
console.log(`fix-moved-imports: ${rewritten} specifiers rewritten`);
