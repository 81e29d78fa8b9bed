// Conformance with Istio's own goldens, read from the istio.io/istio module pinned in
// oracle/go.mod (scripts/istio-conformance.mjs: every suite, plus the webhook process over real
// TLS), compared with the committed baseline (.ci/conformance-baseline.txt, one "<suite>/<case>"
// per line): a case in the baseline that no longer passes fails CI. `--update` adds newly
// passing cases (the baseline only grows). Needs a build (npm run build) and Go (the oracle).
// Run with tsx (the webhook suite loads the TypeScript core): npx tsx .ci/conformance.mjs
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSettingsFiles, runConformance, SUITES } from '../scripts/istio-conformance.mjs';
import { startWebhookProcess } from '../e2e/webhook/server-process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const baselineFile = path.join(here, 'conformance-baseline.txt');
const update = process.argv.includes('--update');
const quiet = process.argv.includes('--quiet');

const lines = [];
const log = (l) => {
  if (/^[a-z-]+: \d+ passed, \d+ failed, \d+ skipped$/.test(l)) lines.push(l);
  if (!quiet || !l.startsWith('PASS ')) console.log(l);
};
const results = await runConformance({ suites: SUITES, log });

// The webhook process over real TLS, started with the default settings Istio's chart renders:
// once as it runs by default, once with every admission answered on an admission worker thread
// (ADMISSION_WORKER_MIN_BYTES=0; its cases are named webhook-tls-workers/…).
const dir = mkdtempSync(path.join(os.tmpdir(), 'sk-conformance-tls-'));
try {
  const files = await defaultSettingsFiles(dir);
  for (const [suite, extraEnv] of [['webhook-tls', {}], ['webhook-tls-workers', { ADMISSION_WORKER_MIN_BYTES: '0' }]]) {
    let server;
    try {
      server = await startWebhookProcess({
        cli: path.join(root, 'dist', 'sidecar-kit.js'),
        args: ['--valuesFile', files.values, '--meshConfigFile', files.mesh],
        env: { ENABLE_NATIVE_SIDECARS: 'true', ...extraEnv },
      });
    } catch (err) {
      console.error(`${suite}: server did not start: ${err.message}`);
    }
    if (server) {
      try {
        const tls = await runConformance({ suites: ['webhook-tls'], log: suite === 'webhook-tls' ? log : (l) => log(l.replace(/^webhook-tls\b/, suite).replace(/^(PASS|FAIL|SKIP) webhook-tls\//, `$1 ${suite}/`)), webhookServer: { url: server.url, caFile: server.caFile } });
        results.push(...tls.map((r) => ({ ...r, suite })));
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const passing = new Set(results.filter((r) => r.status === 'PASS').map((r) => `${r.suite}/${r.name}`));
const failed = results.filter((r) => r.status === 'FAIL').map((r) => `${r.suite}/${r.name}`);
const baseline = existsSync(baselineFile)
  ? readFileSync(baselineFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  : [];
const regressed = baseline.filter((n) => !passing.has(n));
const fresh = [...passing].filter((n) => !baseline.includes(n)).sort();

console.log(`conformance: ${passing.size} passing, ${failed.length} failing, baseline ${baseline.length}, regressed ${regressed.length}, new ${fresh.length}`);
for (const n of regressed) console.log(`REGRESSED ${n}`);
if (update && fresh.length) {
  const all = [...new Set([...baseline, ...passing])].sort();
  writeFileSync(baselineFile, `# Conformance cases (Istio's goldens from the module pinned in oracle/go.mod) that passed; CI fails if one stops passing.\n# Grow with: npx tsx .ci/conformance.mjs --update\n${all.join('\n')}\n`);
  console.log(`baseline: added ${fresh.length} case(s)`);
} else if (fresh.length) {
  console.log(`new passes not yet in the baseline (run with --update): ${fresh.join(', ')}`);
}
const count = (s) => results.filter((r) => r.status === s).length;
console.log(`conformance: ${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped`);
process.exit(regressed.length ? 1 : 0);
