// Runs the shared conformance runners against the built CLI and compares the passing cases with
// the committed baseline (.ci/conformance-baseline.txt, one "<suite>/<case>" per line). A case in
// the baseline that no longer passes fails CI. `--update` adds newly passing cases (the baseline
// only grows). Extra runners (e.g. the webhook mode) register themselves in .ci/conformance-runs.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const shared = path.resolve(root, '..', 'shared', 'conformance');
const baselineFile = path.join(here, 'conformance-baseline.txt');
const update = process.argv.includes('--update');

if (!existsSync(shared)) {
  console.log('conformance: ../shared/conformance not found, nothing to run');
  process.exit(0);
}

const { runs } = await import('./conformance-runs.mjs');
const passing = new Set();
const summaries = [];
for (const run of runs) {
  const ctx = run.setup ? await run.setup({ root, shared }) : {};
  try {
    const res = spawnSync(process.execPath, [path.join(shared, run.script), ...run.args(ctx)], {
      cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...(run.env ?? {}) },
    });
    let suite = run.suite;
    for (const line of (res.stdout ?? '').split('\n')) {
      const header = /^#+\s*(?:suite\s+)?([a-z-]+)\b/.exec(line);
      if (run.suiteFromHeaders && header) suite = header[1];
      const m = /^PASS (\S+)/.exec(line);
      if (m) passing.add(`${run.suiteFromHeaders ? suite : run.suite}/${m[1]}`);
      if (/^[a-z-]+: \d+ passed, \d+ failed, \d+ skipped$/.test(line)) summaries.push(`${run.label}: ${line}`);
    }
    if (res.status !== 0 && res.status !== 1) {
      console.error(`${run.label}: runner exited ${res.status}\n${res.stderr}`);
    }
  } finally {
    if (run.teardown) await run.teardown(ctx);
  }
}

const baseline = existsSync(baselineFile)
  ? readFileSync(baselineFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  : [];
const regressed = baseline.filter((n) => !passing.has(n));
const fresh = [...passing].filter((n) => !baseline.includes(n)).sort();

for (const s of summaries) console.log(s);
console.log(`conformance: ${passing.size} passing, baseline ${baseline.length}, regressed ${regressed.length}, new ${fresh.length}`);
for (const n of regressed) console.log(`REGRESSED ${n}`);
if (update && fresh.length) {
  const all = [...new Set([...baseline, ...passing])].sort();
  writeFileSync(baselineFile, `# Conformance cases that passed; CI fails if one stops passing. Grow with: node .ci/conformance.mjs --update\n${all.join('\n')}\n`);
  console.log(`baseline: added ${fresh.length} case(s)`);
} else if (fresh.length) {
  console.log(`new passes not yet in the baseline (run with --update): ${fresh.join(', ')}`);
}
process.exit(regressed.length ? 1 : 0);
